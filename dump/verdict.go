package dump

import (
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/track"
)

// incidentVerdicts knows which routers are part of an open incident, so
// that their advert lines end with the incident ("[split-brain #1]")
// instead of "[ok]" while it lasts. It follows OnFinding's openings and
// closings; a line asks when it is written, on the goroutine that tracks
// (after every frame before it was tracked), so the verdict of a file's
// lines does not depend on timing. With no incident open, a line costs
// one atomic load.
type incidentVerdicts struct {
	open atomic.Int32
	mu   sync.Mutex
	by   map[routerKey][]incidentRef
}

type routerKey struct {
	link string
	vrid uint8
	src  netip.Addr
}

type incidentRef struct {
	n  int
	id string
}

// finding takes an incident's opening or closing.
func (v *incidentVerdicts) finding(f *track.Finding) {
	if f.Phase == "" || f.Group.Proto != track.ProtoVRRP {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.by == nil {
		v.by = map[routerKey][]incidentRef{}
	}
	for _, s := range f.Routers {
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		k := routerKey{f.Group.Link, f.Group.VRID, a}
		refs := v.by[k]
		switch f.Phase {
		case track.PhaseOpen:
			v.by[k] = append(refs, incidentRef{f.Incident, f.ID})
			v.open.Add(1)
		case track.PhaseClose:
			for i, r := range refs {
				if r.n == f.Incident && r.id == f.ID {
					refs = append(refs[:i], refs[i+1:]...)
					v.open.Add(-1)
					break
				}
			}
			if len(refs) == 0 {
				delete(v.by, k)
			} else {
				v.by[k] = refs
			}
		}
	}
}

// mark rewrites the " [ok]" that ends an advert's line b to the open
// incidents its router is part of.
func (v *incidentVerdicts) mark(b []byte, link string, pkt *capture.Packet) []byte {
	const ok = " [ok]\n"
	if v.open.Load() == 0 || pkt.Kind != decode.KindVRRP || pkt.Err != nil || len(b) < len(ok) || string(b[len(b)-len(ok):]) != ok {
		return b
	}
	vr := &pkt.P.VRRP
	v.mu.Lock()
	refs := v.by[routerKey{link, vr.VRID, vr.IP.Src}]
	if len(refs) == 0 {
		v.mu.Unlock()
		return b
	}
	b = append(b[:len(b)-len(ok)], " ["...)
	for i, r := range refs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, r.id...)
		if r.n > 0 {
			b = append(b, " #"...)
			b = strconv.AppendInt(b, int64(r.n), 10)
		}
	}
	v.mu.Unlock()
	return append(b, "]\n"...)
}
