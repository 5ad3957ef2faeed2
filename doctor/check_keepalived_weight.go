package doctor

import (
	"context"
	"fmt"
)

var checkKeepalivedTrackWeight = Check{
	ID:        "keepalived-track-weight",
	Area:      AreaKeepalived,
	Offline:   true,
	CrossNode: true,
	Doc: `Reads the priorities and the weights of track_script and track_interface of the
instances that share a VRID across the nodes given (--config h1=FILE --config h2=FILE).
A failing check lowers the master's priority by its weight (a negative weight while it
fails, a positive one no longer added); if the backup's priority is still not above it,
the VIP never moves: the check watches a service but cannot fail it over (priorities
150 and 100 with weight 2 is the classic case). A weight of 0 puts the instance in
FAULT instead and always moves it. Fix: a weight larger than the priority difference
(weight -60 with priorities 150/100), or no weight at all.`,
	Run: func(_ context.Context, env *Env) []Result {
		return perVRIDGroup(env, weightsOf, func(int) string { return "every weighted track can move the VIP (or there is none)" })
	},
}

// tracker is one weighted track of an instance.
type tracker struct {
	kind, name string
	weight     int
	pos        Pos
}

func trackers(in *KeepalivedInstance) []tracker {
	var ts []tracker
	for _, t := range in.TrackScripts {
		ts = append(ts, tracker{"track_script", t.Name, t.Weight, t.Pos})
	}
	for _, t := range in.TrackInterfaces {
		ts = append(ts, tracker{"track_interface", t.Name, t.Weight, t.Pos})
	}
	return ts
}

// best is the priority with every track healthy (positive weights added).
func best(in *KeepalivedInstance) int {
	p := in.Priority
	if p == 255 {
		return p // the address owner's priority does not move
	}
	for _, t := range trackers(in) {
		if t.weight > 0 {
			p += t.weight
		}
	}
	return min(p, 254)
}

func weightsOf(g vridGroup) []Result {
	if len(g.members) < 2 {
		return nil
	}
	// The node that is master while everything is healthy.
	top := g.members[0]
	for _, m := range g.members[1:] {
		if best(m.in) > best(top.in) {
			top = m
		}
	}
	var out []Result
	for _, t := range trackers(top.in) {
		if t.weight == 0 {
			continue // FAULT: the VIP moves
		}
		abs := t.weight
		if abs < 0 {
			abs = -abs
		}
		fail := best(top.in) - abs
		if top.in.Priority == 255 {
			fail = 255
		}
		var ev []string
		moves := false
		for _, m := range g.members {
			if m.node == top.node {
				continue
			}
			ev = append(ev, fmt.Sprintf("%s: %s: vrrp_instance %s priority %d, %d with its tracks healthy", m.node, m.in.At("priority"), m.in.Name, m.in.Priority, best(m.in)))
			moves = moves || best(m.in) > fail
		}
		if moves {
			continue
		}
		ev = append([]string{
			fmt.Sprintf("%s: %s: %s %s weight %d", top.node, t.pos, t.kind, t.name, t.weight),
			fmt.Sprintf("%s: %s: vrrp_instance %s priority %d, %d with its tracks healthy, %d when %s fails", top.node, top.in.At("priority"), top.in.Name, top.in.Priority, best(top.in), fail, t.name),
		}, ev...)
		out = append(out, Result{Status: Warn, Subject: g.subject(),
			Message: fmt.Sprintf("%s %s (weight %d) can never move the VIP: %s stays master at %d when it fails",
				t.kind, t.name, t.weight, top.node, fail),
			Evidence: ev,
			Fix: fmt.Sprintf("give %s a weight beyond the priority difference (weight -%d), or weight 0 to fail over on any failure",
				t.name, best(top.in)-lowestOther(g, top)+1)})
	}
	return out
}

func lowestOther(g vridGroup, top member) int {
	hi := 0
	for _, m := range g.members {
		if m.node != top.node && best(m.in) > hi {
			hi = best(m.in)
		}
	}
	return hi
}
