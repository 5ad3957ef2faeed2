package probe

import (
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// VRRP multicast groups (RFC 5798 5.1.1.2, 5.1.2.2).
var (
	Group4 = netip.AddrFrom4([4]byte{224, 0, 0, 18})
	Group6 = netip.MustParseAddr("ff02::12")
)

// Packet is one received IP packet of protocol 112.
type Packet struct {
	Src, Dst netip.Addr
	TTL      uint8  // IPv4 TTL or IPv6 hop limit
	Data     []byte // the IP payload: the VRRP message
}

// ErrDiscard is the class of received adverts RFC 5798 7.1 (RFC 3768 7.1)
// tells a router to discard. A *DiscardError unwraps to it.
var ErrDiscard = errors.New("advert discarded")

// errOtherVRID marks an advert for another virtual router: not an error,
// simply not ours.
var errOtherVRID = errors.New("advert for another vrid")

// DiscardError says why an advert was discarded.
type DiscardError struct {
	Src    netip.Addr
	Reason string
	Err    error // the decode error, if any
	// Mismatch: a well-formed advert of our VRID that our configuration
	// rejects (version, authentication, v2 interval). Its sender is alive
	// and we cannot hear it: a speaker that goes on becomes a second
	// master after Master_Down_Interval.
	Mismatch bool
}

func (e *DiscardError) Error() string {
	s := "advert from " + e.Src.String() + " discarded: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns ErrDiscard and the decode error.
func (e *DiscardError) Unwrap() []error { return []error{ErrDiscard, e.Err} }

// CheckAdvert applies the receive checks of RFC 5798 7.1 (RFC 3768 7.1 for
// v2) to a packet and returns the event for the Machine. It returns an error
// wrapping errOtherVRID for another router's advert and a *DiscardError for
// one that must be dropped. v is scratch space, reused.
func CheckAdvert(c *Config, p Packet, v *decode.VRRP) (Event, error) {
	fam := decode.IPv4
	if p.Src.Is6() && !p.Src.Is4In6() {
		fam = decode.IPv6
	}
	v.IP = decode.Carrier{Family: fam, Src: p.Src, Dst: p.Dst, TTL: p.TTL, Length: len(p.Data)}
	discard := func(reason string, err error) (Event, error) {
		return Event{}, &DiscardError{Src: p.Src, Reason: reason, Err: err}
	}
	mismatch := func(reason string) (Event, error) {
		return Event{}, &DiscardError{Src: p.Src, Reason: reason, Mismatch: true}
	}
	if err := v.DecodeFromBytes(p.Data, nilFeedback{}); err != nil {
		return discard("undecodable", err)
	}
	if v.VRID != c.VRID {
		return Event{}, errOtherVRID
	}
	if fam != c.Family() {
		return Event{}, errOtherVRID // the other family's router of the same VRID
	}
	switch {
	case p.TTL != 255:
		return discard("TTL/hop limit "+strconv.Itoa(int(p.TTL))+", must be 255", nil)
	case v.Version != c.Version && v.ChecksumStatus == decode.ChecksumGood && v.Type == decode.TypeAdvertisement:
		return mismatch(v.Version.String() + " advert, we speak " + c.Version.String())
	case v.Version != c.Version:
		return discard(v.Version.String()+" advert, we speak "+c.Version.String(), nil)
	case v.Type != decode.TypeAdvertisement:
		return discard("type "+v.Type.String(), nil)
	case v.Problems&decode.ProblemTruncated != 0:
		return discard("truncated", nil)
	case v.ChecksumStatus != decode.ChecksumGood:
		return discard("bad checksum", nil)
	case v.AdverInt == 0:
		return discard("advertisement interval 0", nil)
	}
	if c.Version == decode.V2 {
		wantType := decode.AuthNone
		if c.AuthPass != "" {
			wantType = decode.AuthSimple
		}
		if v.AuthType != wantType {
			return mismatch("auth type " + v.AuthType.String() + ", ours " + wantType.String())
		}
		if wantType == decode.AuthSimple && v.AuthData != authData(c.AuthPass) {
			return mismatch("wrong password")
		}
		if v.Interval() != c.Interval {
			return mismatch("advertisement interval " + v.Interval().String() + ", ours " + c.Interval.String())
		}
	}
	return Event{Kind: EvAdvert, Src: p.Src, Priority: v.Priority, Interval: v.Interval()}, nil
}

func authData(pass string) (b [8]byte) {
	copy(b[:], pass)
	return b
}

// AppendAdvert appends the advert of c with the given priority, from c's
// primary address to dst, checksum computed (RFC 5798 5.2.8 for v3).
func AppendAdvert(b []byte, c *Config, prio uint8, dst netip.Addr) ([]byte, error) {
	v := decode.VRRP{
		Version:  c.Version,
		Type:     decode.TypeAdvertisement,
		VRID:     c.VRID,
		Priority: prio,
		Addrs:    c.VIPs,
		Family:   c.Family(),
		IP:       decode.Carrier{Family: c.Family(), Src: c.Primary, Dst: dst},
	}
	if c.Version == decode.V2 {
		v.AdverInt = uint16(c.Interval / time.Second)
		if c.AuthPass != "" {
			v.AuthType, v.AuthData = decode.AuthSimple, authData(c.AuthPass)
		}
	} else {
		v.AdverInt = uint16(c.Interval / (10 * time.Millisecond))
		if c.Family() == decode.IPv4 && c.Checksum == decode.FlavourMessageOnly {
			v.Flavour = decode.FlavourMessageOnly
		}
	}
	return v.AppendBinary(b, true)
}
