package daemonlog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/timers"
	"github.com/vrrpkit/vrrpkit/track"
)

// Rules are the findings Compare raises, in the tracker's shape.
var Rules = []track.Rule{
	{ID: "log-unheard-master", Severity: track.SeverityError,
		What: "a daemon's log shows its router entering MASTER while a router it should defer to (higher priority, or equal priority and higher address) had advertised on the wire within its Master_Down_Interval less one interval: the node did not hear those adverts",
		Hint: "the adverts were on the wire but did not reach the daemon: a host firewall dropping IP protocol 112 on INPUT, a security group, or multicast filtering; run vrrpdoctor on that node"},
	{ID: "log-complaint-confirmed", Severity: track.SeverityWarning,
		What: "a daemon's log complains about a field of the adverts it receives (interval, authentication, version, TTL, addresses, checksum) and the wire shows that field differing",
		Hint: "make the field the same on every router of the group; the complaining node discards those adverts"},
	{ID: "log-complaint-unseen", Severity: track.SeverityInfo,
		What: "a daemon's log complains about a field of received adverts that the capture does not show differing",
		Hint: "the adverts it objects to may not be in the capture (another link or VLAN, or before it started), or the field is not visible on the wire (a password of a router that never advertised)"},
	{ID: "log-master-silent", Severity: track.SeverityError,
		What: "a daemon's log shows MASTER but no advert from that router followed on the wire",
		Hint: "its adverts do not leave the host or do not reach the capture point: an OUTPUT firewall rule, the interface or macvlan down, or the capture is on another segment"},
	{ID: "log-transition-lag", Severity: track.SeverityInfo,
		What: "the time from a logged transition to MASTER to that router's first advert on the wire",
		Hint: "more than a few tens of milliseconds: a loaded host, or the host's clock and the capture's differ (check NTP on both)"},
}

func rule(id string) track.Rule {
	for _, r := range Rules {
		if r.ID == id {
			return r
		}
	}
	panic("daemonlog: unknown rule " + id)
}

func finding(id string, g track.GroupKey, t time.Time, routers []string, msg, cause string, ev map[string]any) track.Finding {
	r := rule(id)
	if routers == nil {
		routers = []string{}
	}
	return track.Finding{ID: id, Severity: r.Severity, Group: g, Routers: routers, First: t, Last: t, Count: 1,
		Message: msg, Cause: cause, Hint: r.Hint, Evidence: ev}
}

// Compare sets the logs (after Match) against the wire and returns its
// findings, oldest first.
func Compare(logs []*Log, w Wire) []track.Finding {
	var out []track.Finding
	merge := func(f track.Finding) {
		for i := range out {
			o := &out[i]
			if o.ID == f.ID && o.Group == f.Group && slices.Equal(o.Routers, f.Routers) && o.ID != "log-transition-lag" {
				o.Count++
				o.Last = f.First
				return
			}
		}
		out = append(out, f)
	}
	for _, l := range logs {
		for _, e := range l.Events {
			switch {
			case e.Kind == KindTransition && e.State == "MASTER":
				for _, f := range compareMaster(l, e, w) {
					merge(f)
				}
			case e.Kind == KindComplaint && e.Field != "priority":
				if f, ok := compareComplaint(l, e, w); ok {
					merge(f)
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b track.Finding) int { return a.First.Compare(b.First) })
	return out
}

// groupWith returns the groups of e that router addr is heard in.
func groupsWith(e Event, w Wire, addr string) []WireGroup {
	var out []WireGroup
	for _, g := range groupsOf(e, w) {
		if _, ok := routerIn(g, addr); ok {
			out = append(out, g)
		}
	}
	return out
}

func routerIn(g WireGroup, addr string) (WireRouter, bool) {
	for _, r := range g.Routers {
		if r.Snap.Addr == addr {
			return r, true
		}
	}
	return WireRouter{}, false
}

func (w Wire) at(t time.Time) string { return t.UTC().Format("15:04:05.000000") }

// compareMaster checks a logged transition to MASTER: who else was
// master then, and when the router's first advert came.
func compareMaster(l *Log, e Event, w Wire) []track.Finding {
	if e.Router == "" {
		return nil
	}
	var out []track.Finding
	for _, g := range groupsWith(e, w, e.Router) {
		r, _ := routerIn(g, e.Router)
		prio := r.Snap.Priority
		for _, p := range r.Periods {
			if !p.Start.Before(e.Time.Add(-time.Second)) {
				prio = p.Priority // its priority when it took over
				break
			}
		}
		for _, o := range g.Routers {
			if o.Snap.Addr == e.Router {
				continue
			}
			// Had it heard o, its Master_Down timer would not have
			// expired: o advertised within the last Master_Down_Interval
			// before the transition, less one interval (the advert it last
			// heard may be that long before), to the log's time.
			iv := o.Snap.AdverInt
			if iv <= 0 {
				iv = time.Second
			}
			mdi := timers.MasterDownInterval(decode.Version(o.Snap.Version), prio, iv)
			since := e.Time.Add(-mdi + iv)
			for _, p := range o.Periods {
				if !(p.Start.Before(e.Time) && p.End.After(since)) {
					continue
				}
				if p.Priority < prio || p.Priority == prio && o.Snap.Addr < e.Router {
					continue // it preempted a worse master: as it should
				}
				out = append(out, finding("log-unheard-master", g.Key, e.Time, []string{e.Router, o.Snap.Addr},
					fmt.Sprintf("%s (log %s) entered MASTER at %s while %s (priority %d) was advertising as master on the wire (since %s); %s (priority %d) would have stayed backup had it heard them",
						e.Router, l.Name, w.at(e.Time), o.Snap.Addr, p.Priority, w.at(p.Start), e.Router, prio),
					fmt.Sprintf("%s's adverts were on the wire but did not reach %s's daemon: it is deaf to them (firewall, security group or multicast filtering on %s's receive path)",
						o.Snap.Addr, e.Router, e.Router),
					map[string]any{"log": l.Name, "line": e.Text, "other_master": o.Snap.Addr, "other_priority": int(p.Priority)}))
			}
		}
		before, after := lagWindow(g)
		if s, ok := firstAdvertAfter(r, e.Time, g); ok {
			lag := s.Sub(e.Time)
			msg := fmt.Sprintf("%s logged MASTER at %s (log %s); its first advert on the wire came %s later", e.Router, w.at(e.Time), l.Name, lagStr(lag))
			if lag < 0 {
				msg = fmt.Sprintf("%s logged MASTER at %s (log %s); its first advert on the wire came %s before the log line (logging delay, or the host's clock is ahead of the capture's)",
					e.Router, w.at(e.Time), l.Name, lagStr(-lag))
			}
			out = append(out, finding("log-transition-lag", g.Key, e.Time, []string{e.Router}, msg, "",
				map[string]any{"log": l.Name, "lag_s": lag.Seconds(), "first_advert": s}))
			continue
		}
		inPeriod := false
		for _, p := range r.Periods {
			inPeriod = inPeriod || !p.Start.After(e.Time.Add(-before)) && p.End.After(e.Time)
		}
		if !inPeriod && !e.Time.Before(w.First) && e.Time.Add(after).Before(w.Last) {
			out = append(out, finding("log-master-silent", g.Key, e.Time, []string{e.Router},
				fmt.Sprintf("%s logged MASTER at %s (log %s) but sent no advert the capture saw within %.1f s", e.Router, w.at(e.Time), l.Name, after.Seconds()),
				"", map[string]any{"log": l.Name, "line": e.Text, "window_s": after.Seconds()}))
		}
	}
	return out
}

// compareComplaint checks a complaint against the wire: does the field it
// names differ between the complaining router and the sender?
func compareComplaint(l *Log, e Event, w Wire) (track.Finding, bool) {
	gs := groupsOf(e, w)
	if e.Peer != "" {
		var with []WireGroup
		for _, g := range gs {
			if _, ok := routerIn(g, e.Peer); ok {
				with = append(with, g)
			}
		}
		gs = with
	} else if e.Router != "" {
		if with := groupsWith(e, w, e.Router); len(with) > 0 {
			gs = with
		}
	}
	if len(gs) != 1 {
		return track.Finding{}, false // cannot tell which group it is about
	}
	g := gs[0]
	self, selfOK := routerIn(g, e.Router)
	var diffs []string
	var senders []string
	for _, o := range g.Routers {
		if o.Snap.Addr == e.Router || e.Peer != "" && o.Snap.Addr != e.Peer {
			continue
		}
		if d, ok := differs(e, self, selfOK, o); ok {
			diffs = append(diffs, d)
			senders = append(senders, o.Snap.Addr)
		}
	}
	who := e.Router
	if who == "" {
		who = "the router of log " + l.Name
	}
	routers := append([]string{}, senders...)
	if e.Router != "" {
		routers = append([]string{e.Router}, senders...)
	}
	if len(diffs) > 0 {
		return finding("log-complaint-confirmed", g.Key, e.Time, routers,
			fmt.Sprintf("%s complains %q (log %s); on the wire %s", who, e.Text, l.Name, strings.Join(diffs, "; ")),
			fmt.Sprintf("%s discards the adverts of %s because their %s differs", who, strings.Join(senders, ", "), e.Field),
			map[string]any{"log": l.Name, "field": e.Field, "line": e.Text}), true
	}
	return finding("log-complaint-unseen", g.Key, e.Time, routers,
		fmt.Sprintf("%s complains %q (log %s), but the capture shows no advert of %s whose %s differs", who, e.Text, l.Name, g.Key, e.Field),
		"", map[string]any{"log": l.Name, "field": e.Field, "line": e.Text}), true
}

// differs says how o's adverts differ from the complaining router's in the
// complaint's field: from self's adverts when it advertised, else from
// the value the log line gives as its own.
func differs(e Event, self WireRouter, selfOK bool, o WireRouter) (string, bool) {
	s := o.Snap
	switch e.Field {
	case "adver_int":
		theirs := s.AdverInt
		mine := time.Duration(0)
		if selfOK {
			mine = self.Snap.AdverInt
		} else if n, err := strconv.Atoi(e.Mine); err == nil {
			mine = time.Duration(n) * time.Second
		}
		if mine != 0 && theirs != mine {
			return fmt.Sprintf("%s advertises an interval of %s, %s %s", s.Addr, theirs, e.Router, mine), true
		}
	case "version":
		mine := 0
		if selfOK {
			mine = self.Snap.Version
		} else {
			mine, _ = strconv.Atoi(e.Mine)
		}
		if mine != 0 && s.Version != mine {
			return fmt.Sprintf("%s speaks VRRPv%d, the complaining router v%d", s.Addr, s.Version, mine), true
		}
	case "ttl":
		if s.TTL != 255 && !s.Unicast {
			return fmt.Sprintf("%s's adverts arrive with TTL %d", s.Addr, s.TTL), true
		}
	case "auth_type":
		if selfOK && self.Snap.AuthType != s.AuthType {
			return fmt.Sprintf("%s uses auth %s, %s %s", s.Addr, s.AuthType, self.Snap.Addr, self.Snap.AuthType), true
		}
		if !selfOK && e.Mine != "" && authNumber(s.AuthType) != e.Mine {
			return fmt.Sprintf("%s uses auth %s (type %s), the complaining router type %s", s.Addr, s.AuthType, authNumber(s.AuthType), e.Mine), true
		}
	case "auth_data":
		if selfOK && self.Snap.AuthFingerprint != s.AuthFingerprint {
			return fmt.Sprintf("%s's password fingerprint is %s, %s's %s", s.Addr, s.AuthFingerprint, self.Snap.Addr, self.Snap.AuthFingerprint), true
		}
	case "vips":
		if selfOK && !slices.Equal(sorted(self.Snap.VIPs), sorted(s.VIPs)) {
			return fmt.Sprintf("%s advertises %s, %s %s", s.Addr, strings.Join(s.VIPs, " "), self.Snap.Addr, strings.Join(self.Snap.VIPs, " ")), true
		}
		if !selfOK && e.Mine != "" && strconv.Itoa(len(s.VIPs)) != e.Mine {
			return fmt.Sprintf("%s advertises %d addresses (%s), the complaining router expects %s", s.Addr, len(s.VIPs), strings.Join(s.VIPs, " "), e.Mine), true
		}
	case "checksum":
		if slices.Contains(s.Problems, "bad-checksum") || selfOK && self.Snap.Checksum != s.Checksum {
			return fmt.Sprintf("%s's checksum is %s", s.Addr, s.Checksum), true
		}
	case "unicast":
		if (e.Theirs == "unicast") == s.Unicast {
			return fmt.Sprintf("%s sends to %s", s.Addr, s.Dst), true
		}
	}
	return "", false
}

func authNumber(t string) string {
	switch t {
	case "none":
		return "0"
	case "simple":
		return "1"
	case "ah":
		return "2"
	}
	return t
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func lagStr(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
}
