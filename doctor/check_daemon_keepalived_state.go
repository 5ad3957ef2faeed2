package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/vrrpkit/vrrpkit/daemons"
)

var checkDaemonKeepalivedState = Check{
	ID:   "daemon-keepalived-state",
	Area: AreaDaemon,
	Doc: `Asks the running keepalived for its state (keepalived --signum=JSON, DATA and STATS,
read from /proc/PID/root/tmp, so PrivateTmp does not hide them; --no-signal reads the
dumps already there) and reports each instance's state, base and effective priority.
A node in FAULT sends nothing; keepalived does not say why, so the check names the
cause from what the instance tracks: a tracked interface or the instance's own
interface down, a track script or track file with weight 0 failing, unicast_src_ip not
on the interface. A BACKUP whose base priority beats the master on the wire but whose
tracked objects pulled its effective priority below is named too. Fix: the printed
command for the cause (ip link set IFACE up, the failing script run by hand, the
address to add or the unicast_src_ip to correct).`,
	Run: func(ctx context.Context, env *Env) []Result {
		return perKaInstance(ctx, env, true, instanceState)
	},
}

func instanceState(ctx context.Context, env *Env, ki kaInstance) Result {
	in, k := ki.in, ki.k
	ev := []string{sourceLine(k),
		fmt.Sprintf("%s on %s VRID %d VRRPv%d: state %s (wants %s), priority %d, effective %d", in.Name, in.Interface, in.VRID, in.Version, in.State, in.WantState, in.Priority, in.Effective)}
	if !in.LastChange.IsZero() {
		ev = append(ev, "last transition "+in.LastChange.Format("2006-01-02T15:04:05Z"))
	}
	r := Result{Subject: in.Name, Evidence: ev}
	switch in.State {
	case "MASTER":
		r.Status, r.Message = Pass, fmt.Sprintf("MASTER, priority %d", in.Effective)
	case "FAULT":
		causes, fixes := faultCauses(ctx, env, k, in)
		r.Status = Fail
		if len(causes) == 0 {
			r.Message = "FAULT, and keepalived's state names no failing tracked object"
			r.Fix = "journalctl -u keepalived | grep '(" + in.Name + ")'   (keepalived logs why it entered FAULT)"
		} else {
			r.Message = "FAULT: " + strings.Join(causes, "; ")
			r.Fix = strings.Join(fixes, "\n")
		}
		r.Evidence = append(r.Evidence, "a FAULT instance sends no adverts and holds no VIP")
	case "BACKUP":
		r.Status, r.Message = Pass, fmt.Sprintf("BACKUP, priority %d", in.Effective)
		peers := env.peers(ctx, in)
		for _, p := range peers {
			r.Evidence = append(r.Evidence, fmt.Sprintf("%s: priority %d", p.from, p.priority))
		}
		for _, p := range peers {
			switch {
			case in.Priority > p.priority && in.Effective < p.priority:
				lost := failingTracks(ctx, env, k, in)
				r.Status = Warn
				r.Message = fmt.Sprintf("BACKUP because its tracked objects pulled its priority from %d to %d, below %d (%s)", in.Priority, in.Effective, p.priority, p.from)
				if len(lost) > 0 {
					r.Message += ": " + strings.Join(lost, "; ")
				}
				r.Fix = "repair what fails (" + joinOr(lost, "see the tracked objects above") + "); this node then takes the VIP back"
			case in.Effective > p.priority && !in.Nopreempt && strings.HasSuffix(p.from, "on the wire"):
				r.Status = Warn
				r.Message = fmt.Sprintf("BACKUP although its priority %d beats the master's %d (%s)", in.Effective, p.priority, p.from)
				r.Fix = "check preempt_delay of " + in.Name + " and daemon-keepalived-discards (keepalived may discard this master's adverts)"
			case in.Effective > p.priority && in.Nopreempt:
				r.Message += fmt.Sprintf(" (nopreempt: stays backup under %s at %d)", p.from, p.priority)
			}
		}
	default:
		r.Status, r.Message = Warn, in.State+": the instance is not running VRRP"
		r.Fix = "journalctl -u keepalived | grep '(" + in.Name + ")'"
	}
	return r
}

// faultCauses names what keeps an instance in FAULT, with a fix for each.
func faultCauses(ctx context.Context, env *Env, k *daemons.Keepalived, in *daemons.Instance) (causes, fixes []string) {
	if up, known := env.ifaceUp(ctx, k, in.Interface); known && !up {
		causes = append(causes, "its interface "+in.Interface+" is down")
		fixes = append(fixes, "ip link set "+in.Interface+" up   (and check its cable/carrier: ip -br link show dev "+in.Interface+")")
	}
	for _, t := range in.TrackIfaces {
		if up, known := env.ifaceUp(ctx, k, t.Name); known && up == t.Reverse && t.Weight == 0 {
			causes = append(causes, fmt.Sprintf("tracked interface %s is down (track_interface without weight: down means FAULT)", t.Name))
			fixes = append(fixes, "ip link set "+t.Name+" up   (or give it a weight in track_interface so it lowers the priority instead)")
		} else if !known && t.Weight == 0 {
			causes = append(causes, "tracked interface "+t.Name+" does not exist")
			fixes = append(fixes, "create "+t.Name+" or remove it from track_interface of "+in.Name)
		}
	}
	for _, t := range in.TrackScripts {
		s := k.Script(t.Name)
		if s != nil && (s.Status == "BAD") != t.Reverse && t.Weight == 0 {
			causes = append(causes, fmt.Sprintf("track script %s fails (%s exits non-zero; weight 0 means FAULT)", t.Name, s.Command))
			fixes = append(fixes, fmt.Sprintf("run %s by hand as keepalived does and fix what it checks; or give vrrp_script %s a weight", s.Command, t.Name))
		}
	}
	for _, t := range in.TrackFiles {
		if f := k.TrackFile(t.Name); f != nil && t.Weight == 0 && f.Value != 0 {
			causes = append(causes, fmt.Sprintf("track file %s (%s) holds %d (weight 0: non-zero means FAULT)", t.Name, f.Path, f.Value))
			fixes = append(fixes, "echo 0 > "+f.Path+"   (after fixing what wrote it)")
		}
	}
	if in.SrcConfigured && in.SrcIP.IsValid() && env.Link(ctx, in.Interface) != nil && !env.ifaceHas(ctx, in.Interface, in.SrcIP) {
		causes = append(causes, fmt.Sprintf("unicast_src_ip %s is not an address of %s", in.SrcIP, in.Interface))
		fixes = append(fixes, fmt.Sprintf("set unicast_src_ip of %s to this node's address on %s (ip -br addr show dev %s), or add %s to it", in.Name, in.Interface, in.Interface, in.SrcIP))
	}
	if l := env.Link(ctx, in.Interface); l != nil && in.Version == 3 {
		for _, a := range l.Addrs {
			if a.Prefix.Addr().IsLinkLocalUnicast() && (a.Tentative || a.DADFailed) {
				causes = append(causes, fmt.Sprintf("the link-local address %s of %s is still tentative or failed DAD", a.Prefix.Addr(), in.Interface))
				fixes = append(fixes, "wait for DAD, or fix the duplicate link-local address on "+in.Interface)
			}
		}
	}
	return causes, fixes
}

// failingTracks lists the tracked objects whose weight now lowers the
// instance's priority.
func failingTracks(ctx context.Context, env *Env, k *daemons.Keepalived, in *daemons.Instance) []string {
	var out []string
	for _, t := range trackTable(ctx, env, k, in) {
		if t.failing && t.now < 0 {
			out = append(out, fmt.Sprintf("%s %s fails (%+d)", t.kind, t.name, t.now))
		} else if !t.failing && t.now < 0 {
			out = append(out, fmt.Sprintf("%s %s (%+d)", t.kind, t.name, t.now))
		}
	}
	return out
}
