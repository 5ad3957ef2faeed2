package doctor

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

var checkKeepalivedNodes = Check{
	ID:        "keepalived-nodes",
	Area:      AreaKeepalived,
	Offline:   true,
	CrossNode: true,
	Doc: `Reads the keepalived.conf of every node given (--config h1=FILE --config h2=FILE;
each is read as keepalived on that node reads it, "@h1" lines for h1) and compares the
instances that share a VRID and address family, as the nodes' adverts will meet on the
wire. Nodes that disagree on the VRRP version, the advert interval, the authentication
as keepalived applies it (an auth_pass cut at a '!' or '#', or truncated to 8
characters, counts as what is sent), or the VIP set ignore each other's adverts and
both become master; two different virtual routers (no VIP in common) on one VRID
collide; with unicast each node must list the others' unicast_src_ip in unicast_peer. Two
virtual routers of one VRID (same instance name or a VIP in common make one router) are
compared only when no node runs both: keepalived keeps a node's instances of one VRID
apart (other interfaces, unicast, another group). VRRPv3 unicast nodes that differ on
old_unicast_checksum get a warning: keepalived adapts to the old checksum once it
receives one, other VRRP speakers do not. Fix: make the named values equal on every
node.`,
	Run: func(_ context.Context, env *Env) []Result {
		return perVRIDGroup(env, func(g vridGroup) []Result { return compareGroup(env, g) },
			func(nodes int) string { return fmt.Sprintf("%d nodes agree on every shared VRID", nodes) })
	},
}

// member is one node's instance of a VRID.
type member struct {
	node string
	in   *KeepalivedInstance
	c    *KeepalivedConfig
}

// vridGroup is one virtual router across the nodes: the instances of one
// VRID and family that are the same router (same name, or a VIP in common).
// clash are the instances of another router on that VRID that can meet this
// one on the wire (see nodeGroups); collides says some router clashes with
// this one.
type vridGroup struct {
	vrid, family int
	members      []member
	clash        []member
	collides     bool
}

func (g vridGroup) subject() string { return fmt.Sprintf("VRID %d (IPv%d)", g.vrid, g.family) }

// perVRIDGroup returns f's results for each VRID group of the nodes'
// configurations, or a pass with pass(number of nodes) when f finds nothing.
func perVRIDGroup(env *Env, f func(vridGroup) []Result, pass func(nodes int) string) []Result {
	nodes, confs, err := env.NodeConfigs()
	if err != nil {
		return []Result{skipped(err, "")}
	}
	var out []Result
	for _, g := range nodeGroups(nodes, confs) {
		out = append(out, f(g)...)
	}
	if len(out) == 0 {
		out = append(out, Result{Status: Pass, Message: pass(len(nodes))})
	}
	return out
}

// nodeGroups splits the nodes' instances into virtual routers: per VRID and
// family, instances of different nodes with the same name, or else a VIP in
// common, are one router. Two routers of a VRID meet on the wire only when no
// node runs both: keepalived refuses two multicast instances of one VRID on
// one interface and group, so a node that has both keeps them apart (other
// interfaces, unicast, another group; keepalived's 1333.conf has VRID 1 on
// 256 bridges).
func nodeGroups(nodes []Node, confs []*KeepalivedConfig) []vridGroup {
	type key struct{ vrid, fam int }
	byVRID := map[key][]member{}
	var order []key
	for i, c := range confs {
		for _, in := range c.Instances {
			k := key{in.VRID, in.Family}
			if _, ok := byVRID[k]; !ok {
				order = append(order, k)
			}
			byVRID[k] = append(byVRID[k], member{node: nodes[i].Name, in: in, c: c})
		}
	}
	var gs []vridGroup
	for _, k := range order {
		ms := byVRID[k]
		// Components: union-find over the members.
		parent := make([]int, len(ms))
		for i := range parent {
			parent[i] = i
		}
		var root func(int) int
		root = func(i int) int {
			for parent[i] != i {
				i = parent[i]
			}
			return i
		}
		// A name on another node is the same router there; a VIP in
		// common links instances whose names have no counterpart (255n.conf
		// repeats a VIP on two interfaces of each node).
		named := func(node, name string) bool {
			for _, m := range ms {
				if m.node == node && m.in.Name == name {
					return true
				}
			}
			return false
		}
		for i, a := range ms {
			for j := i + 1; j < len(ms); j++ {
				b := ms[j]
				if a.node == b.node {
					continue
				}
				if a.in.Name == b.in.Name || sharesVIP(a.in, b.in) && !named(b.node, a.in.Name) && !named(a.node, b.in.Name) {
					parent[root(j)] = root(i)
				}
			}
		}
		first := len(gs)
		index := map[int]int{}
		for i, m := range ms {
			r := root(i)
			gi, ok := index[r]
			if !ok {
				gi = len(gs)
				index[r] = gi
				gs = append(gs, vridGroup{vrid: k.vrid, family: k.fam})
			}
			gs[gi].members = append(gs[gi].members, m)
		}
		routers := gs[first:]
		for i := range routers {
			for j := i + 1; j < len(routers); j++ {
				if shareNode(routers[i].members, routers[j].members) {
					continue
				}
				routers[i].clash = append(routers[i].clash, routers[j].members...)
				routers[i].collides, routers[j].collides = true, true
			}
		}
	}
	return gs
}

// shareNode says whether a node has an instance in both lists.
func shareNode(a, b []member) bool {
	for _, x := range a {
		for _, y := range b {
			if x.node == y.node {
				return true
			}
		}
	}
	return false
}

func compareGroup(env *Env, g vridGroup) []Result {
	var out []Result
	where := func(m member, kw string) string {
		return fmt.Sprintf("%s: %s: vrrp_instance %s", m.node, m.in.At(kw), m.in.Name)
	}
	differ := func(what, kw string, val func(member) string, fix string) {
		seen := map[string]bool{}
		var ev []string
		for _, m := range g.members {
			v := val(m)
			seen[v] = true
			ev = append(ev, where(m, kw)+" "+what+" "+v)
		}
		if len(seen) > 1 {
			out = append(out, Result{Status: Fail, Subject: g.subject(),
				Message:  fmt.Sprintf("the nodes disagree on %s: they ignore each other's adverts and each becomes master", what),
				Evidence: ev, Fix: fix})
		}
	}
	// Two different virtual routers on one VRID: no VIP in common.
	for _, a := range g.members {
		for _, b := range g.clash {
			if a.node == b.node || len(a.in.VIPs) == 0 || len(b.in.VIPs) == 0 {
				continue
			}
			out = append(out, Result{Status: Fail, Subject: g.subject(),
				Message: fmt.Sprintf("VRID collision: %s's %s and %s's %s have no VIP in common but share VRID %d",
					a.node, a.in.Name, b.node, b.in.Name, g.vrid),
				Evidence: []string{where(a, "virtual_router_id") + " VIPs " + vipList(a.in), where(b, "virtual_router_id") + " VIPs " + vipList(b.in)},
				Fix:      fmt.Sprintf("give one of them another virtual_router_id (the same on all of its nodes); VRID %d belongs to one virtual router per network", g.vrid)})
			return out
		}
	}
	if len(g.members) < 2 {
		if g.collides {
			return out
		}
		m := g.members[0]
		return []Result{{Status: Warn, Subject: g.subject(),
			Message:  "only " + m.node + " has this VRID: no other node backs it up",
			Evidence: []string{where(m, "virtual_router_id")},
			Fix:      "configure vrrp_instance " + m.in.Name + " on the other nodes too, or remove it"}}
	}
	differ("the VRRP version", "version", func(m member) string { return fmt.Sprintf("VRRPv%d", m.in.Version) },
		"set the same vrrp_version (version in the instance) on every node")
	differ("advert_int", "advert_int", func(m member) string { return m.in.AdvertInt.String() },
		"set the same advert_int on every node")
	differ("the VIPs", "virtual_ipaddress", func(m member) string { return vipList(m.in) },
		"list the same virtual_ipaddress entries on every node")
	out = append(out, compareChecksum(g)...)
	out = append(out, compareAuth(env, g)...)
	out = append(out, compareUnicast(g)...)
	return out
}

func sharesVIP(a, b *KeepalivedInstance) bool {
	for _, x := range a.VIPs {
		for _, y := range b.VIPs {
			if x.Prefix.Addr() == y.Prefix.Addr() {
				return true
			}
		}
	}
	return false
}

func vipList(in *KeepalivedInstance) string {
	var s []string
	for _, v := range in.VIPs {
		s = append(s, v.Prefix.Addr().String())
	}
	slices.Sort(s)
	return "[" + strings.Join(s, " ") + "]"
}

// compareChecksum compares old_unicast_checksum, which changes only the
// checksum of VRRPv3 unicast adverts. keepalived 2.2.7 without it switches
// to the old checksum when it receives one ("(VI_1) Setting unicast VRRPv3
// checksum to old version"); until then the node with it discards the
// other's adverts ("Invalid VRRPv3 checksum"), and a peer that is not
// keepalived (FRR) never accepts the old checksum: a warning, not a
// failure.
func compareChecksum(g vridGroup) []Result {
	var old, ev []string
	unicast := false
	for _, m := range g.members {
		if m.in.Version != 3 {
			return nil
		}
		unicast = unicast || len(m.in.UnicastPeers) > 0
		ev = append(ev, fmt.Sprintf("%s: %s: vrrp_instance %s old_unicast_checksum %t", m.node, m.in.At("old_unicast_checksum"), m.in.Name, m.in.OldUnicastChecksum))
		if m.in.OldUnicastChecksum {
			old = append(old, m.node)
		}
	}
	if !unicast || len(old) == 0 || len(old) == len(g.members) {
		return nil
	}
	return []Result{{Status: Warn, Subject: g.subject(),
		Message: "the nodes differ on old_unicast_checksum (set on " + strings.Join(old, ", ") + "): keepalived without it switches to the old checksum " +
			"when it first receives one (\"Setting unicast VRRPv3 checksum to old version\"), until then the others' adverts are discarded " +
			"(\"Invalid VRRPv3 checksum\"); a peer that is not keepalived never accepts the old checksum",
		Evidence: ev,
		Fix:      "set old_unicast_checksum on all nodes or on none"}}
}

// compareAuth compares the authentication as keepalived sends it; the
// passwords stay masked.
func compareAuth(env *Env, g vridGroup) []Result {
	seen := map[string]bool{}
	var ev []string
	cut := ""
	for _, m := range g.members {
		a := m.in.Auth
		v := a.Type
		if a.Type == "PASS" {
			v += " " + a.Pass
		}
		seen[v] = true
		desc := "no authentication"
		switch a.Type {
		case "PASS":
			desc = fmt.Sprintf("auth_pass %s (%d characters sent)", mask(a.Pass), len(a.Pass))
		case "AH":
			desc = "AH"
		}
		ev = append(ev, fmt.Sprintf("%s: %s: vrrp_instance %s %s", m.node, a.Pos, m.in.Name, desc))
		if a.Type == "PASS" {
			if cutAtComment(rawLine(env, a.Pos)) {
				cut = fmt.Sprintf("%s: %s: auth_pass contains '!' or '#', which starts a comment: keepalived reads only %s", m.node, a.Pos, mask(a.Pass))
			}
		}
	}
	if len(seen) < 2 {
		return nil
	}
	if cut != "" {
		ev = append(ev, cut)
	}
	return []Result{{Status: Fail, Subject: g.subject(),
		Message:  "the nodes disagree on the authentication keepalived sends: each drops the other's adverts and becomes master",
		Evidence: ev,
		Fix:      "set the same auth_type and auth_pass (at most 8 characters, in \"quotes\" if it contains '!' or '#') on every node"}}
}

// rawLine is a configuration line as written, for evidence about comments.
func rawLine(env *Env, p Pos) string {
	b, err := fs.ReadFile(env.FS, strings.TrimPrefix(p.File, "/"))
	if err != nil {
		return ""
	}
	lines := strings.Split(string(b), "\n")
	if p.Line < 1 || p.Line > len(lines) {
		return ""
	}
	return lines[p.Line-1]
}

func afterKeyword(line, kw string) string {
	if i := strings.Index(line, kw); i >= 0 {
		return line[i+len(kw):]
	}
	return ""
}

// compareUnicast checks that unicast nodes point at each other.
func compareUnicast(g vridGroup) []Result {
	uni := 0
	for _, m := range g.members {
		if len(m.in.UnicastPeers) > 0 {
			uni++
		}
	}
	if uni == 0 {
		return nil
	}
	var bad, ev []string
	if uni < len(g.members) {
		for _, m := range g.members {
			mode := "multicast"
			if len(m.in.UnicastPeers) > 0 {
				mode = "unicast"
			}
			bad = append(bad, fmt.Sprintf("%s sends %s", m.node, mode))
		}
	}
	for _, a := range g.members {
		ev = append(ev, fmt.Sprintf("%s: %s: vrrp_instance %s unicast_src_ip %s unicast_peer %v", a.node, a.in.At("unicast_peer"), a.in.Name, srcOrNone(a.in), a.in.UnicastPeers))
		if !a.in.UnicastSrc.IsValid() {
			continue
		}
		for _, b := range g.members {
			if b.node == a.node || len(b.in.UnicastPeers) == 0 {
				continue
			}
			if !slices.Contains(b.in.UnicastPeers, a.in.UnicastSrc) {
				bad = append(bad, fmt.Sprintf("%s's unicast_peer does not list %s's unicast_src_ip %s", b.node, a.node, a.in.UnicastSrc))
			}
		}
		if slices.Contains(a.in.UnicastPeers, a.in.UnicastSrc) {
			bad = append(bad, fmt.Sprintf("%s lists its own unicast_src_ip %s as a peer", a.node, a.in.UnicastSrc))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return []Result{{Status: Fail, Subject: g.subject(),
		Message:  "unicast peers do not point at each other: " + strings.Join(bad, "; "),
		Evidence: ev,
		Fix:      "on every node list the other nodes' unicast_src_ip in unicast_peer (and set unicast_src_ip), or use multicast on all"}}
}
