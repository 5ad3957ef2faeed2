package doctor

import (
	"context"
	"fmt"
	"strings"
)

var checkFirewallInput = Check{
	ID:   "firewall-vrrp-input",
	Area: AreaFirewall,
	Doc: `Reads iptables-legacy-save/iptables-nft-save (and ip6tables), nft -j list ruleset, and
evaluates, for each VRRP interface, an advert arriving for 224.0.0.18 / ff02::12 (or from
each unicast peer): filter INPUT with its jumps, rule order and policy, and every nftables
filter base chain on the input hook. A node that cannot hear the master's adverts
becomes master too (split brain). Rules using matches the evaluator cannot decide are
listed as uncertain. Fix: the printed iptables -I / nft insert rule command (then persist
it in your firewall's configuration).`,
	Run: func(ctx context.Context, env *Env) []Result { return firewallCheck(ctx, env, In) },
}

var checkFirewallOutput = Check{
	ID:   "firewall-vrrp-output",
	Area: AreaFirewall,
	Doc: `Like firewall-vrrp-input for the output hook: the master's own adverts leaving on each
VRRP interface (to the group or to each unicast peer). A dropped advert leaves the
backups hearing nothing: they take over while this node keeps the VIPs. Fix: the
printed iptables -I OUTPUT / nft insert rule command.`,
	Run: func(ctx context.Context, env *Env) []Result { return firewallCheck(ctx, env, Out) },
}

func firewallCheck(ctx context.Context, env *Env, dir Direction) []Result {
	ifaces := env.VRRPInterfaces(ctx)
	if len(ifaces) == 0 {
		return []Result{{Status: Skip, Message: "no VRRP interface: give -i IFACE or --config"}}
	}
	rulesets, notes := env.Rulesets(ctx)
	if len(rulesets) == 0 {
		return []Result{{Status: Pass, Message: "no iptables filter table and no nftables base chain: nothing filters VRRP", Evidence: notes}}
	}
	var out []Result
	for _, iface := range ifaces {
		var passed []string
		for _, p := range env.vrrpProbes(ctx, iface, dir) {
			var decides, uncertain []string
			var drop *Verdict
			for _, rs := range rulesets {
				v, ok := rs.Evaluate(p)
				if !ok {
					continue
				}
				decides = append(decides, v.Decides())
				uncertain = append(uncertain, v.Uncertain...)
				if !v.Accepted && drop == nil {
					drop = &v
				}
			}
			switch {
			case drop != nil:
				ev := append([]string{p.String()}, decides...)
				for _, u := range uncertain {
					ev = append(ev, "uncertain: "+u)
				}
				out = append(out, Result{Status: Fail, Subject: iface,
					Message:  fmt.Sprintf("%s %s is dropped by %s", dir, p, drop.Where),
					Evidence: ev, Fix: drop.Fix})
			case len(uncertain) > 0:
				out = append(out, Result{Status: Warn, Subject: iface,
					Message:  fmt.Sprintf("%s %s is accepted, unless a rule the doctor cannot evaluate matches first", dir, p),
					Evidence: append(append([]string{p.String()}, decides...), prefixAll("uncertain: ", uncertain)...),
					Fix:      "make sure the rules marked uncertain do not match IP protocol 112, or add an explicit accept for protocol 112 before them"})
			default:
				passed = append(passed, p.String())
				if len(decides) == 0 {
					decides = []string{"no chain on this hook"}
				}
				passed = append(passed, prefixAll("  ", decides)...)
			}
		}
		if len(passed) > 0 {
			out = append(out, Result{Status: Pass, Subject: iface, Message: dir.String() + " VRRP accepted",
				Evidence: append(passed, notes...)})
		}
	}
	return out
}

func prefixAll(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + strings.TrimSpace(s)
	}
	return out
}
