package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// iptablesTables are the tables iptables-nft creates in nftables.
var iptablesTables = map[string]bool{"filter": true, "raw": true, "mangle": true, "nat": true, "security": true}

// Rulesets reads every firewall backend on the host: iptables and ip6tables
// through iptables-legacy-save and iptables-nft-save (or plain iptables-save
// when those are absent), and nftables through nft -j list ruleset. Tables
// that iptables-nft owns are evaluated from iptables-nft-save, not again
// from nft. The notes say what was read and what was missing.
func (e *Env) Rulesets(ctx context.Context) (rs []Ruleset, notes []string) {
	nftBackedIPT := false
	for _, v6 := range []bool{false, true} {
		cmd := "iptables"
		if v6 {
			cmd = "ip6tables"
		}
		read := false
		for _, backend := range []string{"legacy", "nft"} {
			name := cmd + "-" + backend + "-save"
			b, err := e.output(ctx, name)
			if errors.Is(err, ErrCommandNotFound) {
				continue
			}
			read = true
			if err != nil {
				notes = append(notes, err.Error())
				continue
			}
			if !strings.Contains(string(b), "*filter") {
				continue
			}
			t, err := ParseIPTablesSave(cmd+"-"+backend, v6, b)
			if err != nil {
				notes = append(notes, err.Error())
				continue
			}
			nftBackedIPT = nftBackedIPT || backend == "nft"
			rs = append(rs, t)
			notes = append(notes, fmt.Sprintf("read %s: filter table with %d chains", name, len(t.Chains)))
		}
		if read {
			continue
		}
		b, err := e.output(ctx, cmd+"-save")
		if err != nil {
			notes = append(notes, err.Error())
			continue
		}
		if !strings.Contains(string(b), "*filter") {
			continue
		}
		backend := cmd + "-legacy"
		if strings.Contains(string(b), "nf_tables") || strings.Contains(string(b), "-nft-save") {
			backend, nftBackedIPT = cmd+"-nft", true
		}
		t, err := ParseIPTablesSave(backend, v6, b)
		if err != nil {
			notes = append(notes, err.Error())
			continue
		}
		rs = append(rs, t)
		notes = append(notes, fmt.Sprintf("read %s-save (%s): filter table with %d chains", cmd, backend, len(t.Chains)))
	}
	b, err := e.output(ctx, "nft", "-j", "list", "ruleset")
	if err != nil {
		notes = append(notes, err.Error())
		return rs, notes
	}
	skip := func(family, table string) bool {
		return nftBackedIPT && (family == "ip" || family == "ip6") && iptablesTables[table]
	}
	n, err := ParseNFT(b, skip)
	if err != nil {
		notes = append(notes, err.Error())
		return rs, notes
	}
	notes = append(notes, fmt.Sprintf("read nft -j list ruleset: %d filter base chains", len(n.base)))
	for _, s := range n.Skipped {
		notes = append(notes, "nft table "+s+" belongs to iptables-nft: evaluated from iptables-nft-save")
	}
	return append(rs, n), notes
}

// vrrpProbes lists the VRRP packets an interface must pass in one
// direction: to the multicast group of each family in use, and to and from
// each unicast peer. Without a configuration: IPv4 multicast.
func (e *Env) vrrpProbes(ctx context.Context, iface string, dir Direction) []Probe {
	local := func(v6 bool) netip.Addr {
		if l := e.Link(ctx, iface); l != nil {
			for _, a := range l.Addrs {
				ip := a.Prefix.Addr()
				if ip.Is6() == v6 && (!v6 || ip.IsLinkLocalUnicast()) {
					return ip
				}
			}
		}
		return netip.Addr{}
	}
	group := map[bool]netip.Addr{false: netip.MustParseAddr("224.0.0.18"), true: netip.MustParseAddr("ff02::12")}
	var ps []Probe
	seen := map[Probe]bool{}
	addp := func(p Probe) {
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	multicast := func(v6 bool) {
		p := Probe{Dir: dir, Iface: iface, Dst: group[v6]}
		if dir == Out {
			p.Src = local(v6)
		}
		addp(p)
	}
	c, err := e.Keepalived()
	if err != nil || len(c.Instances) == 0 {
		multicast(false)
		return ps
	}
	for _, in := range c.Instances {
		if in.Interface != iface {
			continue
		}
		v6 := in.Family == 6
		if len(in.UnicastPeers) == 0 {
			multicast(v6)
			continue
		}
		self := in.UnicastSrc
		if !self.IsValid() {
			self = local(v6)
		}
		for _, peer := range in.UnicastPeers {
			if dir == In {
				addp(Probe{Dir: In, Iface: iface, Src: peer, Dst: self})
			} else {
				addp(Probe{Dir: Out, Iface: iface, Src: self, Dst: peer})
			}
		}
	}
	if len(ps) == 0 {
		multicast(false)
	}
	return ps
}
