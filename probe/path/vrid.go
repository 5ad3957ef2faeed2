package path

import (
	"errors"
	"fmt"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

// VRIDs is the set of VRIDs heard on a link, either family.
type VRIDs [256]bool

// ErrVRIDInUse is returned by PickVRID when the VRID asked for, or every
// VRID, is in use on the link.
var ErrVRIDInUse = errors.New("vrid in use")

// Observe records the VRIDs an Ethernet frame shows: the VRID of a VRRP
// advert (test adverts excepted) and that of a VRRP virtual MAC as the
// frame's source or an ARP sender.
func (u *VRIDs) Observe(p *decode.Parser, frame []byte) {
	kind, err := p.Decode(frame)
	if kind == decode.KindVRRP && err == nil {
		if _, test := fromAdvert(&p.VRRP); !test {
			u[p.VRRP.VRID] = true
		}
	}
	if _, vrid, ok := probe.ParseVirtualMAC(p.Link.SrcMAC); ok {
		u[vrid] = true
	}
	if kind == decode.KindARP {
		if _, vrid, ok := probe.ParseVirtualMAC(p.ARP.SenderMAC); ok && !p.ARP.SenderIP.IsUnspecified() {
			u[vrid] = true
		}
	}
}

// List returns the VRIDs in use, ascending.
func (u *VRIDs) List() []uint8 {
	var l []uint8
	for v, used := range u {
		if used && v != 0 {
			l = append(l, uint8(v))
		}
	}
	return l
}

// PickVRID returns want when it is free, or with want 0 the highest VRID
// nobody uses (operators number groups from 1 up).
func PickVRID(u *VRIDs, want uint8) (uint8, error) {
	if want != 0 {
		if u[want] {
			return 0, fmt.Errorf("%w: vrid %d is used on this link: pick another with --vrid, or leave it out to pick a free one", ErrVRIDInUse, want)
		}
		return want, nil
	}
	for v := 255; v >= 1; v-- {
		if !u[v] {
			return uint8(v), nil
		}
	}
	return 0, fmt.Errorf("%w: every vrid 1-255 is used on this link: no vrid is safe to test with", ErrVRIDInUse)
}
