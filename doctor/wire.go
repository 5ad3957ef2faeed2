package doctor

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/track"
)

// Advert is one sender of VRRP adverts for one VRID seen on an interface
// during --listen, with what its latest advert said.
type Advert struct {
	Iface     string
	SrcMAC    string // Ethernet source of the latest advert
	Src, Dst  netip.Addr
	Version   int
	VRID      int
	Priority  int
	Interval  time.Duration
	VIPs      []netip.Addr
	Count     int
	First     time.Time
	Last      time.Time
	Malformed int // adverts from this sender that did not decode
}

// Wire is what a live capture saw. Observe fills it from decoded frames;
// the live and neighbour checks read it. Every frame also feeds a
// track.Tracker, vrrpdump's: split brain and VRID collisions on the wire
// are its findings (Findings), not a detector of the doctor's own.
type Wire struct {
	Duration time.Duration
	Ifaces   []string
	Adverts  []Advert
	tracker  *track.Tracker
	last     time.Time
}

// Observe records one decoded frame captured on iface; the tracker sees
// every frame, the Adverts only VRRP. The parser's slices are copied.
func (w *Wire) Observe(iface string, ts time.Time, kind decode.Kind, err error, p *decode.Parser) {
	if w.tracker == nil {
		w.tracker = track.New(track.Options{})
	}
	w.tracker.Observe(ts, iface, p, kind, err)
	if ts.After(w.last) {
		w.last = ts
	}
	if kind != decode.KindVRRP {
		return
	}
	v := &p.VRRP
	src := v.IP.Src
	i := slices.IndexFunc(w.Adverts, func(a Advert) bool {
		return a.Iface == iface && a.Src == src && (err != nil || a.VRID == int(v.VRID))
	})
	if i < 0 {
		w.Adverts = append(w.Adverts, Advert{Iface: iface, Src: src, VRID: int(v.VRID), First: ts})
		i = len(w.Adverts) - 1
	}
	a := &w.Adverts[i]
	if err != nil {
		a.Malformed++
		return
	}
	a.Count++
	a.Last = ts
	a.Dst = v.IP.Dst
	a.SrcMAC = strings.ToLower(p.Link.SrcMAC.String())
	a.Version = int(v.Version)
	a.Priority = int(v.Priority)
	a.Interval = v.Interval()
	a.VIPs = append(a.VIPs[:0], v.Addrs...)
}

// Findings closes the capture at its last frame (timers due by then fire)
// and returns the tracker's findings, oldest first.
func (w *Wire) Findings() []track.Finding {
	if w.tracker == nil {
		return nil
	}
	w.tracker.End(w.last)
	return w.tracker.Findings()
}

// senders returns the adverts for one VRID on one interface, busiest first.
func (w *Wire) senders(iface string, vrid int) []Advert {
	var out []Advert
	for _, a := range w.Adverts {
		if a.Iface == iface && a.VRID == vrid && a.Count > 0 {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Advert) int { return b.Count - a.Count })
	return out
}
