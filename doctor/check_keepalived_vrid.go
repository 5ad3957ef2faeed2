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
	Doc: `Reads virtual_router_id, interface and the VIP family of each vrrp_instance. Two
instances with the same VRID on one interface (and address family) send adverts that
the other instance takes for its own peer's: priorities, VIP lists and virtual MACs
collide, and keepalived refuses or flaps. Fix: give each instance on an interface its
own virtual_router_id (1-255), the same on every node of that instance.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		type key struct {
			iface string
			vrid  int
			fam   int
		}
		seen := map[key][]*KeepalivedInstance{}
		var order []key
		var out []Result
		used := map[int]bool{}
		for _, in := range c.Instances {
			used[in.VRID] = true
			if in.VRID < 1 || in.VRID > 255 {
				out = append(out, Result{Status: Fail, Subject: in.Name,
					Message:  fmt.Sprintf("virtual_router_id %d is outside 1-255", in.VRID),
					Evidence: []string{in.Pos.String() + ": vrrp_instance " + in.Name},
					Fix:      "set virtual_router_id to a value from 1 to 255 in vrrp_instance " + in.Name})
			}
			k := key{in.Interface, in.VRID, in.Family}
			if _, ok := seen[k]; !ok {
				order = append(order, k)
			}
			seen[k] = append(seen[k], in)
		}
		for _, k := range order {
			ins := seen[k]
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
			out = append(out, Result{Status: Fail, Subject: k.iface,
				Message:  fmt.Sprintf("virtual_router_id %d is used by %d instances on %s (IPv%d): %s", k.vrid, len(ins), k.iface, k.fam, strings.Join(names, ", ")),
				Evidence: ev,
				Fix:      fmt.Sprintf("in vrrp_instance %s set: virtual_router_id %d   (and the same on its peers)", ins[len(ins)-1].Name, free)})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: fmt.Sprintf("%s, each VRID unique per interface", plural(len(c.Instances), "instance"))})
		}
		return out
	},
}
