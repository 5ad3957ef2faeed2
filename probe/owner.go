package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// VirtualMAC returns the virtual router MAC of RFC 5798 7.3:
// 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6.
func VirtualMAC(fam decode.Family, vrid uint8) net.HardwareAddr {
	if fam == decode.IPv6 {
		return net.HardwareAddr{0, 0, 0x5e, 0, 2, vrid}
	}
	return net.HardwareAddr{0, 0, 0x5e, 0, 1, vrid}
}

// ParseVirtualMAC reports whether mac is a VRRP virtual MAC and returns its
// family and VRID.
func ParseVirtualMAC(mac net.HardwareAddr) (decode.Family, uint8, bool) {
	if len(mac) != 6 || mac[0] != 0 || mac[1] != 0 || mac[2] != 0x5e || mac[3] != 0 {
		return 0, 0, false
	}
	switch mac[4] {
	case 1:
		return decode.IPv4, mac[5], true
	case 2:
		return decode.IPv6, mac[5], true
	}
	return 0, 0, false
}

// Resolver asks a link who owns an address: ARP requests for IPv4,
// neighbour solicitations for IPv6 (OpenResolver on Linux, a fake in tests).
type Resolver interface {
	// Solicit sends one ARP request or neighbour solicitation for ip.
	Solicit(ip netip.Addr) error
	// ReadReply blocks until an ARP reply or neighbour advertisement
	// arrives, or the resolver is closed.
	ReadReply() (Reply, error)
	Close() error
}

// Reply is one answer: ip is at mac.
type Reply struct {
	IP  netip.Addr
	MAC net.HardwareAddr
}

// OwnerQuery says what to look up and for how long.
type OwnerQuery struct {
	VIP      netip.Addr
	Count    int           // requests to send; 0 means 3
	Interval time.Duration // between requests; 0 means 200ms
	// Listen is how long to wait after the last request, and for how long
	// VRRP adverts are collected at the same time; 0 means 1s.
	Listen time.Duration
}

// Owner is one MAC that answered for the address.
type Owner struct {
	MAC     string          `json:"mac"`
	Virtual bool            `json:"virtual_mac"`    // a VRRP virtual MAC
	VRID    uint8           `json:"vrid,omitempty"` // from the virtual MAC
	Replies int             `json:"replies"`
	RTTs    []time.Duration `json:"rtt_ns"`
}

// GroupMaster is a router heard advertising a group that carries the VIP.
type GroupMaster struct {
	Src      netip.Addr     `json:"src"`
	VRID     uint8          `json:"vrid"`
	Priority uint8          `json:"priority"`
	Version  decode.Version `json:"version"`
	Interval time.Duration  `json:"interval_ns"`
	Adverts  int            `json:"adverts"`
}

// OwnerResult is what an owner lookup found.
type OwnerResult struct {
	VIP      netip.Addr    `json:"vip"`
	Sent     int           `json:"sent"`
	Owners   []Owner       `json:"owners"`
	Conflict bool          `json:"conflict"` // two or more MACs answered
	Masters  []GroupMaster `json:"masters"`  // VRRP masters of a group with the VIP, if heard
}

// Verdict is a one-line summary.
func (r *OwnerResult) Verdict() string {
	switch len(r.Owners) {
	case 0:
		return fmt.Sprintf("no owner: nobody answered for %s", r.VIP)
	case 1:
		return fmt.Sprintf("%s is at %s", r.VIP, r.Owners[0].MAC)
	}
	macs := make([]string, len(r.Owners))
	for i, o := range r.Owners {
		macs[i] = o.MAC
	}
	return fmt.Sprintf("CONFLICT: %d owners answered for %s: %s", len(r.Owners), r.VIP, strings.Join(macs, ", "))
}

// LookupOwner sends q.Count requests for q.VIP and collects every MAC that
// answers, with the time from the latest request to each reply. When adverts
// is not nil it also listens there for VRRP masters of a group carrying the
// VIP. It closes res and adverts before returning.
func LookupOwner(ctx context.Context, q OwnerQuery, res Resolver, adverts Link) (*OwnerResult, error) {
	if q.Count <= 0 {
		q.Count = 3
	}
	if q.Interval <= 0 {
		q.Interval = 200 * time.Millisecond
	}
	if q.Listen <= 0 {
		q.Listen = time.Second
	}
	r := &OwnerResult{VIP: q.VIP}
	replies := make(chan struct {
		rep Reply
		at  time.Time
		err error
	})
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			rep, err := res.ReadReply()
			select {
			case replies <- struct {
				rep Reply
				at  time.Time
				err error
			}{rep, time.Now(), err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer res.Close()
	advCh := make(chan Packet)
	if adverts != nil {
		defer adverts.Close()
		go func() {
			buf := make([]byte, 1500)
			for {
				p, err := adverts.ReadPacket(buf)
				if err != nil {
					return
				}
				p.Data = slices.Clone(p.Data)
				select {
				case advCh <- p:
				case <-done:
					return
				}
			}
		}()
	}

	var lastSent time.Time
	send := time.NewTimer(0)
	defer send.Stop()
	end := time.NewTimer(time.Duration(q.Count-1)*q.Interval + q.Listen)
	defer end.Stop()
	var v decode.VRRP
	for {
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-end.C:
			r.Conflict = len(r.Owners) > 1
			return r, nil
		case <-send.C:
			lastSent = time.Now() // before sending: the reply may be read before Solicit returns
			if err := res.Solicit(q.VIP); err != nil {
				return r, fmt.Errorf("soliciting %s: %w", q.VIP, err)
			}
			r.Sent++
			if r.Sent < q.Count {
				send.Reset(q.Interval)
			}
		case m := <-replies:
			if m.err != nil {
				return r, fmt.Errorf("reading replies: %w", m.err)
			}
			if m.rep.IP != q.VIP || lastSent.IsZero() {
				continue
			}
			r.addReply(m.rep.MAC, m.at.Sub(lastSent))
		case p := <-advCh:
			r.addAdvert(p, &v)
		}
	}
}

func (r *OwnerResult) addReply(mac net.HardwareAddr, rtt time.Duration) {
	s := mac.String()
	i := slices.IndexFunc(r.Owners, func(o Owner) bool { return o.MAC == s })
	if i < 0 {
		o := Owner{MAC: s}
		if _, vrid, ok := ParseVirtualMAC(mac); ok {
			o.Virtual, o.VRID = true, vrid
		}
		r.Owners = append(r.Owners, o)
		i = len(r.Owners) - 1
	}
	r.Owners[i].Replies++
	r.Owners[i].RTTs = append(r.Owners[i].RTTs, rtt)
}

func (r *OwnerResult) addAdvert(p Packet, v *decode.VRRP) {
	fam := decode.IPv4
	if p.Src.Is6() {
		fam = decode.IPv6
	}
	v.IP = decode.Carrier{Family: fam, Src: p.Src, Dst: p.Dst, TTL: p.TTL, Length: len(p.Data)}
	if v.DecodeFromBytes(p.Data, nilFeedback{}) != nil || v.ChecksumStatus != decode.ChecksumGood ||
		v.Priority == 0 || !slices.Contains(v.Addrs, r.VIP) {
		return
	}
	i := slices.IndexFunc(r.Masters, func(m GroupMaster) bool { return m.Src == p.Src && m.VRID == v.VRID })
	if i < 0 {
		r.Masters = append(r.Masters, GroupMaster{Src: p.Src, VRID: v.VRID})
		i = len(r.Masters) - 1
	}
	m := &r.Masters[i]
	m.Priority, m.Version, m.Interval = v.Priority, v.Version, v.Interval()
	m.Adverts++
}

type nilFeedback struct{}

func (nilFeedback) SetTruncated() {}

// ErrNoOwner and ErrConflict classify a lookup that did not find exactly
// one owner (exit status 1 in vrrpprobe).
var (
	ErrNoOwner  = errors.New("no owner")
	ErrConflict = errors.New("several owners")
)

// Err returns nil for exactly one owner, else ErrNoOwner or ErrConflict.
func (r *OwnerResult) Err() error {
	switch {
	case len(r.Owners) == 0:
		return ErrNoOwner
	case len(r.Owners) > 1:
		return ErrConflict
	}
	return nil
}
