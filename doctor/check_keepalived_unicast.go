package doctor

import (
	"context"
	"fmt"
)

var checkKeepalivedUnicast = Check{
	ID:   "keepalived-unicast-peers",
	Area: AreaKeepalived,
	Doc: `Reads unicast_src_ip and unicast_peer of each instance, and the host's addresses. With
unicast, every node must list every other node and send from an address those nodes
list: a unicast_src_ip that is not on this host, a peer list naming this host, a peer of
the wrong family, or (with --listen) an advert for the VRID from a source not listed all
mean one side never hears the other and both become master. Fix: list the other nodes'
addresses in unicast_peer and this node's own address in unicast_src_ip, mirrored on
every node.`,
	Run: func(ctx context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		for _, in := range c.Instances {
			if len(in.UnicastPeers) == 0 && !in.UnicastSrc.IsValid() {
				continue
			}
			var bad []string
			var ev []string
			fix := ""
			if in.UnicastSrc.IsValid() {
				if where, ok := env.LocalAddr(ctx, in.UnicastSrc); !ok {
					bad = append(bad, fmt.Sprintf("unicast_src_ip %s is not an address of this host", in.UnicastSrc))
					fix = fmt.Sprintf("set unicast_src_ip in vrrp_instance %s to this node's address on %s (ip -br addr show dev %s)", in.Name, in.Interface, in.Interface)
				} else {
					ev = append(ev, fmt.Sprintf("unicast_src_ip %s is on %s", in.UnicastSrc, where))
				}
			}
			if len(in.UnicastPeers) == 0 {
				bad = append(bad, "unicast_src_ip is set but unicast_peer is empty: adverts go to multicast")
				fix = "add the other nodes' addresses to unicast_peer { } in vrrp_instance " + in.Name
			}
			for _, p := range in.UnicastPeers {
				if where, ok := env.LocalAddr(ctx, p); ok && p != in.UnicastSrc {
					bad = append(bad, fmt.Sprintf("unicast_peer %s is this host's own address (on %s)", p, where))
					if fix == "" {
						fix = fmt.Sprintf("remove %s from unicast_peer in vrrp_instance %s and list the other nodes instead", p, in.Name)
					}
				}
				if p.Is4() != (in.Family == 4) {
					bad = append(bad, fmt.Sprintf("unicast_peer %s is not of the instance's family (IPv%d)", p, in.Family))
				}
			}
			ev = append(ev, fmt.Sprintf("%s: vrrp_instance %s unicast_src_ip %v unicast_peer %v", in.Pos, in.Name, srcOrNone(in), in.UnicastPeers))
			if env.Wire != nil {
				for _, a := range env.Wire.Adverts {
					if a.VRID != in.VRID || a.Iface != in.Interface || a.Src == in.UnicastSrc {
						continue
					}
					if _, local := env.LocalAddr(ctx, a.Src); local {
						continue
					}
					listed := false
					for _, p := range in.UnicastPeers {
						listed = listed || p == a.Src
					}
					if !listed {
						bad = append(bad, fmt.Sprintf("adverts for VRID %d came from %s, which unicast_peer does not list", a.VRID, a.Src))
						fix = fmt.Sprintf("add %s to unicast_peer in vrrp_instance %s (or remove this node from that node's peers)", a.Src, in.Name)
					}
				}
			}
			if len(bad) == 0 {
				out = append(out, Result{Status: Pass, Subject: in.Name, Message: fmt.Sprintf("unicast to %v", in.UnicastPeers), Evidence: ev})
				continue
			}
			if fix == "" {
				fix = "list only the other nodes' addresses of the instance's family in unicast_peer of vrrp_instance " + in.Name
			}
			msg := bad[0]
			if len(bad) > 1 {
				msg += fmt.Sprintf(" (and %d more)", len(bad)-1)
			}
			out = append(out, Result{Status: Fail, Subject: in.Name, Message: msg, Evidence: append(bad[1:], ev...), Fix: fix})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no instance uses unicast"})
		}
		return out
	},
}

func srcOrNone(in *KeepalivedInstance) string {
	if in.UnicastSrc.IsValid() {
		return in.UnicastSrc.String()
	}
	return "(interface address)"
}
