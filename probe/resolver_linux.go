package probe

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ndp"
)

// OpenResolver returns the Resolver for addresses of vip's family on ifi:
// ARP (mdlayher/arp) for IPv4, neighbour discovery (mdlayher/ndp) for IPv6.
// It needs CAP_NET_RAW.
func OpenResolver(ifi *net.Interface, vip netip.Addr) (Resolver, error) {
	if ifi == nil {
		return nil, ErrNoInterface
	}
	r := &linuxResolver{ifi: ifi}
	if vip.Is4() {
		c, err := arp.Dial(r.ifi)
		if err != nil {
			return nil, fmt.Errorf("opening an ARP socket on %s (needs cap_net_raw and an IPv4 address): %w", r.ifi.Name, err)
		}
		r.arp = c
		return r, nil
	}
	c, _, err := ndp.Listen(r.ifi, ndp.LinkLocal)
	if err != nil {
		return nil, fmt.Errorf("opening an NDP socket on %s (needs cap_net_raw and a link-local address): %w", r.ifi.Name, err)
	}
	r.ndp = c
	return r, nil
}

// OpenAnnounceWatch returns a Resolver whose ReadReply reports gratuitous
// ARP (sender IP equal to target IP, request or reply, including the host's
// own) and unsolicited neighbour advertisements, for watching who claims an
// address.
func OpenAnnounceWatch(ifi *net.Interface, vip netip.Addr) (Resolver, error) {
	r, err := OpenResolver(ifi, vip)
	if err != nil {
		return nil, err
	}
	r.(*linuxResolver).garp = true
	return r, nil
}

type linuxResolver struct {
	garp bool
	ifi  *net.Interface
	arp  *arp.Client
	ndp  *ndp.Conn
}

func (r *linuxResolver) Solicit(ip netip.Addr) error {
	if ip.Is4() != (r.arp != nil) {
		return fmt.Errorf("resolver on %s: %s is not of the family it was opened for", r.ifi.Name, ip)
	}
	if ip.Is4() {
		return r.arp.Request(ip)
	}
	snm, err := ndp.SolicitedNodeMulticast(ip)
	if err != nil {
		return err
	}
	m := &ndp.NeighborSolicitation{
		TargetAddress: ip,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Source, Addr: r.ifi.HardwareAddr}},
	}
	return r.ndp.WriteTo(m, nil, snm.WithZone(r.ifi.Name))
}

// ReadReply returns the next ARP reply or neighbour advertisement carrying
// a target link-layer address.
func (r *linuxResolver) ReadReply() (Reply, error) {
	for {
		switch {
		case r.arp != nil:
			p, _, err := r.arp.Read()
			if err != nil {
				if closedErr(err) {
					return Reply{}, err
				}
				continue // a frame arp cannot parse: not ours to stop on
			}
			if r.garp && p.SenderIP == p.TargetIP || !r.garp && p.Operation == arp.OperationReply {
				return Reply{IP: p.SenderIP, MAC: p.SenderHardwareAddr}, nil
			}
		case r.ndp != nil:
			m, _, _, err := r.ndp.ReadFrom()
			if err != nil {
				if closedErr(err) {
					return Reply{}, err
				}
				continue // ndp rejects malformed messages with an error
			}
			na, ok := m.(*ndp.NeighborAdvertisement)
			if !ok || r.garp && na.Solicited {
				continue // a watch wants announcements, not answers to lookups
			}
			for _, o := range na.Options {
				if lla, ok := o.(*ndp.LinkLayerAddress); ok && lla.Direction == ndp.Target {
					return Reply{IP: na.TargetAddress, MAC: lla.Addr}, nil
				}
			}
		default:
			return Reply{}, fmt.Errorf("resolver on %s: no socket open", r.ifi.Name)
		}
	}
}

func (r *linuxResolver) Close() error {
	var err error
	if r.arp != nil {
		err = r.arp.Close()
	}
	if r.ndp != nil {
		if e := r.ndp.Close(); err == nil {
			err = e
		}
	}
	return err
}

// closedErr reports whether err came from the socket (closed, or failing
// for good) rather than from one frame that did not parse: arp and ndp
// report those with plain errors.
func closedErr(err error) bool {
	var se *os.SyscallError
	var oe *net.OpError
	return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) || errors.As(err, &se) || errors.As(err, &oe)
}
