package report

import (
	"time"

	"github.com/vrrpkit/vrrpkit/daemonlog"
	"github.com/vrrpkit/vrrpkit/track"
)

// Wire returns what the recorder saw of each group, with the tracker's
// final snapshots (Tracker.Overview), as daemonlog.Match and Compare take
// it: per router its stretches as master and its priority-0 adverts.
func (r *Recorder) Wire(groups []track.GroupSnapshot) daemonlog.Wire {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := daemonlog.Wire{First: r.first, Last: r.last}
	for _, s := range groups {
		wg := daemonlog.WireGroup{Key: s.Key}
		for _, rs := range s.Routers {
			for _, v := range rs.VIPs {
				if !contains(wg.VIPs, v) {
					wg.VIPs = append(wg.VIPs, v)
				}
			}
		}
		var g *group
		for _, o := range r.list {
			if o.key == s.Key {
				g = o
				break
			}
		}
		for _, rs := range s.Routers {
			wr := daemonlog.WireRouter{Snap: rs}
			if g != nil {
				for _, rt := range g.routers {
					if rt.addr.String() != rs.Addr {
						continue
					}
					for _, p := range rt.periods() {
						wr.Periods = append(wr.Periods, daemonlog.Period{Start: time.Unix(0, p.start).UTC(),
							End: time.Unix(0, p.end).UTC(), Priority: p.runs[0].prio})
					}
					for _, t := range rt.releases {
						wr.Releases = append(wr.Releases, time.Unix(0, t).UTC())
					}
				}
			}
			wg.Routers = append(wg.Routers, wr)
		}
		w.Groups = append(w.Groups, wg)
	}
	return w
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
