package doctor

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/track"
)

// Advert is one sender of VRRP adverts for one VRID seen on an interface
// during --listen, with what its latest advert said.
type Advert struct {
	Iface     string
	SrcMAC    string       // Ethernet source of the latest advert
	Src, Dst  netip.Addr   // Dst of the latest advert
	Dsts      []netip.Addr // every destination seen (unicast peers)
	Version   int
	VRID      int
	Priority  int
	Interval  time.Duration
	VIPs      []netip.Addr
	Count     int
	First     time.Time
	Last      time.Time
	Malformed int            // adverts from this sender that did not decode
	Flavour   decode.Flavour // checksum flavour of the latest advert (VRRPv3)
}

// Wire is what a live capture saw. Read fills it, one capture per
// interface; the live and neighbour checks read it. Every frame goes
// through a track.Tracker, vrrpdump's: split brain and VRID collisions on
// the wire are its findings (Findings), not a detector of the doctor's own.
type Wire struct {
	Duration time.Duration
	Ifaces   []string
	Adverts  []Advert
	once     sync.Once
	tracker  *track.Tracker
	mu       sync.Mutex // Adverts and last, for Reads of several interfaces at once
	last     time.Time
}

// Read captures src, interface link, into the Wire until it ends, ctx is
// done or a limit in o is reached: every frame through the tracker
// (track.Tracker.Read), VRRP adverts into Adverts. Reads of several
// interfaces may run at once.
func (w *Wire) Read(ctx context.Context, link string, src capture.Source, o capture.Options) error {
	w.once.Do(func() { w.tracker = track.New(track.Options{}) })
	_, err := w.tracker.Read(ctx, src, track.ReadOptions{Options: o, Link: link, Each: func(p *capture.Packet) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.observe(link, p.CI.Timestamp, p.Kind, p.Err, p.P)
		return nil
	}})
	return err
}

// observe records one decoded frame captured on iface in Adverts; frames
// that are not VRRP only move the clock. The parser's slices are copied.
func (w *Wire) observe(iface string, ts time.Time, kind decode.Kind, err error, p *decode.Parser) {
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
	if !slices.Contains(a.Dsts, a.Dst) {
		a.Dsts = append(a.Dsts, a.Dst)
	}
	a.Flavour = v.Flavour
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
