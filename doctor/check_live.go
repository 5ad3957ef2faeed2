package doctor

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// vrrpGroup is one virtual router to cross-check on the wire.
type vrrpGroup struct {
	iface string
	vrid  int
	name  string // instance name, or "" when taken from the wire
	vips  []netip.Addr
	inst  *KeepalivedInstance
}

// groups lists the virtual routers to cross-check: the configured
// instances, or, without a configuration, every VRID seen on the wire.
func (e *Env) groups() []vrrpGroup {
	var gs []vrrpGroup
	if c, err := e.Keepalived(); err == nil && len(c.Instances) > 0 {
		for _, in := range c.Instances {
			g := vrrpGroup{iface: in.Interface, vrid: in.VRID, name: in.Name, inst: in}
			for _, v := range in.VIPs {
				g.vips = append(g.vips, v.Prefix.Addr())
			}
			gs = append(gs, g)
		}
		return gs
	}
	for _, a := range e.Wire.Adverts {
		if a.Count == 0 || slices.ContainsFunc(gs, func(g vrrpGroup) bool { return g.iface == a.Iface && g.vrid == a.VRID }) {
			continue
		}
		gs = append(gs, vrrpGroup{iface: a.Iface, vrid: a.VRID, vips: a.VIPs})
	}
	return gs
}

func (g vrrpGroup) subject() string {
	if g.name != "" {
		return g.name
	}
	return fmt.Sprintf("%s VRID %d", g.iface, g.vrid)
}

func (e *Env) needWire() []Result {
	if e.Wire == nil {
		return []Result{{Status: Skip, Message: "needs --listen DURATION (a capture of the VRRP interfaces)"}}
	}
	return nil
}

// heldVIPs returns the group's VIPs configured on this host.
func (e *Env) heldVIPs(ctx context.Context, g vrrpGroup) []netip.Addr {
	var held []netip.Addr
	for _, v := range g.vips {
		if _, ok := e.LocalAddr(ctx, v); ok {
			held = append(held, v)
		}
	}
	return held
}

func describe(a Advert) string {
	return fmt.Sprintf("%s (%s) VRRPv%d VRID %d priority %d interval %s, %d adverts, VIPs %v",
		a.Src, a.SrcMAC, a.Version, a.VRID, a.Priority, a.Interval, a.Count, a.VIPs)
}

var checkLiveAdverts = Check{
	ID:   "live-adverts",
	Area: AreaLive,
	Doc: `With --listen D, captures VRRP on the VRRP interfaces for D and looks, for each
instance, for adverts of its VRID: none at all means no master anywhere or a deaf node;
this node holding the VIPs without its own adverts on the wire means its adverts are
dropped on the way out (firewall OUTPUT, a down daemon) and the backups will take over.
Adverts whose version or interval differ from the configuration are named too. Fix:
follow the firewall and daemon findings; make version and advert_int equal on all
nodes.`,
	Run: func(ctx context.Context, env *Env) []Result {
		if rs := env.needWire(); rs != nil {
			return rs
		}
		var out []Result
		for _, g := range env.groups() {
			ss := env.Wire.senders(g.iface, g.vrid)
			held := env.heldVIPs(ctx, g)
			var ev []string
			own := false
			for _, s := range ss {
				_, local := env.LocalAddr(ctx, s.Src)
				own = own || local
				ev = append(ev, describe(s))
			}
			if len(held) > 0 {
				ev = append(ev, fmt.Sprintf("this host holds %v", held))
			}
			switch {
			case len(ss) == 0:
				out = append(out, Result{Status: Fail, Subject: g.subject(),
					Message:  fmt.Sprintf("no adverts for VRID %d on %s in %s", g.vrid, g.iface, env.Wire.Duration),
					Evidence: ev,
					Fix:      "start the VRRP daemon (systemctl start keepalived) and check firewall-vrrp-output on the master"})
			case len(held) > 0 && !own:
				out = append(out, Result{Status: Fail, Subject: g.subject(),
					Message:  "this host holds the VIPs but its own adverts are not on the wire",
					Evidence: ev,
					Fix:      "check firewall-vrrp-output and the daemon's log (journalctl -u keepalived)"})
			default:
				var from []string
				for _, s := range ss {
					from = append(from, s.Src.String())
				}
				r := Result{Status: Pass, Subject: g.subject(), Message: "adverts from " + strings.Join(from, ", "), Evidence: ev}
				if in := g.inst; in != nil {
					for _, s := range ss {
						var diff []string
						if s.Version != in.Version {
							diff = append(diff, fmt.Sprintf("version %d (config %d)", s.Version, in.Version))
						}
						if s.Interval.Milliseconds() != in.AdvertInt.Milliseconds() {
							diff = append(diff, fmt.Sprintf("interval %s (config advert_int %v)", s.Interval, in.AdvertInt))
						}
						if len(diff) > 0 {
							r.Status = Warn
							r.Message = fmt.Sprintf("%s advertises %s", s.Src, strings.Join(diff, ", "))
							r.Fix = fmt.Sprintf("make vrrp_version and advert_int of %s equal on every node", in.Name)
						}
					}
				}
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no instance configured and no adverts seen"})
		}
		return out
	},
}

var checkLiveMasters = Check{
	ID:   "live-other-masters",
	Area: AreaLive,
	Doc: `With --listen D, runs the capture through vrrpdump's tracker and reports its
split-brain and vrid-collision findings for each instance's VRID: two routers
advertising as master over the same stretch of time (one after the other is a failover
or a preemption). Only a master sends: two at once mean two masters, because they do not
hear each other (firewall, multicast, unicast peers) or because two unrelated clusters
share the VRID on one segment (VIP lists with nothing in common). Fix: make the nodes
hear each other (run vrrpdoctor on each), or give the other cluster another
virtual_router_id.`,
	Run: func(ctx context.Context, env *Env) []Result {
		if rs := env.needWire(); rs != nil {
			return rs
		}
		findings := env.Wire.Findings()
		var out []Result
		for _, g := range env.groups() {
			for _, f := range findings {
				if f.Group.Link != g.iface || int(f.Group.VRID) != g.vrid || f.ID != "split-brain" && f.ID != "vrid-collision" {
					continue
				}
				var ev []string
				for _, s := range env.Wire.senders(g.iface, g.vrid) {
					if slices.Contains(f.Routers, s.Src.String()) {
						ev = append(ev, describe(s))
					}
				}
				ev = append(ev, fmt.Sprintf("tracker: %s %s, %d times from %s to %s", f.ID, f.Group.Family,
					f.Count, f.First.Format("15:04:05.000"), f.Last.Format("15:04:05.000")))
				if f.Cause != "" {
					ev = append(ev, "cause: "+f.Cause)
				}
				r := Result{Status: Fail, Subject: g.subject(), Message: f.Message, Evidence: ev,
					Fix: "find why they do not hear each other: run vrrpdoctor on each of them (firewall-vrrp-input, multicast-membership, keepalived-unicast-peers)"}
				if f.ID == "vrid-collision" {
					r.Fix = "give one of the clusters another virtual_router_id (unique per segment)"
				}
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: fmt.Sprintf("one master per VRID during %s", env.Wire.Duration)})
		}
		return out
	},
}

var checkLiveSplitBrain = Check{
	ID:   "live-split-brain",
	Area: AreaLive,
	Doc: `With --listen D, compares the VIPs on this host (ip -j addr) with the adverts on the
wire: if this host holds VIPs of a VRID while another node sends adverts for it, both
are master from this host's side: traffic for the VIPs goes to whichever MAC a
neighbour learnt last. Fix: make the nodes hear each other (firewall-vrrp-input on
this node, firewall-vrrp-output on the other), then the lower priority steps down.`,
	Run: func(ctx context.Context, env *Env) []Result {
		if rs := env.needWire(); rs != nil {
			return rs
		}
		var out []Result
		for _, g := range env.groups() {
			held := env.heldVIPs(ctx, g)
			if len(held) == 0 {
				continue
			}
			var others []string
			for _, s := range env.Wire.senders(g.iface, g.vrid) {
				if _, local := env.LocalAddr(ctx, s.Src); !local && s.Priority > 0 {
					others = append(others, describe(s))
				}
			}
			var where []string
			for _, v := range held {
				dev, _ := env.LocalAddr(ctx, v)
				where = append(where, v.String()+" on "+dev)
			}
			ev := append([]string{"this host holds " + strings.Join(where, ", ")}, others...)
			if len(others) == 0 {
				out = append(out, Result{Status: Pass, Subject: g.subject(), Message: "this host is the only master", Evidence: ev})
				continue
			}
			out = append(out, Result{Status: Fail, Subject: g.subject(),
				Message:  fmt.Sprintf("split brain: this host holds %v while another node advertises VRID %d", held, g.vrid),
				Evidence: ev,
				Fix:      "make this node hear the other: check firewall-vrrp-input here and firewall-vrrp-output there; the node with the lower priority then releases the VIPs"})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "this host holds no VIP of a VRID another node advertises"})
		}
		return out
	},
}

var checkNeighborVIP = Check{
	ID:   "neighbor-vip-mac",
	Area: AreaNeighbor,
	Doc: `With --listen D, reads this host's ARP/NDP table over netlink and, for each VIP a
remote master advertised during D, compares the entry's MAC with the Ethernet source
of the master's adverts (its own MAC, or the virtual MAC with use_vmac). A different
MAC is a stale or conflicting entry: this host still sends VIP traffic to the old
master after a failover (lost or filtered gratuitous ARP / unsolicited NA). Fix: ip
neigh del VIP dev IFACE here, and make the master's GARPs arrive
(vrrp_garp_master_refresh, no ARP filtering between the nodes).`,
	Run: func(ctx context.Context, env *Env) []Result {
		if rs := env.needWire(); rs != nil {
			return rs
		}
		if env.Net == nil {
			return []Result{{Status: Skip, Message: "no netlink reader"}}
		}
		ns, err := env.Net.Neighbors(ctx)
		if err != nil {
			return []Result{skipped(err, "")}
		}
		// The current master of each VRID is the sender heard last.
		latest := map[[2]any]Advert{}
		for _, a := range env.Wire.Adverts {
			k := [2]any{a.Iface, a.VRID}
			if a.Count > 0 && a.Last.After(latest[k].Last) {
				latest[k] = a
			}
		}
		var out []Result
		for _, a := range env.Wire.Adverts {
			if a.Count == 0 || a.Priority == 0 || latest[[2]any{a.Iface, a.VRID}].Src != a.Src {
				continue
			}
			if _, local := env.LocalAddr(ctx, a.Src); local {
				continue
			}
			for _, vip := range a.VIPs {
				if _, local := env.LocalAddr(ctx, vip); local {
					continue
				}
				for _, n := range ns {
					if n.IP != vip || n.MAC == "" {
						continue
					}
					ev := []string{fmt.Sprintf("neighbour %s dev %s lladdr %s %s", n.IP, n.Iface, n.MAC, n.State),
						"master on the wire: " + describe(a)}
					if n.MAC == a.SrcMAC {
						out = append(out, Result{Status: Pass, Subject: vip.String(), Message: "neighbour entry points at the master " + a.SrcMAC, Evidence: ev})
						continue
					}
					out = append(out, Result{Status: Fail, Subject: vip.String(),
						Message:  fmt.Sprintf("neighbour entry for VIP %s points at %s, but the master %s sends from %s", vip, n.MAC, a.Src, a.SrcMAC),
						Evidence: ev,
						Fix:      fmt.Sprintf("ip neigh del %s dev %s   (then find why the master's gratuitous ARP/NA did not arrive)", vip, n.Iface)})
				}
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "no neighbour entry for a VIP of a remote master"})
		}
		return out
	},
}

func sameAddrs(a, b []netip.Addr) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.SortFunc(x, netip.Addr.Compare)
	slices.SortFunc(y, netip.Addr.Compare)
	return slices.Equal(x, y)
}
