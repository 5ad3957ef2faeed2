package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/vrrpkit/vrrpkit/daemons"
)

var checkDaemonKeepalivedPriority = Check{
	ID:   "daemon-keepalived-priority",
	Area: AreaDaemon,
	Doc: `Reads from keepalived's state (see daemon-keepalived-state) each instance's base
priority, effective priority and what it tracks (track_script, track_interface,
track_file) with its weight, and explains the effective priority as base plus the
weights that apply now. Then, for each tracked object, a what-if: the priority if it
fails, against the peers' priorities (what they advertise on the wire with --listen,
else their base priority from --peer-config FILE). The classic mistake is a health
check with weight 2 on a master at 150 over a backup at 100: when the service dies the
priority falls to 150 and the VIP never moves. A weight that cannot bring the master
below the peer is a warning, naming the weight it would need. Fix: give the check a
weight larger than the gap between the priorities (or weight 0, so a failure means
FAULT), on every node.`,
	Run: func(ctx context.Context, env *Env) []Result {
		return perKaInstance(ctx, env, false, priorityWhatIf)
	},
}

// tracked is one row of an instance's what-if table.
type tracked struct {
	kind, name string
	weight     int
	known      bool // keepalived reports the object's state
	failing    bool
	now        int // what it adds to the priority now
	ifFails    int // what it would add if it failed (or while it fails)
	file       bool
}

// contribution is what a tracked object with weight w adds when failing
// or not: a positive weight applies while it is up, a negative one while it
// fails; "reverse" swaps the two.
func contribution(w int, reverse, failing bool) int {
	if reverse {
		failing = !failing
	}
	switch {
	case w > 0 && !failing:
		return w
	case w < 0 && failing:
		return w
	}
	return 0
}

func trackTable(ctx context.Context, env *Env, k *daemons.Keepalived, in *daemons.Instance) []tracked {
	var out []tracked
	for _, t := range in.TrackScripts {
		row := tracked{kind: "track_script", name: t.Name, weight: t.Weight}
		if s := k.Script(t.Name); s != nil {
			row.known, row.failing = true, s.Status == "BAD"
		}
		row.now = contribution(t.Weight, t.Reverse, row.failing)
		row.ifFails = contribution(t.Weight, t.Reverse, true)
		out = append(out, row)
	}
	for _, t := range in.TrackIfaces {
		row := tracked{kind: "track_interface", name: t.Name, weight: t.Weight}
		if up, known := env.ifaceUp(ctx, k, t.Name); known {
			row.known, row.failing = true, !up
		}
		row.now = contribution(t.Weight, t.Reverse, row.failing)
		row.ifFails = contribution(t.Weight, t.Reverse, true)
		out = append(out, row)
	}
	for _, t := range in.TrackFiles {
		row := tracked{kind: "track_file", name: t.Name, weight: t.Weight, file: true}
		if f := k.TrackFile(t.Name); f != nil {
			row.known = true
			row.now = f.Value * t.Weight
			row.failing = t.Weight == 0 && f.Value != 0
		}
		row.ifFails = row.now
		out = append(out, row)
	}
	return out
}

func priorityWhatIf(ctx context.Context, env *Env, ki kaInstance) Result {
	in, k := ki.in, ki.k
	rows := trackTable(ctx, env, k, in)
	sum := fmt.Sprintf("effective priority %d = base %d", in.Effective, in.Priority)
	total := in.Priority
	for _, t := range rows {
		if t.now != 0 {
			sum += fmt.Sprintf(" %+d (%s %s)", t.now, t.kind, t.name)
			total += t.now
		}
	}
	ev := []string{sourceLine(k), sum}
	if total != in.Effective && in.Priority < 255 {
		ev = append(ev, fmt.Sprintf("keepalived reports %d where base and weights give %d (a tracked object changed while it was read, or priority is clamped to 1..254)", in.Effective, total))
	}
	r := Result{Subject: in.Name, Status: Pass, Evidence: ev}
	peers := env.peers(ctx, in)
	best := -1
	var bestFrom string
	for _, p := range peers {
		ev = append(ev, fmt.Sprintf("peer %s: priority %d", p.from, p.priority))
		if p.priority > best {
			best, bestFrom = p.priority, p.from
		}
	}
	r.Evidence = ev
	if len(rows) == 0 {
		r.Message = fmt.Sprintf("priority %d, nothing tracked", in.Effective)
		return r
	}
	if in.State == "FAULT" {
		r.Message = fmt.Sprintf("in FAULT (see daemon-keepalived-state); priority %d when it recovers", in.Effective)
		for _, t := range rows {
			r.Evidence = append(r.Evidence, whatIfLine(in, t, -1, ""))
		}
		return r
	}
	if best < 0 {
		r.Message = fmt.Sprintf("priority %d; no peer priority known (run with --listen DURATION or --peer-config FILE for the what-if table)", in.Effective)
		for _, t := range rows {
			r.Evidence = append(r.Evidence, whatIfLine(in, t, -1, ""))
		}
		return r
	}
	var never []string
	for _, t := range rows {
		line := whatIfLine(in, t, best, bestFrom)
		r.Evidence = append(r.Evidence, line)
		if in.Effective > best && !t.failing && t.weight != 0 && !t.file && in.Effective-t.now+t.ifFails >= best {
			never = append(never, line)
		}
	}
	switch {
	case len(never) > 0:
		r.Status = Warn
		r.Message = never[0]
		if len(never) > 1 {
			r.Message += fmt.Sprintf(" (and %d more)", len(never)-1)
		}
		r.Fix = fmt.Sprintf("give the tracked object a weight of magnitude above %d in %s on every node (vrrp_script ... { weight -%d }), or weight 0 so its failure means FAULT", in.Effective-best, in.Name, in.Effective-best+1)
	case in.Effective > best:
		r.Message = fmt.Sprintf("priority %d over %d (%s): every tracked object can move the VIP", in.Effective, best, bestFrom)
	default:
		r.Message = fmt.Sprintf("priority %d, not above %d (%s)", in.Effective, best, bestFrom)
	}
	return r
}

// whatIfLine is one row of the table: "if chk_haproxy fails: 152 → 150;
// the peer advertises 100: this check can never move the VIP (weight must
// exceed 52)".
func whatIfLine(in *daemons.Instance, t tracked, peer int, from string) string {
	name := t.kind + " " + t.name
	if t.file {
		return fmt.Sprintf("%s adds %+d now (weight %d × the file's value)", name, t.now, t.weight)
	}
	if t.failing {
		if t.weight == 0 {
			return fmt.Sprintf("%s fails now: weight 0, the instance is in FAULT", name)
		}
		return fmt.Sprintf("%s fails now (%+d): priority %d; when it recovers %d", name, t.now, in.Effective, in.Effective-t.now+contribution(t.weight, false, false))
	}
	if t.weight == 0 {
		return fmt.Sprintf("if %s fails: FAULT (weight 0): the instance gives up the VIP", name)
	}
	after := in.Effective - t.now + t.ifFails
	head := fmt.Sprintf("if %s fails: %d → %d", name, in.Effective, after)
	if !t.known {
		head += " (keepalived reports no state for it)"
	}
	if peer < 0 {
		return head
	}
	who := "the peer advertises " + fmt.Sprint(peer)
	if !strings.HasSuffix(from, "on the wire") {
		who = fmt.Sprintf("the peer's configuration gives %d", peer)
	}
	switch {
	case in.Effective <= peer:
		return fmt.Sprintf("%s; %s: already not above it", head, who)
	case after < peer:
		return fmt.Sprintf("%s; %s: the VIP moves to the peer", head, who)
	case after == peer:
		return fmt.Sprintf("%s; %s: a tie, the higher IP address wins (weight must exceed %d to move the VIP for sure)", head, who, in.Effective-peer)
	}
	return fmt.Sprintf("%s; %s: this check can never move the VIP (weight must exceed %d)", head, who, in.Effective-peer)
}
