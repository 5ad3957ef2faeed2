//go:build linux

package doctor

import (
	"context"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Netlink reads the kernel's tables of the current network namespace.
type Netlink struct{}

var neighStates = []struct {
	bit  int
	name string
}{
	{netlink.NUD_INCOMPLETE, "INCOMPLETE"}, {netlink.NUD_REACHABLE, "REACHABLE"},
	{netlink.NUD_STALE, "STALE"}, {netlink.NUD_DELAY, "DELAY"}, {netlink.NUD_PROBE, "PROBE"},
	{netlink.NUD_FAILED, "FAILED"}, {netlink.NUD_NOARP, "NOARP"}, {netlink.NUD_PERMANENT, "PERMANENT"},
}

// Neighbors lists the ARP and NDP tables of every interface.
func (Netlink) Neighbors(ctx context.Context) ([]Neighbor, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, err
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	var out []Neighbor
	for _, fam := range []int{unix.AF_INET, unix.AF_INET6} {
		ns, err := netlink.NeighList(0, fam)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			ip, ok := netip.AddrFromSlice(n.IP)
			if !ok {
				continue
			}
			var st []string
			for _, s := range neighStates {
				if n.State&s.bit != 0 {
					st = append(st, s.name)
				}
			}
			out = append(out, Neighbor{IP: ip.Unmap(), Iface: names[n.LinkIndex],
				MAC: strings.ToLower(n.HardwareAddr.String()), State: strings.Join(st, ",")})
		}
	}
	return out, ctx.Err()
}
