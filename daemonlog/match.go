package daemonlog

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// Wire is what the capture showed, as Match and Compare need it.
type Wire struct {
	Groups []WireGroup
	// First and Last frame of the capture.
	First, Last time.Time
}

// WireGroup is one group on the wire.
type WireGroup struct {
	Key     track.GroupKey
	VIPs    []string
	Routers []WireRouter
}

// WireRouter is one router of a group: its final snapshot and its
// stretches as master.
type WireRouter struct {
	Snap     track.RouterSnapshot
	Periods  []Period
	Releases []time.Time
}

// Period is a stretch of adverts of non-zero priority, each less than three
// intervals after the previous one.
type Period struct {
	Start, End time.Time
	Priority   uint8 // of the first advert
}

// Match decides whose each log is, then gives each event its router and,
// for keepalived (whose lines name an instance, not a VRID), the VRID and
// family of the group whose virtual addresses the instance announced.
// In order: the NAME of --log NAME=FILE when it is an address on the wire;
// the addresses keepalived says it assigned; the router whose first adverts
// follow the log's MASTER transitions; the one router of a two-router group
// its complaints do not name.
func Match(logs []*Log, w Wire) {
	for _, l := range logs {
		for i := range l.Events {
			placeEvent(&l.Events[i], w)
		}
		matchLog(l, w)
		for i := range l.Events {
			e := &l.Events[i]
			e.Router = l.Router
			if a, ok := l.ByFamily[e.Family]; ok {
				e.Router = a
			}
		}
	}
}

func matchLog(l *Log, w Wire) {
	heard := map[string]bool{}
	for _, g := range w.Groups {
		for _, r := range g.Routers {
			heard[r.Snap.Addr] = true
		}
	}
	if a, err := netip.ParseAddr(l.Name); err == nil && heard[a.String()] {
		l.Router, l.MatchedBy = a.String(), "the name given (--log NAME=FILE)"
		return
	}
	for _, a := range l.Own {
		if heard[a] {
			l.Router, l.MatchedBy = a, "its address in the log (\"Assigned address "+a+"\")"
			return
		}
	}
	// Transitions to MASTER followed by a router's first advert, per
	// address family (FRR's IPv6 adverts come from a link-local address of
	// its macvlan, not from the IPv4 router's address).
	score := map[string]map[string]int{}
	masters := map[string]int{}
	for _, e := range l.Events {
		if e.Kind != KindTransition || e.State != "MASTER" {
			continue
		}
		// The router whose first advert is nearest the transition.
		near, fam, best := "", "", time.Duration(-1)
		for _, g := range groupsOf(e, w) {
			for _, r := range g.Routers {
				if s, ok := firstAdvertAfter(r, e.Time, g); ok {
					d := s.Sub(e.Time)
					if d < 0 {
						d = -d
					}
					if best < 0 || d < best {
						near, fam, best = r.Snap.Addr, g.Key.Family, d
					}
				}
			}
		}
		if near != "" {
			if score[fam] == nil {
				score[fam] = map[string]int{}
			}
			score[fam][near]++
			masters[fam]++
		}
	}
	for _, fam := range []string{"ipv4", "ipv6"} {
		type cand struct {
			addr string
			n    int
		}
		var cs []cand
		for a, n := range score[fam] {
			cs = append(cs, cand{a, n})
		}
		slices.SortFunc(cs, func(x, y cand) int {
			if x.n != y.n {
				return y.n - x.n
			}
			return strings.Compare(x.addr, y.addr)
		})
		if len(cs) == 0 || len(cs) > 1 && cs[0].n == cs[1].n {
			continue
		}
		if l.ByFamily == nil {
			l.ByFamily = map[string]string{}
		}
		l.ByFamily[fam] = cs[0].addr
		if l.Router == "" {
			l.Router = cs[0].addr
			l.MatchedBy = fmt.Sprintf("its MASTER transitions are followed by this router's first adverts (%d of %d)", cs[0].n, masters[fam])
		}
	}
	if l.Router != "" {
		return
	}
	// Complaints name the other router.
	for _, e := range l.Events {
		if e.Peer == "" {
			continue
		}
		for _, g := range groupsOf(e, w) {
			if len(g.Routers) != 2 {
				continue
			}
			for i, r := range g.Routers {
				if r.Snap.Addr == e.Peer {
					l.Router = g.Routers[1-i].Snap.Addr
					l.MatchedBy = "its complaints name " + e.Peer + ", the other router of " + g.Key.String()
					return
				}
			}
		}
	}
	l.MatchedBy = "no router on the wire matched: give --log ADDRESS=FILE"
}

// placeEvent sets a keepalived event's VRID and family from the groups
// whose addresses its instance announced.
func placeEvent(e *Event, w Wire) {
	if e.VRID != 0 || len(e.VIPs) == 0 {
		return
	}
	for _, g := range w.Groups {
		for _, v := range e.VIPs {
			if slices.Contains(g.VIPs, v) {
				e.VRID, e.Family = g.Key.VRID, g.Key.Family
				return
			}
		}
	}
}

// groupsOf lists the groups an event may be about: those of its VRID and
// family when known, else all.
func groupsOf(e Event, w Wire) []WireGroup {
	var out []WireGroup
	for _, g := range w.Groups {
		if (e.VRID == 0 || e.VRID == g.Key.VRID) && (e.Family == "" || e.Family == g.Key.Family) {
			out = append(out, g)
		}
	}
	return out
}

// lagWindow bounds how long after a logged MASTER the router's first advert
// may come to belong to it (keepalived sends its first advert at once; the
// window covers slow hosts and clock offsets between the hosts), and how
// long before (the log line is written after the advert is sent).
func lagWindow(g WireGroup) (before, after time.Duration) {
	iv := time.Second
	for _, r := range g.Routers {
		iv = max(iv, r.Snap.AdverInt)
	}
	return time.Second, 3 * iv
}

// firstAdvertAfter returns the start of r's master period that begins
// nearest after t, within lagWindow.
func firstAdvertAfter(r WireRouter, t time.Time, g WireGroup) (time.Time, bool) {
	before, after := lagWindow(g)
	for _, p := range r.Periods {
		if !p.Start.Before(t.Add(-before)) && !p.Start.After(t.Add(after)) {
			return p.Start, true
		}
	}
	return time.Time{}, false
}
