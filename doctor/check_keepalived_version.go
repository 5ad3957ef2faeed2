package doctor

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

var checkKeepalivedVersionMix = Check{
	ID:   "keepalived-vrrp-version",
	Area: AreaKeepalived,
	Doc: `Reads vrrp_version (global_defs and per instance) and the VIP families. VRRPv2 has no
IPv6: an IPv6 instance needs version 3. Instances with the same VRID on one interface
but different versions never see each other's adverts as valid, and a v2 node and a v3
node of the same instance both become master. Fix: one vrrp_version for all nodes of an
instance (3 for IPv6).`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		byIface := map[string][]*KeepalivedInstance{}
		for _, in := range c.Instances {
			if in.Version != 2 && in.Version != 3 {
				out = append(out, Result{Status: Fail, Subject: in.Name, Message: fmt.Sprintf("vrrp_version %d does not exist", in.Version),
					Evidence: []string{in.Pos.String()}, Fix: "set vrrp_version 2 or 3"})
			}
			if in.Version == 2 && in.Family() == 6 {
				out = append(out, Result{Status: Fail, Subject: in.Name,
					Message:  "IPv6 VIPs with VRRPv2, which has no IPv6",
					Evidence: []string{fmt.Sprintf("%s: vrrp_instance %s, VIP %s, VRRPv2", in.Pos, in.Name, in.VIPs[0].Prefix)},
					Fix:      "in vrrp_instance " + in.Name + " set: version 3   (on every node)"})
			}
			byIface[in.Interface] = append(byIface[in.Interface], in)
		}
		for _, iface := range slices.Sorted(maps.Keys(byIface)) {
			ins := byIface[iface]
			vs := map[int][]string{}
			for _, in := range ins {
				vs[in.Version] = append(vs[in.Version], in.Name)
			}
			if len(vs[2]) > 0 && len(vs[3]) > 0 {
				out = append(out, Result{Status: Warn, Subject: iface,
					Message:  fmt.Sprintf("VRRPv2 (%v) and VRRPv3 (%v) instances share %s", vs[2], vs[3], iface),
					Evidence: []string{"global vrrp_version " + fmt.Sprint(c.Global.VRRPVersion)},
					Fix:      "use one vrrp_version in global_defs for all instances unless a peer needs otherwise"})
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "VRRP versions are consistent"})
		}
		return out
	},
}
