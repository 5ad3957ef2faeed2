package doctor

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

var checkKeepalivedVersionMix = Check{
	ID:      "keepalived-vrrp-version",
	Area:    AreaKeepalived,
	Offline: true,
	Doc: `Reads the VRRP version each instance runs with (version in the instance, else
vrrp_version in global_defs, else 2; an IPv6 instance always runs VRRPv3). IPv4
instances of VRRPv2 and VRRPv3 on one interface send adverts the other version's
routers drop: if nodes of one instance are configured differently, both become master.
Fix: one vrrp_version for the IPv4 instances of an interface, the same on every node.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		type key struct {
			iface string
			fam   int
		}
		by := map[key][]*KeepalivedInstance{}
		for _, in := range c.Instances {
			by[key{in.Interface, in.Family}] = append(by[key{in.Interface, in.Family}], in)
		}
		keys := slices.SortedFunc(maps.Keys(by), func(a, b key) int {
			if a.iface != b.iface {
				if a.iface < b.iface {
					return -1
				}
				return 1
			}
			return a.fam - b.fam
		})
		for _, k := range keys {
			vs := map[int][]string{}
			var ev []string
			for _, in := range by[k] {
				vs[in.Version] = append(vs[in.Version], in.Name)
				ev = append(ev, fmt.Sprintf("%s: vrrp_instance %s runs VRRPv%d", in.Pos, in.Name, in.Version))
			}
			if len(vs[2]) > 0 && len(vs[3]) > 0 {
				out = append(out, Result{Status: Warn, Subject: k.iface,
					Message:  fmt.Sprintf("IPv%d instances of VRRPv2 (%v) and VRRPv3 (%v) share %s", k.fam, vs[2], vs[3], k.iface),
					Evidence: ev,
					Fix:      "use one vrrp_version in global_defs for all instances unless a peer needs otherwise"})
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "VRRP versions are consistent per interface and family"})
		}
		return out
	},
}
