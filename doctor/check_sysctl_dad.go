package doctor

import (
	"context"
	"fmt"
)

var checkSysctlAcceptDAD = Check{
	ID:   "sysctl-ipv6-accept-dad",
	Area: AreaSysctl,
	Doc: `Reads net.ipv6.conf.{all,IFACE}.accept_dad on interfaces carrying IPv6 VIPs. With DAD
on, an IPv6 VIP added at failover is "tentative" for about a second and unusable, and
"dadfailed" forever if the old master still answers for it (split brain, or the old
master's stale entry). keepalived adds VIPs with nodad; FRR and scripts usually do not.
Fix: sysctl -w net.ipv6.conf.IFACE.accept_dad=0, or add the VIP with "nodad".`,
	Run: func(ctx context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		done := map[string]bool{}
		for _, in := range c.Instances {
			if in.Family != 6 {
				continue
			}
			iface := in.Interface
			if in.UseVMAC {
				iface = in.VMACInterface()
			}
			if done[iface] {
				continue
			}
			done[iface] = true
			v, err := env.conf("ipv6", "accept_dad", iface)
			if err != nil {
				out = append(out, skipped(err, iface))
				continue
			}
			if v.Effective > 0 {
				out = append(out, Result{Status: Warn, Subject: iface,
					Message:  fmt.Sprintf("accept_dad %d: IPv6 VIPs of %s added by anything but keepalived start tentative", v.Effective, in.Name),
					Evidence: v.Evidence,
					Fix:      fmt.Sprintf("sysctl -w net.ipv6.conf.%s.accept_dad=0 (and persist it in /etc/sysctl.d/)", sysctlName(iface))})
				continue
			}
			out = append(out, Result{Status: Pass, Subject: iface, Message: "accept_dad 0", Evidence: v.Evidence})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no IPv6 VIPs"})
		}
		return out
	},
}
