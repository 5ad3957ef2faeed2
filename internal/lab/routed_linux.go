package lab

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// Routed is a second segment reached through a router: another lab whose
// hosts were renumbered into 198.51.100.0/24 and 2001:db8:2::/64, joined
// to this lab by one of its hosts acting as an IPv4 and IPv6 router. Frames
// between the two segments cross that router, so their TTL / hop limit
// drops by one and link-local multicast (224.0.0.18, ff02::12) does not
// cross at all: two VRRP nodes that are not on one layer-2 segment.
type Routed struct {
	Far    *Lab  // the other segment
	Router *Host // the host of the near lab that routes
}

// Far addresses: host i of the far lab has 198.51.100.(10+i)/24 and
// 2001:db8:2::(10+i)/64; the router has .1 and ::1 there.
var (
	farNet4    = netip.MustParsePrefix("198.51.100.0/24")
	farNet6    = netip.MustParsePrefix("2001:db8:2::/64")
	farRouter4 = netip.MustParseAddr("198.51.100.1")
	farRouter6 = netip.MustParseAddr("2001:db8:2::1")
	nearNet4   = netip.MustParsePrefix("192.0.2.0/24")
	nearNet6   = netip.MustParsePrefix("2001:db8:1::/64")
)

// FarIPv4 returns the IPv4 address of host h of the far lab.
func (r *Routed) FarIPv4(h *Host) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(10 + h.index)}), 24)
}

// FarIPv6 returns the IPv6 address of host h of the far lab.
func (r *Routed) FarIPv6(h *Host) netip.Prefix {
	return netip.PrefixFrom(netip.MustParseAddr(fmt.Sprintf("2001:db8:2::%d", 10+h.index)), 64)
}

// RouteTo makes h a router between its lab and far (a lab built for this,
// torn down as usual): h gets eth1 on far's bridge with 198.51.100.1/24
// and 2001:db8:2::1/64 and forwards; far's hosts are renumbered (see
// FarIPv4) with routes to 192.0.2.0/24 and 2001:db8:1::/64 through h, and
// the hosts of h's lab named in via get routes to the far networks
// through h.
func (h *Host) RouteTo(t testing.TB, far *Lab, via ...*Host) *Routed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := &Routed{Far: far, Router: h}
	run := func(n *Node, name string, args ...string) {
		t.Helper()
		if _, err := n.Run(ctx, name, args...); err != nil {
			t.Fatalf("lab: route %s to %s: %v", h.lab.name, far.name, err)
		}
	}
	port := fmt.Sprintf("vr%d", h.index)
	run(&h.Node, "ip", "link", "add", "eth1", "type", "veth", "peer", "name", port, "netns", far.bridge.name)
	run(far.bridge, "ip", "link", "set", port, "master", bridgeIface, "up")
	run(&h.Node, "ip", "addr", "add", netip.PrefixFrom(farRouter4, 24).String(), "dev", "eth1")
	run(&h.Node, "ip", "addr", "add", netip.PrefixFrom(farRouter6, 64).String(), "dev", "eth1", "nodad")
	run(&h.Node, "ip", "link", "set", "eth1", "up")
	run(&h.Node, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
	for _, fh := range far.hosts {
		run(&fh.Node, "ip", "addr", "flush", "dev", fh.iface, "scope", "global")
		run(&fh.Node, "ip", "addr", "add", r.FarIPv4(fh).String(), "dev", fh.iface)
		run(&fh.Node, "ip", "addr", "add", r.FarIPv6(fh).String(), "dev", fh.iface, "nodad")
		run(&fh.Node, "ip", "route", "add", nearNet4.String(), "via", farRouter4.String())
		run(&fh.Node, "ip", "-6", "route", "add", nearNet6.String(), "via", farRouter6.String())
	}
	for _, nh := range via {
		run(&nh.Node, "ip", "route", "add", farNet4.String(), "via", h.ipv4.Addr().String())
		run(&nh.Node, "ip", "-6", "route", "add", farNet6.String(), "via", h.ipv6.Addr().String())
	}
	return r
}
