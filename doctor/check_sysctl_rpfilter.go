package doctor

import (
	"context"
	"fmt"
)

var checkSysctlRPFilter = Check{
	ID:   "sysctl-rp-filter",
	Area: AreaSysctl,
	Doc: `Reads net.ipv4.conf.{all,IFACE}.rp_filter for each VRRP interface and, with use_vmac,
for keepalived's macvlan (vrrp.VRID or the name given). The kernel uses the larger of
"all" and the interface's value. With use_vmac, traffic for the VIP arrives on the
macvlan while the route back points at the base interface: strict reverse-path
filtering (1) drops it. keepalived clears all.rp_filter when it creates the macvlan, but
a sysctl run after it (sysctl --system, configuration management) sets all=1 again and
the macvlan's own 0 no longer helps. Fix: sysctl -w net.ipv4.conf.all.rp_filter=0 (set 2, loose, per
interface where you want filtering) and persist it in /etc/sysctl.d/.`,
	Run: func(ctx context.Context, env *Env) []Result {
		var out []Result
		c, _ := env.Keepalived()
		type target struct {
			iface, why string
			vmac       bool
		}
		var ts []target
		for _, i := range env.VRRPInterfaces(ctx) {
			ts = append(ts, target{iface: i, why: "VRRP interface"})
		}
		if c != nil {
			for _, in := range c.Instances {
				if in.UseVMAC {
					ts = append(ts, target{iface: in.VMACInterface(), vmac: true, why: "use_vmac of " + in.Name + " on " + in.Interface})
				}
			}
		}
		if len(ts) == 0 {
			return []Result{{Status: Skip, Message: "no VRRP interface: give -i IFACE or --config"}}
		}
		for _, t := range ts {
			v, err := env.ipv4Conf("rp_filter", t.iface)
			if err != nil {
				out = append(out, skipped(err, t.iface))
				continue
			}
			ev := append([]string{t.iface + ": " + t.why}, v.Evidence...)
			ev = append(ev, fmt.Sprintf("effective rp_filter = max(all, %s) = %d", t.iface, v.Effective))
			if t.vmac && v.Effective == 1 {
				fix := "sysctl -w net.ipv4.conf.all.rp_filter=0"
				if v.All < 1 {
					fix = fmt.Sprintf("sysctl -w net.ipv4.conf.%s.rp_filter=0", sysctlName(t.iface))
				}
				out = append(out, Result{Status: Fail, Subject: t.iface,
					Message:  "strict rp_filter on the use_vmac interface drops traffic to the VIP",
					Evidence: ev,
					Fix:      fix + "\nand persist: echo 'net.ipv4.conf.all.rp_filter = 0' > /etc/sysctl.d/90-vrrp.conf"})
				continue
			}
			out = append(out, Result{Status: Pass, Subject: t.iface, Message: fmt.Sprintf("rp_filter %d", v.Effective), Evidence: ev})
		}
		return out
	},
}
