package doctor

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// NFTables is an nftables ruleset from `nft -j list ruleset`.
type NFTables struct {
	chains map[string]*nftChain // family/table/chain
	base   []*nftChain
	// Skipped names tables left out because another reader covers them
	// (iptables-nft's tables, evaluated from iptables-save).
	Skipped []string
}

type nftChain struct {
	Family, Table, Name string
	Hook, Type, Policy  string
	Prio                int
	Rules               []*nftRule
}

func (c *nftChain) id() string { return c.Family + " " + c.Table + " " + c.Name }

type nftRule struct {
	Handle  int
	Text    string // a readable rendering of the expressions
	exprs   []json.RawMessage
	Comment string
}

// ParseNFT reads nft's JSON. Tables for which skip returns true are left out.
func ParseNFT(b []byte, skip func(family, table string) bool) (*NFTables, error) {
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("nft -j list ruleset: %w", err)
	}
	n := &NFTables{chains: map[string]*nftChain{}}
	skipped := map[string]bool{}
	for _, obj := range doc.Nftables {
		if raw, ok := obj["chain"]; ok {
			var c struct {
				Family, Table, Name, Hook, Type, Policy string
				Prio                                    json.RawMessage
			}
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, err
			}
			if skip != nil && skip(c.Family, c.Table) {
				if k := c.Family + " " + c.Table; !skipped[k] {
					skipped[k] = true
					n.Skipped = append(n.Skipped, k)
				}
				continue
			}
			ch := &nftChain{Family: c.Family, Table: c.Table, Name: c.Name, Hook: c.Hook, Type: c.Type, Policy: c.Policy}
			ch.Prio = nftPrio(c.Prio)
			n.chains[ch.id()] = ch
			if ch.Hook != "" && (ch.Type == "" || ch.Type == "filter") {
				n.base = append(n.base, ch)
			}
		}
		if raw, ok := obj["rule"]; ok {
			var r struct {
				Family, Table, Chain, Comment string
				Handle                        int
				Expr                          []json.RawMessage
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				return nil, err
			}
			ch := n.chains[r.Family+" "+r.Table+" "+r.Chain]
			if ch == nil {
				continue
			}
			rule := &nftRule{Handle: r.Handle, exprs: r.Expr, Comment: r.Comment}
			rule.Text = renderNFT(r.Expr)
			ch.Rules = append(ch.Rules, rule)
		}
	}
	sort.SliceStable(n.base, func(i, j int) bool { return n.base[i].Prio < n.base[j].Prio })
	return n, nil
}

func nftPrio(raw json.RawMessage) int {
	var i int
	if json.Unmarshal(raw, &i) == nil {
		return i
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return map[string]int{"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}[s]
}

// Name is the backend.
func (n *NFTables) Name() string { return "nftables" }

// Evaluate runs the probe through every filter base chain on its hook, in
// priority order: a drop anywhere is final, an accept moves on to the next
// base chain.
func (n *NFTables) Evaluate(p Probe) (Verdict, bool) {
	hook := "input"
	if p.Dir == Out {
		hook = "output"
	}
	var last Verdict
	found := false
	for _, c := range n.base {
		if c.Hook != hook || !familyFits(c.Family, p) {
			continue
		}
		found = true
		var v Verdict
		decided := n.walk(c, p, &v, 0)
		if !decided {
			v.Accepted = c.Policy != "drop"
			pol := c.Policy
			if pol == "" {
				pol = "accept"
			}
			v.Rule = "policy " + pol
			v.Where = "nftables chain " + c.id() + " (hook " + hook + ")"
			if !v.Accepted {
				v.Fix = nftFix(c, 0, p)
			}
		}
		last.Uncertain = append(last.Uncertain, v.Uncertain...)
		v.Uncertain = last.Uncertain
		last = v
		if !v.Accepted {
			return v, true
		}
	}
	return last, found
}

func familyFits(fam string, p Probe) bool {
	switch fam {
	case "inet":
		return true
	case "ip":
		return !p.v6()
	case "ip6":
		return p.v6()
	}
	return false // arp, bridge, netdev: other hooks
}

// walk evaluates a chain and reports whether a verdict was reached.
func (n *NFTables) walk(c *nftChain, p Probe, v *Verdict, depth int) bool {
	if depth > 32 {
		return false
	}
	for _, r := range c.Rules {
		m := yes
		var verdict, target string
		var why []string
		for _, raw := range r.exprs {
			var e map[string]json.RawMessage
			if json.Unmarshal(raw, &e) != nil {
				continue
			}
			for k, val := range e {
				switch k {
				case "match":
					res := nftMatch(val, p)
					if res == maybe {
						why = append(why, renderNFT([]json.RawMessage{raw}))
					}
					m = and(m, res)
				case "accept", "drop", "return", "continue":
					verdict = k
				case "reject":
					verdict = "drop"
				case "jump", "goto":
					var t struct{ Target string }
					_ = json.Unmarshal(val, &t)
					verdict, target = k, t.Target
				case "counter", "log", "comment", "mangle", "notrack", "meta", "ct", "queue", "nflog":
					// statements that do not filter
				default:
					why = append(why, k)
					m = and(m, maybe)
				}
			}
			if m == no {
				break
			}
		}
		if m == no || verdict == "" {
			continue
		}
		where := fmt.Sprintf("nftables chain %s handle %d", c.id(), r.Handle)
		switch verdict {
		case "accept", "drop":
			if m == maybe {
				v.Uncertain = append(v.Uncertain, where+": "+r.Text+" (cannot evaluate: "+strings.Join(why, "; ")+")")
				continue
			}
			v.Accepted, v.Rule, v.Where = verdict == "accept", r.Text, where
			if !v.Accepted {
				v.Fix = nftFix(c, r.Handle, p)
			}
			return true
		case "return":
			if m == yes {
				return false
			}
		case "jump", "goto":
			sub := n.chains[c.Family+" "+c.Table+" "+target]
			if sub == nil {
				continue
			}
			var sv Verdict
			decided := n.walk(sub, p, &sv, depth+1)
			if m == maybe {
				if decided {
					v.Uncertain = append(v.Uncertain, where+": "+r.Text+" (cannot evaluate: "+strings.Join(why, "; ")+") leads to "+sv.Decides())
				}
				continue
			}
			v.Uncertain = append(v.Uncertain, sv.Uncertain...)
			if decided {
				v.Accepted, v.Rule, v.Where, v.Fix = sv.Accepted, sv.Rule, sv.Where, sv.Fix
				return true
			}
			if verdict == "goto" {
				return false
			}
		}
	}
	return false
}

func nftFix(c *nftChain, handle int, p Probe) string {
	if c.Table == "firewalld" {
		// firewalld rewrites its table: fix it through firewalld.
		return firewalldFix("$(firewall-cmd --get-zone-of-interface="+p.Iface+")", p)
	}
	var b strings.Builder
	if handle > 0 {
		fmt.Fprintf(&b, "nft insert rule %s %s %s position %d", c.Family, c.Table, c.Name, handle)
	} else {
		fmt.Fprintf(&b, "nft add rule %s %s %s", c.Family, c.Table, c.Name)
	}
	if p.Dir == In {
		fmt.Fprintf(&b, " iifname %q", p.Iface)
	} else {
		fmt.Fprintf(&b, " oifname %q", p.Iface)
	}
	ipk := "ip"
	if p.v6() {
		ipk = "ip6"
	}
	if c.Family == "inet" {
		b.WriteString(" meta l4proto vrrp")
	} else if p.v6() {
		b.WriteString(" ip6 nexthdr vrrp")
	} else {
		b.WriteString(" ip protocol vrrp")
	}
	if p.Src.IsValid() && p.Dir == In {
		fmt.Fprintf(&b, " %s saddr %s", ipk, p.Src)
	}
	if p.Dst.IsValid() && (p.Dir == Out || p.Dst.IsMulticast()) {
		fmt.Fprintf(&b, " %s daddr %s", ipk, p.Dst)
	}
	b.WriteString(" accept")
	return b.String()
}

// nftMatch evaluates one {"match": ...} expression.
func nftMatch(raw json.RawMessage, p Probe) tri {
	var m struct {
		Op    string
		Left  map[string]json.RawMessage
		Right json.RawMessage
	}
	if json.Unmarshal(raw, &m) != nil {
		return maybe
	}
	vals := nftValues(m.Right)
	var one func(string) tri
	switch {
	case m.Left["meta"] != nil:
		var k struct{ Key string }
		_ = json.Unmarshal(m.Left["meta"], &k)
		switch k.Key {
		case "l4proto":
			one = isVRRPProto
		case "iifname", "oifname", "iif", "oif":
			dir := In
			if k.Key[0] == 'o' {
				dir = Out
			}
			one = func(s string) tri {
				if p.Dir != dir {
					return no // iifname is empty on output, oifname on input
				}
				if ifaceMatch(s, p.Iface) {
					return yes
				}
				return no
			}
		case "nfproto", "protocol":
			one = func(s string) tri {
				if (s == "ipv6" || s == "ip6") == p.v6() {
					return yes
				}
				return no
			}
		case "pkttype":
			one = func(s string) tri {
				if (s == "multicast") == p.Dst.IsMulticast() && s != "broadcast" {
					return yes
				}
				return no
			}
		}
	case m.Left["payload"] != nil:
		var pl struct{ Protocol, Field string }
		_ = json.Unmarshal(m.Left["payload"], &pl)
		if (pl.Protocol == "ip6") != p.v6() && (pl.Protocol == "ip" || pl.Protocol == "ip6") {
			return no // an ip match never matches an IPv6 packet, and back
		}
		switch pl.Field {
		case "protocol", "nexthdr":
			one = isVRRPProto
		case "saddr":
			one = func(s string) tri { return addrMatch(s, p.Src) }
		case "daddr":
			one = func(s string) tri { return addrMatch(s, p.Dst) }
		default:
			return no // ports and other transport fields: VRRP has none
		}
	case m.Left["ct"] != nil:
		var k struct{ Key string }
		_ = json.Unmarshal(m.Left["ct"], &k)
		if k.Key == "state" {
			if m.Op == "!=" {
				return not(ctStates(vals))
			}
			return ctStates(vals)
		}
	}
	if one == nil || vals == nil {
		return maybe
	}
	res := no
	for _, s := range vals {
		switch one(s) {
		case yes:
			res = yes
		case maybe:
			if res == no {
				res = maybe
			}
		}
	}
	if m.Op == "!=" {
		return not(res)
	}
	return res
}

// nftValues flattens a match's right side into strings; nil when it uses a
// named set or something the evaluator does not read.
func nftValues(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if strings.HasPrefix(s, "@") {
			return nil
		}
		return []string{s}
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return []string{strconv.Itoa(int(f))}
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) == nil {
		var out []string
		for _, a := range arr {
			v := nftValues(a)
			if v == nil {
				return nil
			}
			out = append(out, v...)
		}
		return out
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		if set, ok := obj["set"]; ok {
			return nftValues(set)
		}
		if pre, ok := obj["prefix"]; ok {
			var p struct {
				Addr string
				Len  int
			}
			if json.Unmarshal(pre, &p) == nil {
				return []string{p.Addr + "/" + strconv.Itoa(p.Len)}
			}
		}
	}
	return nil
}

// renderNFT prints expressions roughly as nft list ruleset would.
func renderNFT(exprs []json.RawMessage) string {
	var parts []string
	for _, raw := range exprs {
		var e map[string]json.RawMessage
		if json.Unmarshal(raw, &e) != nil {
			continue
		}
		for k, val := range e {
			switch k {
			case "match":
				var m struct {
					Op    string
					Left  map[string]json.RawMessage
					Right json.RawMessage
				}
				_ = json.Unmarshal(val, &m)
				left := ""
				for lk, lv := range m.Left {
					var f struct{ Key, Protocol, Field string }
					_ = json.Unmarshal(lv, &f)
					switch lk {
					case "meta":
						left = "meta " + f.Key
					case "ct":
						left = "ct " + f.Key
					case "payload":
						left = f.Protocol + " " + f.Field
					default:
						left = lk
					}
				}
				right := strings.Join(nftValues(m.Right), ",")
				if right == "" {
					right = string(m.Right)
				}
				op := ""
				if m.Op == "!=" {
					op = "!= "
				}
				parts = append(parts, left+" "+op+right)
			case "jump", "goto":
				var t struct{ Target string }
				_ = json.Unmarshal(val, &t)
				parts = append(parts, k+" "+t.Target)
			case "counter":
				parts = append(parts, "counter")
			default:
				if string(val) == "null" {
					parts = append(parts, k)
				} else {
					parts = append(parts, k+" "+string(val))
				}
			}
		}
	}
	return strings.Join(parts, " ")
}
