package doctor

import (
	"context"
	"fmt"
)

var checkSysctlARP = Check{
	ID:   "sysctl-arp",
	Area: AreaSysctl,
	Doc: `Reads arp_ignore, arp_announce and arp_filter (all and interface) on the base interface
of each use_vmac instance. The VIP then lives on the macvlan: with arp_ignore 0 the
base interface also answers ARP for it with its own MAC, and with arp_announce 0 (and
arp_filter 0) ARP requests can leave with the VIP as source from the wrong MAC, so neighbours learn the base
MAC and traffic survives a failover only by accident. keepalived sets these when it
creates the macvlan; a sysctl.conf applied later undoes it. Fix: sysctl -w
net.ipv4.conf.IFACE.arp_ignore=1 net.ipv4.conf.IFACE.arp_announce=2, persisted.`,
	Run: func(ctx context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		done := map[string]bool{}
		for _, in := range c.Instances {
			if !in.UseVMAC || done[in.Interface] {
				continue
			}
			done[in.Interface] = true
			ig, err := env.ipv4Conf("arp_ignore", in.Interface)
			if err != nil {
				out = append(out, skipped(err, in.Interface))
				continue
			}
			an, err := env.ipv4Conf("arp_announce", in.Interface)
			if err != nil {
				out = append(out, skipped(err, in.Interface))
				continue
			}
			fi, err := env.ipv4Conf("arp_filter", in.Interface)
			if err != nil {
				out = append(out, skipped(err, in.Interface))
				continue
			}
			// arp_filter is on when all OR the interface say so.
			filter := fi.All == 1 || fi.Iface_ == 1
			ev := append(append(append([]string{"use_vmac in " + in.Name}, ig.Evidence...), an.Evidence...), fi.Evidence...)
			if ig.Effective < 1 || (an.Effective < 1 && !filter) {
				n := sysctlName(in.Interface)
				out = append(out, Result{Status: Warn, Subject: in.Interface,
					Message:  fmt.Sprintf("arp_ignore %d / arp_announce %d: %s answers and announces the VIPs with its own MAC", ig.Effective, an.Effective, in.Interface),
					Evidence: ev,
					Fix:      fmt.Sprintf("sysctl -w net.ipv4.conf.%s.arp_ignore=1 net.ipv4.conf.%s.arp_announce=2 (and persist in /etc/sysctl.d/)", n, n)})
				continue
			}
			out = append(out, Result{Status: Pass, Subject: in.Interface, Message: fmt.Sprintf("arp_ignore %d, arp_announce %d", ig.Effective, an.Effective), Evidence: ev})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no use_vmac instance: the VIPs share the interface's MAC"})
		}
		return out
	},
}
