package doctor

import (
	"context"
	"fmt"
	"strings"
)

var checkKeepalivedDuplicateVRID = Check{
	ID:      "keepalived-duplicate-vrid",
	Area:    AreaKeepalived,
	Offline: true,
	Doc: `Reads virtual_router_id, interface, the VIP family and the multicast group
(mcast_dst_ip, vrrp_mcast_group4/6) of each vrrp_instance. Two multicast instances with
the same VRID on one interface, family and group send adverts that the other instance
takes for its own peer's (priorities, VIP lists and virtual MACs collide), and
keepalived 2.2.7 refuses the whole configuration ("VI_1 and VI_2 both use VRID 51 with
IPv4 on interface eth0"). Instances with unicast peers, or sending to different groups,
may share a VRID: keepalived runs them. Fix: give each instance on an interface its own
virtual_router_id (1-255), the same on every node of that instance.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		type key struct {
			iface string
			vrid  int
			fam   int
			group string // the multicast group, or "unicast"
		}
		seen := map[key][]*KeepalivedInstance{}
		var order []key
		var out []Result
		used := map[int]bool{}
		add := func(k key, in *KeepalivedInstance) {
			if _, ok := seen[k]; !ok {
				order = append(order, k)
			}
			seen[k] = append(seen[k], in)
		}
		for _, in := range c.Instances {
			used[in.VRID] = true
			if in.VRID < 1 || in.VRID > 255 {
				out = append(out, Result{Status: Fail, Subject: in.Name,
					Message:  fmt.Sprintf("virtual_router_id %d is outside 1-255", in.VRID),
					Evidence: []string{in.Pos.String() + ": vrrp_instance " + in.Name},
					Fix:      "set virtual_router_id to a value from 1 to 255 in vrrp_instance " + in.Name})
			}
			if len(in.UnicastPeers) > 0 {
				add(key{in.Interface, in.VRID, in.Family, "unicast"}, in)
			} else {
				add(key{in.Interface, in.VRID, in.Family, c.McastGroup(in).String()}, in)
			}
		}
		// A unicast instance sharing the VRID of another instance on the
		// interface: keepalived runs both, telling unicast adverts apart by
		// their source address; a node that receives both sees two routers.
		mixed := map[key][]*KeepalivedInstance{}
		for _, k := range order {
			if k.group == "unicast" || len(seen[k]) == 1 {
				b := key{k.iface, k.vrid, k.fam, "unicast"}
				mixed[b] = append(mixed[b], seen[k]...)
			}
		}
		for _, k := range order {
			ins := seen[k]
			st, why := Fail, fmt.Sprintf("(IPv%d, group %s): keepalived refuses the whole configuration", k.fam, k.group)
			if k.group == "unicast" {
				ins = mixed[k]
				st, why = Warn, fmt.Sprintf("(IPv%d), some with unicast peers: keepalived runs them side by side, telling unicast adverts apart by their source, but a node that receives the adverts of both sees two routers for one VRID", k.fam)
			}
			if len(ins) < 2 {
				continue
			}
			var names, ev []string
			for _, in := range ins {
				names = append(names, in.Name)
				ev = append(ev, fmt.Sprintf("%s: vrrp_instance %s interface %s virtual_router_id %d", in.Pos, in.Name, in.Interface, in.VRID))
			}
			free := 1
			for used[free] && free < 255 {
				free++
			}
			out = append(out, Result{Status: st, Subject: k.iface,
				Message:  fmt.Sprintf("virtual_router_id %d is used by %d instances on %s %s: %s", k.vrid, len(ins), k.iface, why, strings.Join(names, ", ")),
				Evidence: ev,
				Fix:      fmt.Sprintf("in vrrp_instance %s set: virtual_router_id %d   (and the same on its peers)", ins[len(ins)-1].Name, free)})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: fmt.Sprintf("%s, each VRID unique per interface", plural(len(c.Instances), "instance"))})
		}
		return out
	},
}
