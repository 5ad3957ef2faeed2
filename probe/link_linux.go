package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"github.com/vrrpkit/vrrpkit/decode"
)

// ErrNoInterface is returned when sending is asked for without naming an
// interface.
var ErrNoInterface = errors.New("no interface named: pass -i IFACE")

// PrimaryAddr returns the interface's primary address of the family: its
// first IPv4 address, or its first IPv6 link-local address (RFC 5798 5.1.2.1).
func PrimaryAddr(ifi *net.Interface, fam decode.Family) (netip.Addr, error) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("interface %s: %w", ifi.Name, err)
	}
	for _, a := range addrs {
		pfx, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(pfx.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if fam == decode.IPv4 && ip.Is4() || fam == decode.IPv6 && ip.Is6() && ip.IsLinkLocalUnicast() {
			return ip, nil
		}
	}
	what := "IPv4 address"
	if fam == decode.IPv6 {
		what = "IPv6 link-local address"
	}
	return netip.Addr{}, fmt.Errorf("interface %s has no %s: add one or bring the link up", ifi.Name, what)
}

// bindToDevice is a ListenConfig.Control that binds the socket to ifname.
func bindToDevice(ifname string) func(string, string, syscall.RawConn) error {
	return func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, ifname)
		})
		if err != nil {
			return err
		}
		return serr
	}
}

// OpenLink opens a raw IP socket of protocol 112 bound to ifi, joined to the
// VRRP group of the family, sending with TTL / hop limit 255 from primary.
// It needs CAP_NET_RAW.
func OpenLink(ifi *net.Interface, fam decode.Family, primary netip.Addr) (Link, error) {
	if ifi == nil {
		return nil, ErrNoInterface
	}
	lc := net.ListenConfig{Control: bindToDevice(ifi.Name)}
	if fam == decode.IPv6 {
		c, err := lc.ListenPacket(context.Background(), "ip6:112", "::")
		if err != nil {
			return nil, fmt.Errorf("opening a raw IPv6 socket on %s (needs cap_net_raw): %w", ifi.Name, err)
		}
		l := &link6{c: c, p: ipv6.NewPacketConn(c), ifi: ifi, src: primary}
		if err := l.setup(); err != nil {
			c.Close()
			return nil, fmt.Errorf("setting up the VRRP socket on %s: %w", ifi.Name, err)
		}
		return l, nil
	}
	c, err := lc.ListenPacket(context.Background(), "ip4:112", "0.0.0.0")
	if err != nil {
		return nil, fmt.Errorf("opening a raw IPv4 socket on %s (needs cap_net_raw): %w", ifi.Name, err)
	}
	l := &link4{c: c, p: ipv4.NewPacketConn(c), ifi: ifi, src: primary}
	if err := l.setup(); err != nil {
		c.Close()
		return nil, fmt.Errorf("setting up the VRRP socket on %s: %w", ifi.Name, err)
	}
	return l, nil
}

type link4 struct {
	c   net.PacketConn
	p   *ipv4.PacketConn
	ifi *net.Interface
	src netip.Addr
}

func (l *link4) setup() error {
	return errors.Join(
		l.p.SetControlMessage(ipv4.FlagTTL|ipv4.FlagDst|ipv4.FlagInterface, true),
		l.p.JoinGroup(l.ifi, &net.IPAddr{IP: net.IP(Group4.AsSlice())}),
		l.p.SetMulticastInterface(l.ifi),
		l.p.SetMulticastTTL(255),
		l.p.SetTTL(255),
		l.p.SetMulticastLoopback(false),
	)
}

func (l *link4) ReadPacket(buf []byte) (Packet, error) {
	for {
		n, cm, src, err := l.p.ReadFrom(buf)
		if err != nil {
			return Packet{}, err
		}
		data := buf[:n]
		// A raw IPv4 socket hands over the IP header too.
		if n >= 20 && data[0]>>4 == 4 {
			ihl := int(data[0]&0x0f) * 4
			if ihl < 20 || ihl > n {
				continue
			}
			data = data[ihl:]
		}
		p := Packet{Data: data}
		if a, ok := src.(*net.IPAddr); ok {
			p.Src, _ = netip.AddrFromSlice(a.IP)
			p.Src = p.Src.Unmap()
		}
		if cm != nil {
			if cm.IfIndex != 0 && cm.IfIndex != l.ifi.Index {
				continue
			}
			p.TTL = uint8(cm.TTL)
			p.Dst, _ = netip.AddrFromSlice(cm.Dst)
			p.Dst = p.Dst.Unmap()
		}
		return p, nil
	}
}

func (l *link4) WritePacket(msg []byte, dst netip.Addr) error {
	cm := &ipv4.ControlMessage{Src: net.IP(l.src.AsSlice()), IfIndex: l.ifi.Index}
	_, err := l.p.WriteTo(msg, cm, &net.IPAddr{IP: net.IP(dst.AsSlice())})
	return err
}

func (l *link4) Close() error { return l.c.Close() }

type link6 struct {
	c   net.PacketConn
	p   *ipv6.PacketConn
	ifi *net.Interface
	src netip.Addr
}

func (l *link6) setup() error {
	return errors.Join(
		l.p.SetControlMessage(ipv6.FlagHopLimit|ipv6.FlagDst|ipv6.FlagInterface, true),
		l.p.JoinGroup(l.ifi, &net.IPAddr{IP: net.IP(Group6.AsSlice())}),
		l.p.SetMulticastInterface(l.ifi),
		l.p.SetMulticastHopLimit(255),
		l.p.SetHopLimit(255),
		l.p.SetMulticastLoopback(false),
	)
}

func (l *link6) ReadPacket(buf []byte) (Packet, error) {
	for {
		n, cm, src, err := l.p.ReadFrom(buf)
		if err != nil {
			return Packet{}, err
		}
		p := Packet{Data: buf[:n]}
		if a, ok := src.(*net.IPAddr); ok {
			p.Src, _ = netip.AddrFromSlice(a.IP)
		}
		if cm != nil {
			if cm.IfIndex != 0 && cm.IfIndex != l.ifi.Index {
				continue
			}
			p.TTL = uint8(cm.HopLimit)
			p.Dst, _ = netip.AddrFromSlice(cm.Dst)
		}
		return p, nil
	}
}

func (l *link6) WritePacket(msg []byte, dst netip.Addr) error {
	cm := &ipv6.ControlMessage{Src: net.IP(l.src.AsSlice()), IfIndex: l.ifi.Index, HopLimit: 255}
	_, err := l.p.WriteTo(msg, cm, &net.IPAddr{IP: net.IP(dst.AsSlice()), Zone: l.ifi.Name})
	return err
}

func (l *link6) Close() error { return l.c.Close() }
