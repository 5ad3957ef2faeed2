package doctor

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

var checkDaemonKeepalivedUnicast = Check{
	ID:   "daemon-keepalived-unicast-graph",
	Area: AreaDaemon,
	Doc: `Reads the unicast peers keepalived actually uses for each instance (its data dump:
"Unicast Peer", the source address and whether it came from unicast_src_ip) and, with
--listen, who really sends adverts to this node and to whom this node sends them. A
unicast_src_ip that is not on the interface keeps the instance in FAULT; a node that
sends to this one while missing from its unicast_peer list never hears this node (one
way: both become master); a configured peer this master sends nothing to is cut off;
an instance configured for unicast that runs multicast had an empty peer list. Fix:
list every other node in unicast_peer and this node's own interface address in
unicast_src_ip, mirrored on every node.`,
	Run: func(ctx context.Context, env *Env) []Result {
		ins, out := kaInstancesOrSkip(ctx, env, false)
		for _, ki := range ins {
			in, k := ki.in, ki.k
			conf := env.confInstance(in.Name)
			confUnicast := conf != nil && (len(conf.UnicastPeers) > 0 || conf.UnicastSrc.IsValid())
			if !in.Unicast && !confUnicast {
				continue
			}
			ev := []string{sourceLine(k), fmt.Sprintf("%s: state %s, unicast %t, source %s (from configuration: %t), peers %v", in.Name, in.State, in.Unicast, in.SrcIP, in.SrcConfigured, in.Peers)}
			var bad, fixes []string
			if in.SrcConfigured && in.SrcIP.IsValid() && env.Link(ctx, in.Interface) != nil && !env.ifaceHas(ctx, in.Interface, in.SrcIP) {
				bad = append(bad, fmt.Sprintf("unicast_src_ip %s is not on %s", in.SrcIP, in.Interface))
				fixes = append(fixes, fmt.Sprintf("set unicast_src_ip in vrrp_instance %s to this node's address on %s (ip -br addr show dev %s)", in.Name, in.Interface, in.Interface))
			}
			if confUnicast && !in.Unicast {
				bad = append(bad, "configured for unicast but keepalived sends to multicast: its unicast_peer list is empty")
				fixes = append(fixes, "list the other nodes in unicast_peer { } of vrrp_instance "+in.Name)
			}
			for _, p := range in.Peers {
				if where, local := env.LocalAddr(ctx, p); local {
					bad = append(bad, fmt.Sprintf("unicast_peer %s is this node's own address (on %s)", p, where))
					fixes = append(fixes, fmt.Sprintf("remove %s from unicast_peer of %s", p, in.Name))
				}
			}
			if env.Wire != nil {
				ev = append(ev, fmt.Sprintf("the wire during %s:", env.Wire.Duration))
				to, from := unicastFlows(ctx, env, in.Interface, in.VRID)
				for _, a := range from {
					ev = append(ev, fmt.Sprintf("  %s → this node %s, priority %d, %d adverts", a.Src, a.dst, a.Priority, a.Count))
					if !slices.Contains(in.Peers, a.Src) && in.Unicast {
						bad = append(bad, fmt.Sprintf("%s sends adverts for VRID %d to this node but is not in its unicast_peer: this node never sends to it (one way)", a.Src, in.VRID))
						fixes = append(fixes, fmt.Sprintf("add %s to unicast_peer of vrrp_instance %s (and this node's %s to that node's list)", a.Src, in.Name, a.dst))
					}
				}
				for _, a := range to {
					ev = append(ev, fmt.Sprintf("  this node %s → %s, %d adverts", a.Src, a.dst, a.Count))
				}
				if in.State == "MASTER" && in.Unicast {
					for _, p := range in.Peers {
						if !slices.ContainsFunc(to, func(a unicastFlow) bool { return a.dst == p }) {
							bad = append(bad, fmt.Sprintf("this node is MASTER but sent no advert to its unicast peer %s", p))
							fixes = append(fixes, "check firewall-vrrp-output and the route to "+p.String()+" (ip route get "+p.String()+")")
						}
					}
					for _, a := range from {
						if slices.Contains(in.Peers, a.Src) && a.Priority > 0 {
							bad = append(bad, fmt.Sprintf("%s sends adverts to this node while this node is MASTER: %s does not hear this node (its unicast_peer may lack %s)", a.Src, a.Src, in.SrcIP))
							fixes = append(fixes, fmt.Sprintf("on %s: list %s in unicast_peer of the instance with VRID %d, and check firewall-vrrp-input there", a.Src, in.SrcIP, in.VRID))
						}
					}
				}
			}
			if len(bad) == 0 {
				msg := fmt.Sprintf("unicast from %s to %v", in.SrcIP, in.Peers)
				if env.Wire == nil {
					msg += " (run with --listen DURATION to see who really sends)"
				}
				out = append(out, Result{Status: Pass, Subject: in.Name, Message: msg, Evidence: ev})
				continue
			}
			msg := bad[0]
			if len(bad) > 1 {
				msg += fmt.Sprintf(" (and %d more)", len(bad)-1)
			}
			out = append(out, Result{Status: Fail, Subject: in.Name, Message: msg, Evidence: append(ev, bad[1:]...), Fix: strings.Join(fixes, "\n")})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no running instance uses unicast"})
		}
		return out
	},
}

// unicastFlow is one sender → destination pair of unicast adverts.
type unicastFlow struct {
	Advert
	dst netip.Addr
}

// unicastFlows splits the unicast adverts of a VRID seen on iface into
// those this node sent (to) and those sent to this node (from).
func unicastFlows(ctx context.Context, env *Env, iface string, vrid int) (to, from []unicastFlow) {
	for _, a := range env.Wire.Adverts {
		if a.Iface != iface || a.VRID != vrid || a.Count == 0 {
			continue
		}
		_, srcLocal := env.LocalAddr(ctx, a.Src)
		for _, d := range a.Dsts {
			if !d.IsValid() || d.IsMulticast() {
				continue
			}
			_, dstLocal := env.LocalAddr(ctx, d)
			switch {
			case srcLocal:
				to = append(to, unicastFlow{a, d})
			case dstLocal:
				from = append(from, unicastFlow{a, d})
			}
		}
	}
	return to, from
}
