package track

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Incidents. A state finding (Rule.Kind KindState) is an incident: it
// opens when first raised, its repeats while open only count, and it
// closes when the condition is over, on the tracker's clock (packet
// timestamps offline, the injected clock live). Each opening is a new
// incident with its own number; OnFinding gets the opening (Phase "open")
// and the closing (Phase "close", with End and Resolution). What closes
// an incident:
//
//   - split-brain: one side stopped advertising for its
//     Master_Down_Interval (End: its last advert), or resigned;
//   - master-down: any router advertised with a priority above 0 (End:
//     that advert);
//   - every other state: sweep, once a second while an incident is open,
//     finds that it no longer holds as Active says (End: its last
//     occurrence, or for a configuration conflict the change that
//     resolved it).

// maxIncidents bounds the incident log; further incidents still open and
// close (Phase) but carry no number.
const maxIncidents = 100000

// sweepEvery is how often open incidents are re-checked.
const sweepEvery = time.Second

// incident is one entry of Tracker.incidents.
type incident struct {
	idx        int32 // the finding
	start, end instant
	message    string // the closing line
	resolution string
}

// emission is a finding queued for OnFinding; phase 0 for an event or a
// fact, else the incident (1 + index) opened or closed.
type emission struct {
	idx      int32
	phase    uint8
	incident int32
}

const (
	phaseNone uint8 = iota
	phaseOpen
	phaseClose
)

// openIncident opens a new incident of finding idx at ts.
func (t *Tracker) openIncident(idx int32, ts instant) {
	f := &t.findings[idx]
	f.open = true
	f.incident = 0
	if len(t.incidents) < maxIncidents {
		t.incidents = append(t.incidents, incident{idx: idx, start: ts})
		f.incident = int32(len(t.incidents))
	}
	t.emit = append(t.emit, emission{idx: idx, phase: phaseOpen, incident: f.incident})
	if r, _ := RuleOf(f.ID); r.Holds != HoldsWhileSplit && r.Holds != HoldsWhileDown {
		t.sweepList = append(t.sweepList, idx)
		t.schedule(ts.Add(sweepEvery))
	}
}

// closeIncident closes finding idx's open incident, which ended at end;
// resolution says how.
func (t *Tracker) closeIncident(idx int32, end instant, resolution string) {
	if idx < 0 || int(idx) >= len(t.findings) {
		return
	}
	f := &t.findings[idx]
	if !f.open {
		return
	}
	f.open = false
	var start instant
	if f.incident > 0 {
		in := &t.incidents[f.incident-1]
		if end.Before(in.start) {
			end = in.start
		}
		in.end, in.resolution = end, resolution
		start = in.start
		in.message = closeLine(&f.Finding, end.Sub(start), resolution)
	}
	t.emit = append(t.emit, emission{idx: idx, phase: phaseClose, incident: f.incident})
}

// closeLine says that an incident ended: "split brain in ipv4 vrid 51
// ended after 42.3 s: 192.0.2.12 went back to backup".
func closeLine(f *Finding, d time.Duration, resolution string) string {
	s := f.ID + " in " + f.Group.Family + " vrid " + strconv.Itoa(int(f.Group.VRID))
	if f.ID == "split-brain" {
		s = "split brain in " + f.Group.Family + " vrid " + strconv.Itoa(int(f.Group.VRID))
	}
	s += " ended after " + FormatDuration(d)
	if resolution != "" {
		s += ": " + resolution
	}
	return s
}

// delivered is the finding of e as OnFinding gets it.
func (t *Tracker) delivered(e emission) Finding {
	f := t.findings[e.idx].clone()
	if e.phase == phaseNone {
		return f
	}
	f.Phase = PhaseOpen
	f.Incident = int(e.incident)
	if e.incident > 0 {
		in := &t.incidents[e.incident-1]
		f.Start = in.start.Time()
		if e.phase == phaseClose {
			f.Phase, f.End, f.Resolution, f.Message = PhaseClose, in.end.Time(), in.resolution, in.message
		}
	}
	if e.phase == phaseOpen {
		f.End, f.Resolution = time.Time{}, ""
	}
	return f
}

// sweep closes the open incidents (of rules other than split-brain and
// master-down, which close themselves) that no longer hold at now.
func (t *Tracker) sweep(now instant) {
	if len(t.sweepList) == 0 {
		return
	}
	keep := t.sweepList[:0]
	snaps := map[*group]*GroupSnapshot{}
	for _, idx := range t.sweepList {
		f := &t.findings[idx]
		if !f.open {
			continue
		}
		g := t.groupOf(f.Group)
		var gs *GroupSnapshot
		if g != nil {
			if gs = snaps[g]; gs == nil {
				s := t.snapshotGroup(g, false)
				gs = &s
				snaps[g] = gs
			}
		}
		c := f.clone()
		if Active(gs, &c, now.Time()) {
			keep = append(keep, idx)
			continue
		}
		end, why := t.ended(g, f)
		t.closeIncident(idx, end, why)
	}
	t.sweepList = keep
	if len(keep) > 0 {
		t.schedule(now.Add(sweepEvery))
	}
	// A group whose configuration conflicts all ended is no longer in
	// MISMATCH (or COLLISION).
	for g := range snaps {
		if !g.mismatch && !g.collision {
			continue
		}
		mismatch, collision := false, false
		for _, idx := range keep {
			f := &t.findings[idx]
			if r, _ := RuleOf(f.ID); r.Holds == HoldsWhileDiffer && f.Group == g.exp {
				if f.ID == catalog[ruleVRIDCollision].ID {
					collision = true
				} else {
					mismatch = true
				}
			}
		}
		g.mismatch, g.collision = mismatch, collision
	}
}

// ended says when and how finding f's incident, which no longer holds,
// ended.
func (t *Tracker) ended(g *group, f *finding) (instant, string) {
	r, _ := RuleOf(f.ID)
	switch r.Holds {
	case HoldsWhileDiffer:
		if g == nil || len(f.Routers) != 2 {
			break
		}
		a, b := g.findString(f.Routers[0]), g.findString(f.Routers[1])
		if a == nil || b == nil {
			return f.last, "one of the two routers is no longer heard"
		}
		quiet := a
		if b.last.Before(a.last) {
			quiet = b
		}
		if t.now.Sub(quiet.last) > PeerWindow {
			return quiet.last, quiet.addr.String() + " has not advertised for " + FormatDuration(PeerWindow) + " (a backup, or stopped)"
		}
		fixed := a
		if b.changed.After(a.changed) {
			fixed = b
		}
		return max(fixed.changed, f.last), fixed.addr.String() + "'s adverts now agree with " + other(f.Routers, fixed.addr.String())
	case HoldsWhileSeen:
		who := "no advert"
		if len(f.Routers) == 1 {
			who = f.Routers[0] + " sent no advert"
		}
		return f.last, who + " showing it since (it was fixed, or the router stopped)"
	}
	return f.last, "not seen again for " + FormatDuration(r.Window)
}

func other(pair []string, a string) string {
	if pair[0] == a {
		return pair[1]
	}
	return pair[0]
}

// findString returns the router whose address is s, or nil.
func (g *group) findString(s string) *router {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil
	}
	return g.find(a)
}

// groupOf returns the VRRP group of k, or nil (a CARP group, or none).
func (t *Tracker) groupOf(k GroupKey) *group {
	if k.Proto != ProtoVRRP {
		return nil
	}
	fam := decode.IPv4
	if k.Family == decode.IPv6.String() {
		fam = decode.IPv6
	}
	sg := t.segs[segKey{k.Link, k.VLAN, fam}]
	if sg == nil {
		return nil
	}
	return sg.vrid[k.VRID]
}

// Incident is one incident in the log (Tracker.Incidents).
type Incident struct {
	Incident int       `json:"incident"`
	ID       string    `json:"id"`
	Severity Severity  `json:"severity"`
	Group    GroupKey  `json:"group"`
	Routers  []string  `json:"routers"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"` // zero while open
	// Resolution says how it ended; Message is the finding's latest text.
	Resolution string `json:"resolution,omitempty"`
	Message    string `json:"message"`
}

// Incidents returns every incident so far, in order of opening, open
// ones with a zero End.
func (t *Tracker) Incidents() []Incident {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Incident, len(t.incidents))
	for i, in := range t.incidents {
		f := &t.findings[in.idx]
		out[i] = Incident{Incident: i + 1, ID: f.ID, Severity: f.Severity, Group: f.Group,
			Routers: append([]string(nil), f.Routers...), Start: in.start.Time(), Resolution: in.resolution, Message: f.Message}
		if f.incident != int32(i+1) || !f.open {
			out[i].End = in.end.Time()
		}
	}
	return out
}

// FormatDuration rounds d to what matters to a reader: milliseconds below
// 10 s ("3.410 s"), tenths of a second below 2 minutes ("42.3 s"), whole
// seconds above ("5 min 12 s").
func FormatDuration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
	case d < 2*time.Minute:
		return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', 1, 64) + " s"
	}
	d = d.Round(time.Second)
	m, s := d/time.Minute, (d%time.Minute)/time.Second
	if m >= 120 {
		return strconv.Itoa(int(m/60)) + " h " + strconv.Itoa(int(m%60)) + " min"
	}
	return strconv.Itoa(int(m)) + " min " + strconv.Itoa(int(s)) + " s"
}
