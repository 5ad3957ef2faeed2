package doctor

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
)

var checkSysctlNonlocalBind = Check{
	ID:   "sysctl-ip-nonlocal-bind",
	Area: AreaSysctl,
	Doc: `Reads listening sockets (ss -Hltnu) and net.ipv4.ip_nonlocal_bind /
net.ipv6.ip_nonlocal_bind. A service bound to a VIP (haproxy, nginx) starts only where
the VIP is: on a backup, or when it restarts during a failover, bind() fails with
EADDRNOTAVAIL and the service is down when the VIP arrives. Fix: sysctl -w
net.ipv4.ip_nonlocal_bind=1 (persisted), or bind the service to 0.0.0.0.`,
	Run: func(ctx context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		vips := map[netip.Addr]string{}
		for _, in := range c.Instances {
			for _, v := range in.VIPs {
				vips[v.Prefix.Addr()] = in.Name
			}
		}
		b, err := env.output(ctx, "ss", "-Hltnu")
		if err != nil {
			return []Result{skipped(&NotApplicableError{Reason: "cannot list sockets with ss", Err: err}, "")}
		}
		var out []Result
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 5 {
				continue
			}
			ap, err := netip.ParseAddrPort(strings.Replace(f[4], "%", "%", 1))
			if err != nil {
				continue
			}
			inst, ok := vips[ap.Addr().Unmap()]
			if !ok {
				continue
			}
			fam := "ipv4"
			if ap.Addr().Is6() && !ap.Addr().Is4In6() {
				fam = "ipv6"
			}
			v, err := env.Sysctl("net." + fam + ".ip_nonlocal_bind")
			if err != nil {
				out = append(out, skipped(&NotApplicableError{Reason: "cannot read net." + fam + ".ip_nonlocal_bind", Err: err}, ap.String()))
				continue
			}
			ev := []string{strings.Join(f, " "), fmt.Sprintf("net.%s.ip_nonlocal_bind = %d", fam, v), "VIP of " + inst}
			if v == 0 {
				out = append(out, Result{Status: Warn, Subject: ap.String(),
					Message:  "a service listens on VIP " + ap.Addr().String() + " but ip_nonlocal_bind is 0: it cannot start on a backup",
					Evidence: ev,
					Fix:      fmt.Sprintf("sysctl -w net.%s.ip_nonlocal_bind=1 and persist it in /etc/sysctl.d/90-vrrp.conf", fam)})
			} else {
				out = append(out, Result{Status: Pass, Subject: ap.String(), Message: "service on the VIP can bind without it", Evidence: ev})
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no local service listens on a VIP"})
		}
		return out
	},
}
