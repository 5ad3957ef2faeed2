package doctor

import (
	"context"
	"fmt"
	"strings"
)

var checkDaemonRunning = Check{
	ID:   "daemon-vrrp-running",
	Area: AreaDaemon,
	Doc: `Reads /proc for keepalived and FRR vrrpd processes in this network namespace and asks
each for its version (keepalived --version, /usr/lib/frr/vrrpd --version). It names
what that version cannot do: keepalived before 2.2.8 and FRR before 8.5 always compute
the VRRPv3 IPv4 checksum over the pseudo-header, so they cannot interoperate with a
peer that checksums the message only, and cannot be told to. A configuration with no
daemon running is a warning. Fix: start the daemon, or upgrade it when a peer needs the
other checksum flavour.`,
	Run: func(ctx context.Context, env *Env) []Result {
		ds := env.Daemons(ctx)
		c, _ := env.Keepalived()
		if len(ds) == 0 {
			if c != nil && len(c.Instances) > 0 {
				return []Result{{Status: Warn, Message: fmt.Sprintf("%s configures %s but keepalived is not running", c.Files[0], plural(len(c.Instances), "instance")),
					Evidence: []string{"no keepalived or vrrpd in /proc"},
					Fix:      "systemctl start keepalived   (then: journalctl -u keepalived for why it stopped)"}}
			}
			return []Result{{Status: Skip, Message: "no keepalived or FRR vrrpd runs in this network namespace"}}
		}
		var out []Result
		for _, d := range ds {
			ev := []string{fmt.Sprintf("%s pid %d", d.Kind, d.PID)}
			v := d.Version
			if v == "" {
				out = append(out, Result{Status: Warn, Subject: d.Kind, Message: "running, version unknown", Evidence: ev})
				continue
			}
			ev = append(ev, "version "+v)
			var limits []string
			if d.Kind == "keepalived" && versionLess(v, "2.2.8") || d.Kind == "frr" && versionLess(v, "8.5") {
				limits = append(limits, "cannot switch the VRRPv3 IPv4 checksum flavour: no interoperation with a peer that checksums the message only (no pseudo-header)")
			}
			if len(limits) == 0 {
				out = append(out, Result{Status: Pass, Subject: d.Kind, Message: d.Kind + " " + v + " running", Evidence: ev})
				continue
			}
			st := Pass
			if d.Kind == "keepalived" && c != nil {
				for _, in := range c.Instances {
					if in.Version == 3 && in.Family == 4 {
						st = Warn
						ev = append(ev, fmt.Sprintf("%s: vrrp_instance %s is VRRPv3 over IPv4", in.Pos, in.Name))
						break
					}
				}
			}
			r := Result{Status: st, Subject: d.Kind, Message: d.Kind + " " + v + " running; " + strings.Join(limits, "; "), Evidence: ev}
			if st == Pass {
				// The limits do not bite this configuration: say so in evidence only.
				r.Message = d.Kind + " " + v + " running"
				r.Evidence = append(r.Evidence, prefixAll("limit (not used here): ", limits)...)
			}
			if st == Warn {
				if d.Kind == "keepalived" {
					r.Fix = "upgrade keepalived to 2.2.8 or later if any VRRPv3 IPv4 peer checksums the message only"
				} else {
					r.Fix = "upgrade FRR to 8.5 or later (vrrp VRID checksum-with-ipv4-pseudoheader)"
				}
			}
			out = append(out, r)
		}
		return out
	},
}

var checkDaemonVRRPStrict = Check{
	ID:   "daemon-keepalived-vrrp-strict",
	Area: AreaDaemon,
	Doc: `Reads vrrp_strict in global_defs, "accept" in each instance, and the firewall for the
rules keepalived adds (nft table inet keepalived, or iptables chain INPUT/keepalived).
With vrrp_strict and no "accept", keepalived's own firewall drops every packet to the
VIPs on the master: the VIP answers nothing, not even ping, while VRRP looks healthy.
Fix: add "accept" to the vrrp_instance, or remove vrrp_strict.`,
	Run: func(ctx context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		if !c.Global.VRRPStrict {
			return []Result{{Status: Pass, Message: "vrrp_strict is off"}}
		}
		var ev []string
		if b, err := env.output(ctx, "nft", "-j", "list", "ruleset"); err == nil && strings.Contains(string(b), `"name": "keepalived"`) {
			ev = append(ev, "nft ruleset has table keepalived (keepalived's vrrp_strict rules)")
		}
		for _, name := range []string{"iptables-nft-save", "iptables-legacy-save"} {
			if b, err := env.output(ctx, name); err == nil && strings.Contains(string(b), ":keepalived") {
				ev = append(ev, name+" has chain keepalived")
			}
		}
		var out []Result
		for _, in := range c.Instances {
			if in.Accept {
				continue
			}
			out = append(out, Result{Status: Warn, Subject: in.Name,
				Message:  "vrrp_strict without accept: keepalived drops all traffic to the VIPs of " + in.Name + " on the master",
				Evidence: append([]string{c.Global.Pos.String() + ": vrrp_strict", in.Pos.String() + ": vrrp_instance " + in.Name + " has no accept"}, ev...),
				Fix:      "add \"accept\" to vrrp_instance " + in.Name + " (or remove vrrp_strict from global_defs)"})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "vrrp_strict with accept in every instance"})
		}
		return out
	},
}
