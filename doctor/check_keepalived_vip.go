package doctor

import (
	"context"
	"fmt"
)

var checkKeepalivedVIPSubnet = Check{
	ID:   "keepalived-vip-subnet",
	Area: AreaKeepalived,
	Doc: `Reads virtual_ipaddress entries and the addresses of the instance's interface (ip -j
addr). A VIP without "dev" goes on the instance's interface; if it lies outside every
subnet there, it is added as a /32 (/128) with no connected route, so neighbours may not
ARP for it and replies leave by another path. Fix: give the VIP its prefix inside the
interface's subnet, or name the interface it belongs to with "dev IFACE".`,
	Run: func(ctx context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		if _, err := env.Links(ctx); err != nil {
			return []Result{skipped(err, "")}
		}
		var out []Result
		for _, in := range c.Instances {
			l := env.Link(ctx, in.Interface)
			if l == nil {
				out = append(out, Result{Status: Fail, Subject: in.Name,
					Message:  "interface " + in.Interface + " does not exist on this host",
					Evidence: []string{in.Pos.String() + ": interface " + in.Interface},
					Fix:      "set interface in vrrp_instance " + in.Name + " to one of the host's interfaces (ip -br link)"})
				continue
			}
			for _, v := range in.VIPs {
				if v.Dev != "" {
					continue
				}
				inside := false
				var have []string
				for _, a := range l.Addrs {
					if a.Prefix.Addr().Is4() != v.Prefix.Addr().Is4() || a.Prefix.Addr().IsLinkLocalUnicast() {
						continue
					}
					have = append(have, a.Prefix.String())
					if a.Prefix.Masked().Contains(v.Prefix.Addr()) {
						inside = true
					}
				}
				if inside {
					continue
				}
				out = append(out, Result{Status: Warn, Subject: in.Name,
					Message:  fmt.Sprintf("VIP %s is outside every subnet on %s and has no dev", v.Prefix.Addr(), in.Interface),
					Evidence: []string{fmt.Sprintf("%s: %s", v.Pos, v.Prefix), fmt.Sprintf("%s has %v", in.Interface, have)},
					Fix:      fmt.Sprintf("in virtual_ipaddress write \"%s dev IFACE\" naming the interface on its subnet, or add that subnet to %s", v.Prefix, in.Interface)})
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "every VIP is inside its interface's subnets or names its dev"})
		}
		return out
	},
}
