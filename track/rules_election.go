package track

import (
	"fmt"
	"time"

	"github.com/vrrpkit/vrrpkit/timers"
)

// The election rules.
//
// A router is "heard" at time ts while it is not resigned and its last
// advert is less than 3 of its intervals old: no backup may take over from
// it before 3 × interval + Skew_Time (RFC 3768 / RFC 5798 section 6.4.2), so
// another router advertising in that window is not a legitimate successor.
//
// Split brain is raised at the advert of the router that loses the RFC
// election (lower priority, then lower address) while the winner is heard:
// an RFC backup that hears a better master never advertises, so this is
// immediately abnormal, and the finding appears at the second master's
// first advert. One exception, preemption: when the winner has just taken
// over (its current stretch began after the loser's), the loser is the old
// master, which may send one more advert already in flight; adverts from it
// within 1.5 of its intervals after the winner's first advert are grace.
//
// The master is the router whose adverts the group follows: the first to
// advertise, replaced by a better router that preempts it, or by any router
// that advertises after the master stopped being heard or resigned. Each
// change raises failover with the gap and the gap the protocol allows
// (Skew_Time after a priority-0 advert, Master_Down_Interval after silence).
// Three changes within 60 s raise flapping.

// heard reports whether r's adverts still count at ts (see above).
func (r *router) heard(ts instant) bool {
	return !r.resigned && ts.Sub(r.last) < 3*r.interval
}

// preemptGrace is how long after a new master's first advert the preempted
// one may still send an advert.
func preemptGrace(old *router) time.Duration { return old.interval + old.interval/2 }

// unrelated reports whether two routers of one key advertise disjoint VIP
// sets: two virtual routers sharing a VRID, not one group.
func unrelated(a, b *router) bool {
	if len(a.vips) == 0 || len(b.vips) == 0 {
		return false
	}
	for _, x := range a.vips {
		for _, y := range b.vips {
			if x == y {
				return false
			}
		}
	}
	return true
}

// elect runs the election rules for r's advert at ts.
func (t *Tracker) elect(g *group, r *router, ts instant, gap time.Duration, hadPrev, wasResigned bool) {
	if r.prio == 0 {
		t.release(g, r, ts, wasResigned)
		return
	}
	r.resigned = false
	if g.downIdx != 0 {
		why := fmt.Sprintf("%s advertises as master again", r.addr)
		if g.master != r {
			why = fmt.Sprintf("%s (priority %d) took over", r.addr, r.prio)
		}
		t.closeIncident(g.downIdx-1, ts, why)
		g.downIdx = 0
	}
	if !hadPrev || wasResigned || gap >= 3*r.interval {
		r.tenure = ts
	}

	// late-advert: a continuing master's gap near Master_Down_Interval,
	// unless another router advertised meanwhile (a keepalived master that
	// rejects an advert re-arms its timer: irregular gaps are not failures).
	if hadPrev && !wasResigned && r == g.master && !g.down && gap >= 5*r.interval/2 && !t.othersSpoke(g, r, ts.Add(-gap)) {
		mdi := t.downInterval(g)
		cause := ""
		if len(t.gaps) > 0 {
			cause = t.gapCause(g.key.link, ts.Add(-gap), ts)
		}
		t.raise(ruleLateAdvert, g.exp, ts, []string{r.addr.String()},
			fmt.Sprintf("master %s was silent for %.3f s (interval %.3f s; Master_Down_Interval %.3f s)",
				r.addr, gap.Seconds(), r.interval.Seconds(), mdi.Seconds()), cause,
			map[string]any{"gap_s": secs(gap), "interval_s": secs(r.interval), "master_down_interval_s": secs(mdi)})
	}
	g.lastAdvert = ts

	// Split brain.
	for _, o := range g.routers {
		if o == r || !o.heard(ts) || unrelated(r, o) {
			continue
		}
		if o.before(r) {
			if r.tenure.Before(o.tenure) && ts.Sub(o.tenure) <= preemptGrace(r) {
				continue // preempted: its last advert
			}
			t.split(g, o, r, ts)
		} else if g.splitIdx != 0 && g.splitW == r && g.splitL == o {
			t.bump(g.splitIdx-1, ts)
			if ts.Sub(o.last) < 10*time.Millisecond && !g.splitAnswered {
				// The winner answers the loser's advert at once: it hears it.
				g.splitAnswered = true
				t.findings[g.splitIdx-1].Cause, t.findings[g.splitIdx-1].Evidence = splitCause(r, o, true, t.opts.ShowAuth)
				t.findings[g.splitIdx-1].Hint = splitFix(g, r, o, true)
			}
		}
	}

	// Mastership.
	m := g.master
	switch {
	case m == nil:
		t.transition(g, nil, r, ts)
	case m == r:
		if g.down || !g.resignedAt.IsZero() {
			g.down, g.resignedAt, g.resignedBy = false, 0, nil
		}
	case unrelated(m, r):
	case !m.heard(ts) || (r.before(m) && m.heard(ts)):
		t.transition(g, m, r, ts)
	}
	t.schedule(ts.Add(t.downInterval(g)))
}

// othersSpoke reports whether a router other than r advertised after since.
func (t *Tracker) othersSpoke(g *group, r *router, since instant) bool {
	for _, o := range g.routers {
		if o != r && o.last.After(since) {
			return true
		}
	}
	return false
}

// release handles a priority-0 advert.
func (t *Tracker) release(g *group, r *router, ts instant, wasResigned bool) {
	r.resigned = true
	if wasResigned {
		return
	}
	t.raise(ruleRelease, g.exp, ts, []string{r.addr.String()},
		fmt.Sprintf("%s resigned (priority 0): a backup should take over after Skew_Time", r.addr), "",
		map[string]any{"priority": 0})
	if g.master == nil || g.master == r {
		g.master = r
		g.resignedAt, g.resignedBy = ts, r
	}
	if g.splitW == r || g.splitL == r {
		other := g.splitW
		if other == r {
			other = g.splitL
		}
		t.closeIncident(g.splitIdx-1, ts, fmt.Sprintf("%s resigned (priority 0); %s remains master", r.addr, other.addr))
		g.splitIdx, g.splitW, g.splitL = 0, nil, nil
	}
	t.schedule(ts.Add(t.downInterval(g)))
}

// transition makes next the master, raising failover when there was one.
func (t *Tracker) transition(g *group, old, next *router, ts instant) {
	defer func() {
		g.master, g.since = next, ts
		g.down, g.resignedAt, g.resignedBy = false, 0, nil
	}()
	// GARP check for a master that took over while we watched.
	if old != nil || ts.Sub(t.start) >= 3*next.interval {
		g.garpFor, g.garpDue = next, ts.Add(t.opts.GARPGrace)
		t.schedule(g.garpDue)
	}
	if old == nil {
		return
	}
	g.changes[g.nchanges%len(g.changes)] = ts
	g.nchanges++

	var msg, reason, fix string
	ev := map[string]any{"old_priority": int(old.prio), "new_priority": int(next.prio)}
	// The backup computes its timers from the master's advertised interval
	// (VRRPv3 Master_Adver_Interval; VRRPv2 intervals must match anyway).
	iv := old.interval
	switch {
	case g.resignedBy == old && !g.resignedAt.IsZero():
		reason = "release"
		gap := ts.Sub(g.resignedAt)
		allowed := timers.SkewTime(next.version, next.prio, iv)
		ev["gap_s"], ev["allowed_s"] = secs(gap), secs(allowed)
		msg = fmt.Sprintf("master %s → %s %.3f s after %s resigned (priority 0); the protocol allows Skew_Time %.3f s for priority %d",
			old.addr, next.addr, gap.Seconds(), old.addr, allowed.Seconds(), next.prio)
		msg += slower(gap, allowed)
		fix = fmt.Sprintf("a release: expected when keepalived / FRR on %s stops or is told to go backup; if it was not planned, see why the daemon on %s stopped (journalctl -u keepalived / frr)", old.addr, old.addr)
		if slower(gap, allowed) != "" {
			fix += fmt.Sprintf("; the takeover was slow: check that %s hears %s's adverts (vrrpdoctor on %s)", next.addr, old.addr, next.addr)
		}
	case old.heard(ts):
		reason = "preemption"
		ev["gap_s"] = secs(ts.Sub(old.last))
		msg = fmt.Sprintf("master %s → %s: %s (priority %d) preempted %s (priority %d)",
			old.addr, next.addr, next.addr, next.prio, old.addr, old.prio)
		fix = fmt.Sprintf("a preemption: expected when %s starts or its priority rises above %s's; if the move back is unwanted, set nopreempt (or preempt_delay) on %s", next.addr, old.addr, next.addr)
	case next.tenure.Before(old.last):
		// next was advertising all along: a split brain ends because one
		// side stopped, not by a takeover.
		reason = "split-brain-end"
		ev["gap_s"] = secs(ts.Sub(old.last))
		msg = fmt.Sprintf("master %s → %s: %s went silent while %s, which had advertised as master too (split brain) since %s, carried on; no takeover was needed",
			old.addr, next.addr, old.addr, next.addr, next.tenure.Time().Format("15:04:05.000"))
		fix = fmt.Sprintf("the end of a split brain, not a takeover: fix the split brain's cause (see its incident), then see why %s stopped advertising", old.addr)
	default:
		reason = "master-silent"
		gap := ts.Sub(old.last)
		allowed := timers.MasterDownInterval(next.version, next.prio, iv)
		ev["gap_s"], ev["allowed_s"] = secs(gap), secs(allowed)
		msg = fmt.Sprintf("master %s → %s after %.3f s of silence from %s (no priority-0 advert: it died, hung or lost its link); the protocol allows Master_Down_Interval %.3f s for priority %d",
			old.addr, next.addr, gap.Seconds(), old.addr, allowed.Seconds(), next.prio)
		msg += slower(gap, allowed)
		fix = fmt.Sprintf("%s died, hung or lost its link without resigning: check its host, its daemon (journalctl -u keepalived / frr: a crash, a track script) and its link", old.addr)
		if slower(gap, allowed) != "" {
			fix += fmt.Sprintf("; the takeover was slow: check that %s hears the group (vrrpdoctor on %s)", next.addr, next.addr)
		}
	}
	ev["reason"] = reason
	cause := ""
	if reason == "master-silent" && len(t.gaps) > 0 {
		cause = t.gapCause(g.key.link, old.last, ts)
	}
	if idx := t.raise(ruleFailover, g.exp, ts, []string{old.addr.String(), next.addr.String()}, msg, cause, ev); idx >= 0 {
		t.findings[idx].Hint = fix
	}

	if g.nchanges >= 3 {
		third := g.changes[(g.nchanges-3)%len(g.changes)]
		if ts.Sub(third) <= flapWindow {
			t.raise(ruleFlapping, g.exp, ts, nil,
				fmt.Sprintf("mastership changed 3 times in %.1f s (latest %s → %s)", ts.Sub(third).Seconds(), old.addr, next.addr), "",
				map[string]any{"changes": 3, "window_s": secs(ts.Sub(third))})
		}
	}
}

// failoverTolerance is how much slower than the protocol a takeover may be
// before the message says so: capture timestamps and timer slack.
const failoverTolerance = 50 * time.Millisecond

func slower(gap, allowed time.Duration) string {
	if gap > allowed+failoverTolerance+allowed/20 {
		return "; slower than the protocol allows (lost adverts, a loaded backup, or a backup that could not hear the master)"
	}
	return ""
}

// downInterval is the Master_Down_Interval after which the group counts as
// down: computed from the master's interval with the priority of the best
// other router heard (the expected successor), or priority 1 (the slowest
// possible backup) when none was heard — keepalived backups never advertise.
func (t *Tracker) downInterval(g *group) time.Duration {
	m := g.master
	if m == nil {
		return 0
	}
	if g.mdiFor == m && g.mdiGen == t.cfgGen {
		return g.mdi
	}
	p := uint8(1)
	for _, o := range g.routers {
		if o != m && o.prio > p && o.prio < 255 && !unrelated(o, m) {
			p = o.prio
		}
	}
	g.mdi, g.mdiFor, g.mdiGen = timers.MasterDownInterval(m.version, p, m.interval), m, t.cfgGen
	return g.mdi
}

// groupTimers fires g's due timers at now and schedules the rest.
func (t *Tracker) groupTimers(g *group, now instant) {
	if g.splitIdx != 0 {
		w, l := g.splitW, g.splitL
		if !w.alive(now) || !l.alive(now) {
			t.endSplit(g, now)
		} else {
			t.schedule(minTime(w.last.Add(w.mdi(w.prio)), l.last.Add(l.mdi(l.prio))))
		}
	}
	if m := g.master; m != nil && !g.down {
		ref := g.lastAdvert
		if g.resignedAt.After(ref) {
			ref = g.resignedAt
		}
		mdi := t.downInterval(g)
		due := ref.Add(mdi)
		if now.Before(due) {
			t.schedule(due)
		} else {
			g.down = true
			msg := fmt.Sprintf("no advert for %.3f s since %s's last one: Master_Down_Interval passed and no backup took over",
				mdi.Seconds(), m.addr)
			if g.resignedBy == m {
				msg = fmt.Sprintf("%s resigned (priority 0) and no backup took over within Master_Down_Interval %.3f s",
					m.addr, mdi.Seconds())
			}
			cause := ""
			if len(t.gaps) > 0 {
				cause = t.gapCause(g.key.link, ref, due)
			}
			idx := t.raise(ruleMasterDown, g.exp, due, []string{m.addr.String()}, msg, cause,
				map[string]any{"last_advert": ref.Time(), "master_down_interval_s": secs(mdi)})
			g.downIdx = idx + 1
			if idx >= 0 {
				fix := fmt.Sprintf("on %s check the host, the daemon (journalctl -u keepalived / frr) and the link; ", m.addr)
				if g.resignedBy == m {
					fix = fmt.Sprintf("%s stopped on purpose (priority 0); ", m.addr)
				}
				t.findings[idx].Hint = fix + fmt.Sprintf("no backup of vrid %d took over: start one, or find why it cannot hear the group (vrrpdoctor on it) or whether it has another virtual_router_id", g.exp.VRID)
			}
		}
	}
	if g.garpFor != nil {
		if now.Before(g.garpDue) {
			t.schedule(g.garpDue)
		} else {
			t.checkGARP(g, g.garpFor)
			g.garpFor = nil
		}
	}
}

func minTime(a, b instant) instant {
	if a.Before(b) {
		return a
	}
	return b
}
