package probe

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// The drill's verdict is earned: it states what must happen and checks
// each expectation against what the wire showed over the whole window,
// with the tracker's findings (track) as the evidence. A drill passes only
// when every expectation holds.

// Expectation is one thing the drill requires of the group.
type Expectation struct {
	Name     string   `json:"name"`
	Want     string   `json:"want"` // what must happen, in words
	OK       bool     `json:"ok"`
	Evidence []string `json:"evidence"` // what the wire showed
}

// Expectation names.
const (
	ExpTakeover     = "takeover"        // we become master; the old master falls silent
	ExpOneMasterOur = "one-master-held" // nobody else advertises while we hold
	ExpHandBack     = "hand-back"       // the expected router takes over within Skew_Time
	ExpOneMasterEnd = "one-master-after"
	ExpVIPOwners    = "vip-owners"   // each VIP answered by the master's MAC alone
	ExpNoFindings   = "wire-healthy" // no split brain, ARP conflict, flapping or other error
	ExpChanges      = "two-changes"  // mastership moved exactly twice
)

// failingIDs are the tracker findings that fail a drill besides every
// error-severity one.
var failingIDs = []string{"flapping"}

// expect computes the expectations of a drill from its timeline and the
// tracker's evidence (findings and the group's snapshot; nil when the
// wire was not captured).
func expect(r *Report, tl []TimelineEvent, ev *Evidence) []Expectation {
	d := r.Drill
	g := d.Group
	iv := g.Interval
	rel := func(t time.Time) string {
		if len(tl) == 0 || t.IsZero() {
			return "-"
		}
		return fmt.Sprintf("+%.3fs", t.Sub(tl[0].At).Seconds())
	}
	var out []Expectation

	// 1. We become master; the old master falls silent.
	e := Expectation{Name: ExpTakeover,
		Want: fmt.Sprintf("we (%s, priority %d) become master within Master_Down_Interval %s and %s falls silent within one interval (%s) of our first advert",
			d.Self, d.Priority, MasterDownInterval(g.Version, d.Priority, iv), g.Master, iv)}
	switch {
	case r.OurFirst.IsZero():
		e.Evidence = append(e.Evidence, "we never sent an advert as master")
	default:
		e.Evidence = append(e.Evidence, "our first advert as master at "+rel(r.OurFirst))
		if r.OldQuiet.IsZero() {
			e.Evidence = append(e.Evidence, g.Master.String()+" sent no advert after it")
		} else {
			e.Evidence = append(e.Evidence, fmt.Sprintf("%s's last advert %s after it", g.Master, r.QuietLag.Round(time.Microsecond)))
		}
		e.OK = r.QuietLag <= iv+Tolerance
	}
	out = append(out, e)

	// 2. Nobody else claims mastership while we hold.
	e = Expectation{Name: ExpOneMasterOur, Want: "no other router advertises a non-zero priority while we hold the group"}
	if !r.OurFirst.IsZero() {
		end := r.Release
		if end.IsZero() && len(tl) > 0 {
			end = tl[len(tl)-1].At
		}
		others := advertisers(tl, r.OurFirst.Add(iv+Tolerance), end, netip.Addr{})
		e.OK = len(others) == 0
		e.Evidence = others
		if e.OK {
			e.Evidence = []string{fmt.Sprintf("only our adverts from %s to %s", rel(r.OurFirst.Add(iv+Tolerance)), rel(end))}
		}
	} else {
		e.Evidence = []string{"we never held the group"}
	}
	out = append(out, e)

	// 3. The old master takes the group back within its Skew_Time.
	skew := SkewTime(g.Version, g.Priority, iv)
	e = Expectation{Name: ExpHandBack,
		Want: fmt.Sprintf("after our priority-0 release %s (priority %d) takes over within its Skew_Time %s (+%s)", g.Master, g.Priority, skew, Tolerance)}
	switch {
	case r.Release.IsZero():
		e.Evidence = []string{"we never released"}
	case !r.NewMaster.IsValid():
		e.Evidence = []string{"nobody took over after the release"}
	default:
		e.Evidence = []string{fmt.Sprintf("%s took over %s after the release (within %s)", r.NewMaster, r.Gap.Round(time.Microsecond), r.Bound)}
		switch r.Bound {
		case "Master_Down_Interval":
			e.Evidence = append(e.Evidence, "it waited for Master_Down_Interval: our priority 0 was not honoured")
		case "late":
			e.Evidence = append(e.Evidence, "later than Master_Down_Interval")
		}
		if r.NewMaster != g.Master {
			e.Evidence = append(e.Evidence, fmt.Sprintf("expected %s, the master before the drill", g.Master))
		}
		e.OK = r.NewMaster == g.Master && r.Gap <= skew+Tolerance
	}
	out = append(out, e)

	// 4. One master after the hand-back.
	e = Expectation{Name: ExpOneMasterEnd, Want: "after the hand-back only the new master advertises"}
	if r.NewMaster.IsValid() && len(tl) > 0 {
		others := advertisers(tl, r.NewAt.Add(iv+Tolerance), tl[len(tl)-1].At, r.NewMaster)
		e.OK = len(others) == 0
		e.Evidence = others
		if e.OK {
			e.Evidence = []string{fmt.Sprintf("only %s advertised from %s to the end", r.NewMaster, rel(r.NewAt.Add(iv+Tolerance)))}
		}
	} else {
		e.Evidence = []string{"no new master"}
	}
	out = append(out, e)

	// 5. Each VIP is answered by the master's MAC alone, before and after.
	e = Expectation{Name: ExpVIPOwners, Want: "each VIP is answered (ARP / NA) by exactly one MAC, the same before and after the drill", OK: true}
	for _, vip := range g.VIPs {
		if vip.Is6() && vip.IsLinkLocalUnicast() {
			continue // see lookedUp
		}
		var before, after []string
		seen := [2]bool{}
		for _, t := range tl {
			if t.Kind != EvKindOwner || t.Src != vip {
				continue
			}
			switch {
			case r.OurFirst.IsZero() || t.At.Before(r.OurFirst):
				before, seen[0] = strings.Fields(t.Note), true
			case !r.Release.IsZero() && t.At.After(r.Release):
				after, seen[1] = strings.Fields(t.Note), true
			}
		}
		ok := seen[0] && seen[1] && len(before) == 1 && len(after) == 1 && before[0] == after[0]
		e.OK = e.OK && ok
		e.Evidence = append(e.Evidence, fmt.Sprintf("%s: before %s, after %s", vip, macList(before, seen[0]), macList(after, seen[1])))
	}
	out = append(out, e)

	// 6 and 7: the tracker's findings.
	e = Expectation{Name: ExpNoFindings, Want: "the tracker finds no split brain, ARP conflict, duplicate source, flapping, master-down or other error in the window"}
	c := Expectation{Name: ExpChanges, Want: "mastership moves exactly twice: to us and back"}
	if ev == nil {
		e.Evidence = []string{"the wire was not captured: nothing to check against"}
		c.Evidence = e.Evidence
	} else {
		e.OK = true
		for _, f := range ev.Findings {
			bad := f.Severity == track.SeverityError || slices.Contains(failingIDs, f.ID)
			if bad {
				e.OK = false
				line := fmt.Sprintf("%s: %s (%d×", f.ID, f.Message, f.Count)
				if len(f.Routers) > 0 {
					line += ", " + strings.Join(f.Routers, " ")
				}
				e.Evidence = append(e.Evidence, line+")")
			}
		}
		if e.OK {
			e.Evidence = []string{fmt.Sprintf("%d findings, none an error or flapping", len(ev.Findings))}
		}
		c.OK = ev.Changes == 2
		c.Evidence = []string{fmt.Sprintf("%d master changes seen", ev.Changes)}
	}
	out = append(out, e, c)
	return out
}

// advertisers lists, in words, the routers other than except that sent a
// non-zero priority in [from, to].
func advertisers(tl []TimelineEvent, from, to time.Time, except netip.Addr) []string {
	type seen struct {
		n          int
		first      time.Time
		priorities []uint8
	}
	by := map[netip.Addr]*seen{}
	var order []netip.Addr
	for _, e := range tl {
		if e.Kind != EvKindAdvert || e.Priority == 0 || e.Src == except || e.At.Before(from) || e.At.After(to) {
			continue
		}
		s := by[e.Src]
		if s == nil {
			s = &seen{first: e.At}
			by[e.Src] = s
			order = append(order, e.Src)
		}
		s.n++
		if !slices.Contains(s.priorities, e.Priority) {
			s.priorities = append(s.priorities, e.Priority)
		}
	}
	var out []string
	for _, a := range order {
		s := by[a]
		out = append(out, fmt.Sprintf("%s advertised as master %d times (priority %v) from %s on", a, s.n, s.priorities, s.first.Format("15:04:05.000")))
	}
	return out
}

func macList(m []string, seen bool) string {
	if !seen {
		return "not looked up"
	}
	if len(m) == 0 {
		return "no answer"
	}
	return strings.Join(m, " and ")
}

// Evidence is what the tracker made of the wire during the drill.
type Evidence struct {
	Findings []track.Finding `json:"findings"`
	// Changes is the number of master changes the tracker saw in the group.
	Changes int `json:"master_changes"`
}
