package doctor

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// IPTables is the filter table of one iptables-save dump (legacy or nft
// backend, IPv4 or IPv6).
type IPTables struct {
	Backend string // "iptables-legacy", "iptables-nft", "ip6tables-nft", ...
	V6      bool
	Chains  map[string]*iptChain
}

type iptChain struct {
	Name   string
	Policy string // "-" for user chains
	Rules  []*iptRule
}

type iptRule struct {
	Text    string // the -A line as saved
	Num     int    // 1-based position in the chain
	matches []func(p Probe) tri
	target  string
	isGoto  bool
	unknown []string // options the evaluator does not understand
}

// ParseIPTablesSave reads the filter table of iptables-save output.
func ParseIPTablesSave(backend string, v6 bool, b []byte) (*IPTables, error) {
	t := &IPTables{Backend: backend, V6: v6, Chains: map[string]*iptChain{}}
	table := ""
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "*"):
			table = line[1:]
		case table != "filter":
		case strings.HasPrefix(line, ":"):
			f := strings.Fields(line[1:])
			if len(f) >= 2 {
				t.Chains[f[0]] = &iptChain{Name: f[0], Policy: f[1]}
			}
		case strings.HasPrefix(line, "-A "):
			r, chain, err := parseIPTRule(line)
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %w", backend, i+1, err)
			}
			c := t.Chains[chain]
			if c == nil {
				c = &iptChain{Name: chain, Policy: "-"}
				t.Chains[chain] = c
			}
			r.Num = len(c.Rules) + 1
			c.Rules = append(c.Rules, r)
		}
	}
	return t, nil
}

// shellWords splits an iptables-save line, honouring double quotes.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	in, has := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && in && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			in, has = !in, true
		case (c == ' ' || c == '\t') && !in:
			if has || cur.Len() > 0 {
				out = append(out, cur.String())
			}
			cur.Reset()
			has = false
		default:
			cur.WriteByte(c)
		}
	}
	if has || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func parseIPTRule(line string) (*iptRule, string, error) {
	w := shellWords(line)
	if len(w) < 2 {
		return nil, "", fmt.Errorf("rule without chain: %q", line)
	}
	r := &iptRule{Text: line}
	chain := w[1]
	neg := false
	next := func(i *int) string {
		if *i+1 < len(w) {
			*i++
			return w[*i]
		}
		return ""
	}
	add := func(m func(Probe) tri) {
		if neg {
			r.matches = append(r.matches, func(p Probe) tri { return not(m(p)) })
		} else {
			r.matches = append(r.matches, m)
		}
		neg = false
	}
	for i := 2; i < len(w); i++ {
		switch o := w[i]; o {
		case "!":
			neg = true
		case "-p", "--protocol":
			v := next(&i)
			add(func(Probe) tri { return isVRRPProto(v) })
		case "-s", "--source", "-d", "--destination":
			specs := strings.Split(next(&i), ",")
			src := o == "-s" || o == "--source"
			add(func(p Probe) tri {
				a := p.Dst
				if src {
					a = p.Src
				}
				res := no
				for _, s := range specs {
					if m := addrMatch(s, a); m == yes {
						return yes
					} else if m == maybe {
						res = maybe
					}
				}
				return res
			})
		case "-i", "--in-interface", "-o", "--out-interface":
			v := next(&i)
			dir := In
			if o == "-o" || o == "--out-interface" {
				dir = Out
			}
			add(func(p Probe) tri {
				if p.Dir != dir {
					return yes // not valid in this hook; iptables refuses it
				}
				if ifaceMatch(v, p.Iface) {
					return yes
				}
				return no
			})
		case "-m", "--match":
			next(&i) // the module; its options follow
		case "--ctstate", "--state":
			states := strings.Split(next(&i), ",")
			add(func(Probe) tri { return ctStates(states) })
		case "--pkt-type":
			v := strings.ToLower(next(&i))
			add(func(p Probe) tri {
				if !p.Dst.IsValid() {
					return maybe
				}
				if (v == "multicast") == p.Dst.IsMulticast() && v != "broadcast" {
					return yes
				}
				return no
			})
		case "--dst-type":
			v := strings.ToUpper(next(&i))
			add(func(p Probe) tri {
				switch {
				case !p.Dst.IsValid():
					return maybe
				case v == "MULTICAST":
					if p.Dst.IsMulticast() {
						return yes
					}
					return no
				case v == "LOCAL" && p.Dir == In && !p.Dst.IsMulticast():
					return yes
				case v == "UNICAST":
					if p.Dst.IsMulticast() {
						return no
					}
					return yes
				}
				return maybe
			})
		case "--comment":
			next(&i)
		case "-j", "--jump":
			r.target = next(&i)
			// target options follow (--reject-with, --log-prefix, ...)
			for i+1 < len(w) {
				i++
			}
		case "-g", "--goto":
			r.target, r.isGoto = next(&i), true
		case "-f", "--fragment":
			add(func(Probe) tri { return no })
		default:
			// An option we do not evaluate: the rule may or may not match.
			u := o
			for i+1 < len(w) && !strings.HasPrefix(w[i+1], "-") && w[i+1] != "!" {
				u += " " + next(&i)
			}
			r.unknown = append(r.unknown, u)
			add(func(Probe) tri { return maybe })
		}
	}
	return r, chain, nil
}

func (r *iptRule) match(p Probe) tri {
	m := yes
	for _, f := range r.matches {
		m = and(m, f(p))
		if m == no {
			return no
		}
	}
	return m
}

// Name is the backend.
func (t *IPTables) Name() string { return t.Backend }

func (t *IPTables) cmd() string {
	if t.V6 {
		return "ip6tables"
	}
	return "iptables"
}

// Evaluate walks INPUT or OUTPUT of the filter table.
func (t *IPTables) Evaluate(p Probe) (Verdict, bool) {
	if p.v6() != t.V6 {
		return Verdict{}, false
	}
	name := "INPUT"
	if p.Dir == Out {
		name = "OUTPUT"
	}
	c := t.Chains[name]
	if c == nil {
		return Verdict{}, false
	}
	var v Verdict
	decided, ok := t.walk(c, p, &v, 0)
	if !decided {
		v.Accepted = c.Policy != "DROP"
		v.Rule = "policy " + c.Policy
		v.Where = fmt.Sprintf("%s filter %s", t.Backend, name)
		if !v.Accepted {
			v.Fix = t.fixCmd("-A", name, 0, p)
		}
	}
	_ = ok
	return v, true
}

// walk evaluates a chain; it reports whether a rule decided.
func (t *IPTables) walk(c *iptChain, p Probe, v *Verdict, depth int) (bool, bool) {
	if depth > 32 {
		return false, false
	}
	for _, r := range c.Rules {
		m := r.match(p)
		if m == no {
			continue
		}
		where := fmt.Sprintf("%s filter %s rule %d", t.Backend, c.Name, r.Num)
		switch r.target {
		case "ACCEPT", "DROP", "REJECT":
			if m == maybe {
				v.Uncertain = append(v.Uncertain, where+": "+r.Text+" (cannot evaluate: "+strings.Join(r.unknown, "; ")+")")
				continue
			}
			v.Accepted = r.target == "ACCEPT"
			v.Rule, v.Where = r.Text, where
			if !v.Accepted {
				v.Fix = t.fixCmd("-I", c.Name, r.Num, p)
			}
			return true, true
		case "RETURN":
			if m == yes {
				return false, true
			}
		case "":
			// counting rule
		default:
			sub := t.Chains[r.target]
			if sub == nil {
				continue // LOG, NFLOG, MARK, CT, ...: non-terminating targets
			}
			var sv Verdict
			decided, _ := t.walk(sub, p, &sv, depth+1)
			if m == maybe {
				if decided {
					v.Uncertain = append(v.Uncertain, where+": "+r.Text+" (cannot evaluate: "+strings.Join(r.unknown, "; ")+") leads to "+sv.Decides())
				}
				continue
			}
			v.Uncertain = append(v.Uncertain, sv.Uncertain...)
			if decided {
				v.Accepted, v.Rule, v.Where, v.Fix = sv.Accepted, sv.Rule, sv.Where, sv.Fix
				return true, true
			}
			if r.isGoto {
				return false, true
			}
		}
	}
	return false, true
}

// fixCmd builds the iptables command that accepts the probe before rule n
// of chain (or appends to it when n is 0).
func (t *IPTables) fixCmd(op, chain string, n int, p Probe) string {
	var b strings.Builder
	b.WriteString(t.cmd() + " " + op + " " + chain)
	if n > 0 {
		b.WriteString(" " + strconv.Itoa(n))
	}
	if p.Dir == In {
		b.WriteString(" -i " + p.Iface)
	} else {
		b.WriteString(" -o " + p.Iface)
	}
	b.WriteString(" -p vrrp")
	if p.Src.IsValid() && p.Dir == In {
		b.WriteString(" -s " + p.Src.String())
	}
	if p.Dst.IsValid() && (p.Dir == Out || p.Dst.IsMulticast()) {
		b.WriteString(" -d " + p.Dst.String())
	}
	b.WriteString(" -j ACCEPT")
	return b.String()
}

var _ = netip.Addr{}
