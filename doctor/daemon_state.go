package doctor

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/daemons"
	"github.com/vrrpkit/vrrpkit/keepalived"
)

// daemonOptions are the daemons package's view of this Env.
func (e *Env) daemonOptions() daemons.Options {
	return daemons.Options{FS: e.FS, Run: e.Run, Signal: e.Signal, Now: e.Now, Lock: e.Lock}
}

// WatchDaemons takes the first reading of keepalived's state, before the
// --listen capture: the discard check then compares the counters read
// after it with these and fails on those that rose while vrrpdoctor
// watched. Without it the checks read once.
func (e *Env) WatchDaemons(ctx context.Context) {
	ks, err := daemons.ReadKeepalived(ctx, e.daemonOptions())
	if err == nil {
		e.kaBefore = ks
		e.kaBeforeAt = e.now()
	}
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// KeepalivedState returns every keepalived running in this network
// namespace with the state it reported (read once per Env).
func (e *Env) KeepalivedState(ctx context.Context) ([]daemons.Keepalived, error) {
	if !e.kaStateDone {
		e.kaStateDone = true
		e.kaState, e.kaStateErr = daemons.ReadKeepalived(ctx, e.daemonOptions())
		e.kaStateAt = e.now()
	}
	return e.kaState, e.kaStateErr
}

// FRRState returns FRR vrrpd's state, nil when it does not run.
func (e *Env) FRRState(ctx context.Context) (*daemons.FRR, error) {
	if !e.frrDone {
		e.frrDone = true
		e.frr, e.frrErr = daemons.ReadFRR(ctx, e.daemonOptions())
	}
	return e.frr, e.frrErr
}

// DaemonState is what the checks read from the running daemons, for
// vrrpdoctor --json: keepalived's instances with their state, priorities,
// tracking and counters (no password: the dumps' auth_data is never kept),
// the counters of the reading before --listen, and FRR's routers.
type DaemonState struct {
	Keepalived []daemons.Keepalived `json:"keepalived"`
	ReadAt     time.Time            `json:"read_at,omitzero"`
	// Before is the reading taken before the --listen capture, which the
	// discard counters are compared with.
	Before   []daemons.Keepalived `json:"keepalived_before_listen,omitempty"`
	BeforeAt time.Time            `json:"before_at,omitzero"`
	FRR      *daemons.FRR         `json:"frr,omitempty"`
}

// DaemonState returns what the checks read from the daemons; nil when no
// check read them (or there was nothing to read).
func (e *Env) DaemonState() *DaemonState {
	if len(e.kaState) == 0 && e.frr == nil {
		return nil
	}
	return &DaemonState{Keepalived: e.kaState, ReadAt: e.kaStateAt, Before: e.kaBefore, BeforeAt: e.kaBeforeAt, FRR: e.frr}
}

// kaInstance is one running instance with the keepalived it runs in.
type kaInstance struct {
	k  *daemons.Keepalived
	in *daemons.Instance
}

// kaInstancesOrSkip returns the running instances, or the results that say
// why there are none. Only daemon-keepalived-state (report) lists a
// keepalived whose state could not be read; the other checks skip it.
func kaInstancesOrSkip(ctx context.Context, env *Env, report bool) ([]kaInstance, []Result) {
	ks, err := env.KeepalivedState(ctx)
	if err != nil {
		return nil, []Result{skipped(err, "")}
	}
	if len(ks) == 0 {
		return nil, []Result{{Status: Skip, Message: "no keepalived runs in this network namespace"}}
	}
	var out []kaInstance
	var rs []Result
	for i := range ks {
		k := &ks[i]
		if len(k.Instances) == 0 {
			if !report {
				continue
			}
			r := Result{Status: Warn, Subject: fmt.Sprintf("keepalived pid %d", k.PID),
				Message:  "could not read keepalived's state",
				Evidence: sourceLines(k),
				Fix:      "run vrrpdoctor as root, so it can ask keepalived for its dumps (kill -s $(keepalived --signum=DATA) PID writes /tmp/keepalived.data in keepalived's /tmp)"}
			if !slices.ContainsFunc(k.Sources, func(s daemons.Source) bool { return s.Signaled }) {
				r.Status, r.Message, r.Fix = Skip, "no state dumps in keepalived's /tmp, and vrrpdoctor did not signal it (--no-signal)", ""
			}
			rs = append(rs, r)
			continue
		}
		for j := range k.Instances {
			out = append(out, kaInstance{k, &k.Instances[j]})
		}
	}
	if len(out) == 0 && len(rs) == 0 {
		rs = append(rs, Result{Status: Skip, Message: "keepalived's state could not be read (see daemon-keepalived-state)"})
	}
	return out, rs
}

// perKaInstance returns kaInstancesOrSkip's results followed by f's
// result for each running instance.
func perKaInstance(ctx context.Context, env *Env, report bool, f func(context.Context, *Env, kaInstance) Result) []Result {
	ins, out := kaInstancesOrSkip(ctx, env, report)
	for _, ki := range ins {
		out = append(out, f(ctx, env, ki))
	}
	return out
}

// sourceLines says what was read from keepalived and how.
func sourceLines(k *daemons.Keepalived) []string {
	head := fmt.Sprintf("keepalived pid %d", k.PID)
	if k.NetNS != "" {
		head += " (" + k.NetNS + ")"
	}
	if k.PIDFile != "" {
		head += ", pid file " + k.PIDFile
	}
	read := k.Read
	if read == "" {
		read = "nothing"
	}
	head += ", read " + read
	switch {
	case slices.ContainsFunc(k.Sources, func(s daemons.Source) bool { return s.Signaled }):
		head += " (written on vrrpdoctor's signal)"
	case k.Read != "":
		head += " (dumps already in its /tmp, not signalled)"
	}
	out := []string{head}
	for _, s := range k.Sources {
		how := "existing file (--no-signal)"
		if s.Signaled {
			how = "written on our signal"
		}
		if s.Err != "" {
			out = append(out, fmt.Sprintf("%s: %s", s.Dump, s.Err))
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s, %s at %s", s.Dump, s.Path, how, s.Written.UTC().Format(time.RFC3339)))
	}
	return out
}

// sourceLine is the first line of sourceLines.
func sourceLine(k *daemons.Keepalived) string { return sourceLines(k)[0] }

// peerPriority is what the other routers of an instance advertise: from the
// wire (--listen), else from --peer-config.
type peerPriority struct {
	from     string // "192.0.2.12 on the wire", "--peer-config /path: VI_1"
	priority int
	interval time.Duration
	addr     netip.Addr
}

// peers returns the other routers' priorities for the instance.
func (e *Env) peers(ctx context.Context, in *daemons.Instance) []peerPriority {
	var out []peerPriority
	if e.Wire != nil {
		for _, a := range e.Wire.senders(in.Interface, in.VRID) {
			if _, local := e.LocalAddr(ctx, a.Src); local {
				continue
			}
			out = append(out, peerPriority{from: a.Src.String() + " on the wire", priority: a.Priority, interval: a.Interval, addr: a.Src})
		}
		if in.VMAC != "" {
			for _, a := range e.Wire.senders(in.VMAC, in.VRID) {
				if _, local := e.LocalAddr(ctx, a.Src); !local {
					out = append(out, peerPriority{from: a.Src.String() + " on the wire", priority: a.Priority, interval: a.Interval, addr: a.Src})
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	if pc := e.peerConfig(); pc != nil {
		for _, p := range pc.Instances {
			if p.VRID != in.VRID || (in.Version != 0 && p.Version != in.Version) {
				continue
			}
			from := fmt.Sprintf("--peer-config %s: vrrp_instance %s", p.Pos, p.Name)
			if b := best(p); b != p.Priority {
				from += fmt.Sprintf(" (base %d plus its positive weights)", p.Priority)
			}
			out = append(out, peerPriority{from: from, priority: best(p), interval: p.AdvertInt})
		}
	}
	return out
}

// peerConfig is the other node's keepalived.conf (--peer-config), read as
// keepalived reads it.
func (e *Env) peerConfig() *KeepalivedConfig {
	if e.PeerConfig == "" {
		return nil
	}
	if !e.peerDone {
		e.peerDone = true
		e.peerConf, _ = keepalived.Read(e.FS, e.PeerConfig, keepalived.Options{})
	}
	return e.peerConf
}

// confInstance returns the configured instance of the name, or nil.
func (e *Env) confInstance(name string) *KeepalivedInstance {
	c, err := e.Keepalived()
	if err != nil {
		return nil
	}
	for _, in := range c.Instances {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// ifaceUp says whether keepalived, else netlink, sees the interface up
// and running; known is false when neither knows it.
func (e *Env) ifaceUp(ctx context.Context, k *daemons.Keepalived, name string) (up, known bool) {
	if l := e.Link(ctx, name); l != nil {
		return l.Has("UP") && (l.Has("LOWER_UP") || l.OperState == "UP" || l.OperState == "UNKNOWN"), true
	}
	if i := k.Interface(name); i != nil {
		return i.Up && i.Running, true
	}
	return false, false
}

// ifaceHas reports whether the address is on the interface.
func (e *Env) ifaceHas(ctx context.Context, name string, ip netip.Addr) bool {
	l := e.Link(ctx, name)
	return l != nil && slices.ContainsFunc(l.Addrs, func(a Addr) bool { return a.Prefix.Addr() == ip })
}

func joinOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}
