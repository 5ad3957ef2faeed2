package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/vrrpkit/vrrpkit/daemons"
)

var checkDaemonKeepalivedDiscards = Check{
	ID:   "daemon-keepalived-discards",
	Area: AreaDaemon,
	Doc: `Reads keepalived's receive error counters per instance (JSON or STATS dump):
advertisement interval mismatch, authentication type mismatch, authentication failure,
invalid authentication type, address list mismatch, TTL, packet length and invalid type.
Each is an advert that arrived and was thrown away: "both MASTER" while the adverts
do reach the node. With --listen the counters are read before and after the capture
and a counter that rises while vrrpdoctor watches fails, naming the sender from the
wire and both values where the wire shows them (interval); without --listen a non-zero
counter is a warning (it counts since keepalived started). keepalived 2.2 counts no
checksum errors: an advert with the other checksum flavour is dropped uncounted, and
the wire's undecodable adverts are named instead. Fix: make advert_int,
authentication, virtual_ipaddress and the VRRP version equal on every node.`,
	Run: func(ctx context.Context, env *Env) []Result {
		return perKaInstance(ctx, env, false, discards)
	},
}

// beforeStats returns the instance's counters from WatchDaemons' reading.
func (e *Env) beforeStats(pid int, name string) *daemons.Stats {
	for i := range e.kaBefore {
		if e.kaBefore[i].PID != pid {
			continue
		}
		if in := e.kaBefore[i].Instance(name); in != nil {
			return in.Stats
		}
	}
	return nil
}

func discards(ctx context.Context, env *Env, ki kaInstance) Result {
	in, k := ki.in, ki.k
	r := Result{Subject: in.Name, Status: Pass, Evidence: []string{sourceLine(k)}}
	if in.Stats == nil {
		r.Status, r.Message = Skip, "keepalived's statistics could not be read"
		r.Evidence = sourceLines(k)
		return r
	}
	before := env.beforeStats(k.PID, in.Name)
	watched := ""
	if before != nil {
		watched = env.kaStateAt.Sub(env.kaBeforeAt).Round(100_000_000).String()
	}
	r.Evidence = append(r.Evidence, fmt.Sprintf("adverts received %d, sent %d", in.Stats.AdvertRcvd, in.Stats.AdvertSent))
	var rising, standing []string
	var fixes []string
	var prev []daemons.Discard
	if before != nil {
		prev = before.Discards()
	}
	for i, d := range in.Stats.Discards() {
		if d.Count == 0 {
			continue
		}
		line := fmt.Sprintf("%s: %d (%s)", d.Field, d.Count, d.Reason)
		delta := uint64(0)
		if prev != nil && d.Count > prev[i].Count {
			delta = d.Count - prev[i].Count
			line += fmt.Sprintf(", +%d in %s", delta, watched)
		}
		r.Evidence = append(r.Evidence, line)
		what := d.Reason + discardDetail(ctx, env, in, d.Field)
		if delta > 0 {
			rising = append(rising, fmt.Sprintf("%s%s: %s", plural(int(delta), "advert"), fromPeers(ctx, env, in), what))
		} else {
			standing = append(standing, fmt.Sprintf("%s: %s", plural(int(d.Count), "advert"), what))
		}
		fixes = append(fixes, discardFix(in, d.Field))
	}
	// keepalived 2.2 drops a VRRPv2 advert whose interval differs from its
	// own without counting it (vrrp.c: "advertisement interval mismatch",
	// VRRP_PACKET_DROP): the wire shows the peer's interval instead.
	if in.Version == 2 {
		for _, p := range env.peers(ctx, in) {
			if p.addr.IsValid() && p.interval != 0 && p.interval != in.AdvertInt {
				rising = append(rising, fmt.Sprintf("the adverts of %s: advertisement interval mismatch (ours %s, theirs %s)", p.addr, in.AdvertInt, p.interval))
				r.Evidence = append(r.Evidence, fmt.Sprintf("%s advertises VRID %d every %s; keepalived 2.2 drops VRRPv2 adverts with another interval without counting them (advert_interval_err stays %d; its log says \"advertisement interval mismatch\")", p.from, in.VRID, p.interval, in.Stats.AdvertIntervalErr))
				fixes = append(fixes, discardFix(in, "advert_interval_err"))
			}
		}
	}
	if env.Wire != nil {
		for _, a := range env.Wire.Adverts {
			if a.Iface == in.Interface && a.Malformed > 0 {
				r.Evidence = append(r.Evidence, fmt.Sprintf("the wire: %d adverts from %s did not decode (bad checksum, length or version), which keepalived drops uncounted", a.Malformed, a.Src))
			}
		}
	}
	switch {
	case len(rising) > 0:
		r.Status = Fail
		r.Message = fmt.Sprintf("keepalived on this node discarded %s while vrrpdoctor watched", strings.Join(rising, "; "))
		if watched == "" {
			r.Message = "keepalived on this node discards " + strings.Join(rising, "; ")
		}
		r.Fix = strings.Join(fixes, "\n")
	case len(standing) > 0 && before == nil:
		r.Status = Warn
		r.Message = "keepalived discarded " + strings.Join(standing, "; ") + " since it started (run with --listen DURATION to see whether it still rises)"
		r.Fix = strings.Join(fixes, "\n")
	case len(standing) > 0:
		r.Message = fmt.Sprintf("no discards while vrrpdoctor watched (%s); earlier: %s", watched, strings.Join(standing, "; "))
	default:
		r.Message = "keepalived discarded no adverts"
	}
	return r
}

// fromPeers names the other senders of the VRID on the wire: " from
// 192.0.2.12".
func fromPeers(ctx context.Context, env *Env, in *daemons.Instance) string {
	var from []string
	for _, p := range env.peers(ctx, in) {
		if p.addr.IsValid() {
			from = append(from, p.addr.String())
		}
	}
	if len(from) == 0 && len(in.Peers) > 0 {
		for _, p := range in.Peers {
			from = append(from, p.String())
		}
		return " from " + strings.Join(from, " or ") + " (its unicast peers)"
	}
	if len(from) == 0 {
		return ""
	}
	return " from " + strings.Join(from, ", ")
}

// discardDetail adds both values where the wire shows the peer's.
func discardDetail(ctx context.Context, env *Env, in *daemons.Instance, field string) string {
	if field != "advert_interval_err" {
		return ""
	}
	var theirs []string
	for _, p := range env.peers(ctx, in) {
		if p.interval != 0 && p.interval != in.AdvertInt {
			theirs = append(theirs, p.interval.String())
		}
	}
	if len(theirs) == 0 {
		return fmt.Sprintf(" (ours %s)", in.AdvertInt)
	}
	return fmt.Sprintf(" (ours %s, theirs %s)", in.AdvertInt, strings.Join(theirs, ", "))
}

func discardFix(in *daemons.Instance, field string) string {
	switch field {
	case "advert_interval_err":
		return fmt.Sprintf("set the same advert_int in vrrp_instance %s on every node (ours: %g)", in.Name, in.AdvertInt.Seconds())
	case "authtype_mismatch", "invalid_authtype":
		return fmt.Sprintf("use the same authentication { auth_type } in vrrp_instance %s on every node (ours: %s)", in.Name, in.AuthType)
	case "auth_failure":
		return fmt.Sprintf("set the same auth_pass in vrrp_instance %s on every node (only its first 8 characters count)", in.Name)
	case "addr_list_err":
		return fmt.Sprintf("list the same virtual_ipaddress in vrrp_instance %s on every node", in.Name)
	case "ip_ttl_err":
		return "something between the nodes routes the adverts (TTL/hop limit below 255): keep the nodes on one L2 segment, or use unicast_peer with unicast_ttl"
	}
	return fmt.Sprintf("make vrrp_version and the VRRP settings of %s equal on every node; capture with vrrpdump to see the malformed adverts", in.Name)
}
