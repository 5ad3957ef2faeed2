package track

import (
	"slices"
	"time"
)

// Active reports whether finding f of group g (nil when the tracker has no
// such group, as for an undecodable packet) still holds at now, the
// tracker's clock, as its Rule's Holds says: what "active now" means for
// the exporter (vrrp_findings_active) and the screen. A finding of an id
// the tracker does not raise counts for EventWindow after its last
// occurrence.
func Active(g *GroupSnapshot, f *Finding, now time.Time) bool {
	r, ok := RuleOf(f.ID)
	if !ok {
		r = Rule{Holds: HoldsWindow, Window: EventWindow}
	}
	age := now.Sub(f.Last)
	switch r.Holds {
	case HoldsWhileSplit:
		return g != nil && g.State == StateSplitBrain && age <= hold(g, f.Routers)
	case HoldsWhileDown:
		return g != nil && (g.State == StateDown || g.State == StateReleased) && !g.LastAdvert().After(f.Last)
	case HoldsWhileSeen:
		return age <= hold(g, f.Routers)
	case HoldsWhileDiffer:
		return g != nil && conflicts(g, f, r.differ, now)
	}
	return age <= r.Window
}

// hold is 3 advertisement intervals + 1 s of the slowest of the named
// routers (of the whole group when none is known; 1 s intervals without a
// group): at least the Master_Down_Interval after which the tracker stops
// counting a silent router.
func hold(g *GroupSnapshot, routers []string) time.Duration {
	var iv time.Duration
	if g != nil {
		for _, r := range g.Routers {
			if len(routers) == 0 || slices.Contains(routers, r.Addr) {
				iv = max(iv, r.AdverInt)
			}
		}
	}
	if iv == 0 {
		iv = time.Second
	}
	return 3*iv + time.Second
}

func routerOf(g *GroupSnapshot, addr string) *RouterSnapshot {
	for i := range g.Routers {
		if g.Routers[i].Addr == addr {
			return &g.Routers[i]
		}
	}
	return nil
}

// conflicts re-checks a configuration conflict between the two routers f
// names against their latest adverts.
func conflicts(g *GroupSnapshot, f *Finding, differ func(a, b *RouterSnapshot) bool, now time.Time) bool {
	if len(f.Routers) != 2 {
		return false
	}
	a, b := routerOf(g, f.Routers[0]), routerOf(g, f.Routers[1])
	if a == nil || b == nil || now.Sub(a.Last) > PeerWindow || now.Sub(b.Last) > PeerWindow {
		return false
	}
	return differ == nil || differ(a, b)
}

// ActiveWhile says in words when a finding of r counts as active (Active),
// for FINDINGS.md and help texts.
func (r Rule) ActiveWhile() string {
	switch r.Holds {
	case HoldsWhileSplit:
		return "the group is SPLIT-BRAIN and an advert of either side came within 3 advertisement intervals + 1 s"
	case HoldsWhileDown:
		return "the group is DOWN or RELEASED and nothing was heard since the finding"
	case HoldsWhileSeen:
		return "the router's last such advert came within 3 of its intervals + 1 s"
	case HoldsWhileDiffer:
		return "both routers named advertised within the last " + durationWords(PeerWindow) +
			" and their latest adverts still differ in that field (a keepalived backup is silent, so a conflict with a backup ends " +
			durationWords(PeerWindow) + " after it last advertised)"
	}
	return durationWords(r.Window) + " after it last happened"
}

func durationWords(d time.Duration) string {
	switch {
	case d%time.Minute == 0 && d > time.Minute:
		return itoa(int(d/time.Minute)) + " minutes"
	case d%time.Second == 0:
		return itoa(int(d/time.Second)) + " s"
	}
	return d.String()
}
