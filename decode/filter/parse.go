package filter

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// ErrUnsupported marks an expression that is valid for tcpdump but uses
// a part of the language this compiler does not cover (ports, names,
// arithmetic); a caller may then ask tcpdump to compile it.
var ErrUnsupported = errors.New("not covered by vrrpkit's filter compiler")

// SyntaxError is an expression this compiler cannot read, with where.
type SyntaxError struct {
	Expr string
	Pos  int // byte offset of the token at fault
	Msg  string
	Err  error // ErrUnsupported, or nil for a plain syntax error
}

func (e *SyntaxError) Error() string {
	near := e.Expr[min(e.Pos, len(e.Expr)):]
	if near == "" {
		near = "end of expression"
	} else {
		near = fmt.Sprintf("%q", near)
	}
	return fmt.Sprintf("filter %q: %s (at %s)", e.Expr, e.Msg, near)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Expr is a parsed filter expression.
type Expr interface {
	gen(c *compiler, t, f int)
}

type andExpr struct{ a, b Expr }
type orExpr struct{ a, b Expr }
type notExpr struct{ a Expr }

// And is an expression true when both a and b are.
func And(a, b Expr) Expr { return andExpr{a, b} }

// Or is an expression true when a or b is.
func Or(a, b Expr) Expr { return orExpr{a, b} }

// Not is an expression true when a is not.
func Not(a Expr) Expr { return notExpr{a} }

// Parse reads a tcpdump filter expression (pcap-filter(7)). Covered:
//
//	host/net/src/dst [host|net] ADDR   IPv4 (also ARP/RARP, as tcpdump) or IPv6, net as CIDR, "mask M" or a dotted prefix
//	ip, ip6, arp, rarp + host/net/src/dst ADDR
//	ether host/src/dst MAC
//	ip, ip6, arp, rarp, vrrp, carp, ah, icmp, icmp6, igmp, tcp, udp
//	proto N, ip proto N, ip6 proto N, ether proto N (N a number or name)
//	vlan, vlan N (any of the frame's tags; does not shift what follows)
//	PROTO[OFF], PROTO[OFF:SIZE] with an optional "& MASK", compared with = == != < <= > >=, for ether, ip, ip6, arp, icmp, icmp6, vrrp
//	and && or || not ! ( ), and tcpdump's abbreviations ("host a or b")
//
// As in tcpdump, "and" and "or" have equal precedence and group from the
// left; "not" binds tightest. Ports, host names and arithmetic are not
// covered: such an expression fails with an error wrapping ErrUnsupported.
func Parse(expr string) (Expr, error) {
	p := &parser{src: expr}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if len(p.toks) == 0 {
		return nil, p.errAt(0, "empty expression", nil)
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		if what, ok := unsupportedWords[p.peek()]; ok {
			return nil, p.errAt(p.pos(), what+" is not covered (VRRP, ARP and NDP have no ports)", ErrUnsupported)
		}
		return nil, p.errAt(p.pos(), "unexpected "+strconv.Quote(p.peek()), nil)
	}
	return e, nil
}

type token struct {
	s   string
	pos int
}

type qual struct {
	proto string // "", ether, ip, ip6, arp, rarp
	dir   string // "", src, dst, "src or dst", "src and dst"
	typ   string // "", host, net
}

type parser struct {
	src  string
	toks []token
	i    int
	last *qual // the qualifiers of the latest primitive, for "host a or b"
}

func (p *parser) errAt(pos int, msg string, err error) error {
	return &SyntaxError{Expr: p.src, Pos: pos, Msg: msg, Err: err}
}

func (p *parser) lex() error {
	depth := 0
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||") || strings.HasPrefix(s[i:], "==") ||
			strings.HasPrefix(s[i:], "!=") || strings.HasPrefix(s[i:], "<=") || strings.HasPrefix(s[i:], ">="):
			p.toks = append(p.toks, token{s[i : i+2], i})
			i += 2
		case strings.IndexByte("()!&|=<>[]+-*/%^", c) >= 0 || (c == ':' && depth > 0):
			if c == '[' {
				depth++
			} else if c == ']' {
				depth--
			}
			p.toks = append(p.toks, token{s[i : i+1], i})
			i++
		case isWordByte(c) || (c == ':' && depth == 0):
			j := i
			for j < len(s) && (isWordByte(s[j]) || (s[j] == ':' && depth == 0)) {
				j++
			}
			p.toks = append(p.toks, token{s[i:j], i})
			i = j
		default:
			return p.errAt(i, fmt.Sprintf("unexpected character %q", c), nil)
		}
	}
	return nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '/' || c == '\\'
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i].s
	}
	return ""
}

func (p *parser) pos() int {
	if p.i < len(p.toks) {
		return p.toks[p.i].pos
	}
	return len(p.src)
}

func (p *parser) next() token {
	t := token{"", len(p.src)}
	if p.i < len(p.toks) {
		t = p.toks[p.i]
		p.i++
	}
	return t
}

// expr: term { (and|or) term }, left to right, equal precedence.
func (p *parser) expr() (Expr, error) {
	e, err := p.term()
	if err != nil {
		return nil, err
	}
	for {
		op := p.peek()
		switch op {
		case "and", "&&", "or", "||":
		default:
			return e, nil
		}
		p.next()
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		if op == "and" || op == "&&" {
			e = andExpr{e, r}
		} else {
			e = orExpr{e, r}
		}
	}
}

func (p *parser) term() (Expr, error) {
	switch p.peek() {
	case "not", "!":
		p.next()
		e, err := p.term()
		if err != nil {
			return nil, err
		}
		return notExpr{e}, nil
	case "(":
		open := p.pos()
		p.next()
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, p.errAt(open, "unbalanced parenthesis: a ( is not closed", nil)
		}
		p.next()
		return e, nil
	case "":
		return nil, p.errAt(p.pos(), "expression ends where a primitive was expected", nil)
	case ")", "and", "or", "&&", "||":
		return nil, p.errAt(p.pos(), "a primitive was expected", nil)
	}
	return p.primitive()
}

var protoNames = map[string]uint32{"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "ah": 51, "icmp6": 58, "vrrp": 112, "carp": 112}

var etherNames = map[string]uint32{"ip": 0x0800, "ip6": 0x86dd, "arp": 0x0806, "rarp": 0x8035}

// unsupportedWords are tcpdump keywords this compiler leaves to tcpdump.
var unsupportedWords = map[string]string{
	"port": "ports", "portrange": "port ranges", "gateway": "gateway", "broadcast": "broadcast", "multicast": "multicast",
	"less": "less", "greater": "greater", "len": "len", "inbound": "inbound", "outbound": "outbound", "ifname": "ifname",
	"mpls": "mpls", "pppoed": "pppoed", "pppoes": "pppoes", "geneve": "geneve", "sctp": "sctp", "pim": "pim",
	"decnet": "decnet", "iso": "iso", "atalk": "atalk", "ipx": "ipx", "stp": "stp", "wlan": "wlan", "llc": "llc",
	"fddi": "fddi", "tr": "tr", "link": "link", "ppp": "ppp", "slip": "slip", "radio": "radio", "type": "type",
	"subtype": "subtype", "dir": "dir", "on": "on", "rnr": "rnr", "rulenum": "rulenum", "reason": "reason",
	"rset": "rset", "srnr": "srnr", "subrulenum": "subrulenum", "action": "action", "protochain": "protochain",
}

func (p *parser) primitive() (Expr, error) {
	start := p.pos()
	w := p.peek()
	if what, ok := unsupportedWords[w]; ok {
		return nil, p.errAt(start, what+" is not covered (VRRP, ARP and NDP have no ports)", ErrUnsupported)
	}
	if p.i+1 < len(p.toks) && p.toks[p.i+1].s == "[" {
		return p.relation()
	}
	switch w {
	case "vlan":
		p.next()
		if n, ok := parseNum(p.peek()); ok {
			p.next()
			if n > 4095 {
				return nil, p.errAt(start, fmt.Sprintf("VLAN id %d is out of range 0..4095", n), nil)
			}
			return vlanExpr(int(n)), nil
		}
		return vlanExpr(-1), nil
	case "proto":
		p.next()
		return p.protoNum("")
	case "vrrp", "carp", "igmp":
		p.next()
		return ipProto(true, false, protoNames[w]), nil
	case "icmp":
		p.next()
		return ipProto(true, false, 1), nil
	case "icmp6":
		p.next()
		return ipProto(false, true, 58), nil
	case "ah", "tcp", "udp":
		p.next()
		return ipProto(true, true, protoNames[w]), nil
	}
	var q qual
	explicit := false
	if _, ok := etherNames[w]; ok || w == "ether" {
		q.proto = w
		explicit = true
		p.next()
		switch p.peek() {
		case "proto":
			p.next()
			return p.protoNum(q.proto)
		case "src", "dst", "host", "net":
		default:
			if q.proto == "ether" {
				return nil, p.errAt(p.pos(), "ether needs host, src, dst or proto", nil)
			}
			return etherType(etherNames[q.proto]), nil
		}
	}
	if d := p.peek(); d == "src" || d == "dst" {
		q.dir = d
		explicit = true
		p.next()
		if o := p.peek(); (o == "or" || o == "and") && p.i+1 < len(p.toks) && p.toks[p.i+1].s == map[string]string{"src": "dst", "dst": "src"}[d] {
			q.dir = "src " + o + " dst"
			p.i += 2
		}
	}
	if t := p.peek(); t == "host" || t == "net" {
		q.typ = t
		explicit = true
		p.next()
	}
	if !explicit {
		if p.last == nil {
			q = qual{typ: "host"}
		} else {
			q = *p.last
		}
	}
	id := p.next()
	if id.s == "" || !isWordByte(id.s[0]) && id.s[0] != ':' {
		return nil, p.errAt(id.pos, "an address was expected", nil)
	}
	e, err := p.addr(q, id)
	if err != nil {
		return nil, err
	}
	p.last = &q
	return e, nil
}

func (p *parser) protoNum(family string) (Expr, error) {
	t := p.next()
	t.s = strings.TrimPrefix(t.s, "\\") // tcpdump's escaped names: proto \icmp
	n, ok := parseNum(t.s)
	if !ok {
		if n2, ok2 := protoNames[t.s]; ok2 && family != "ether" {
			n, ok = n2, true
		} else if n2, ok2 := etherNames[t.s]; ok2 && family == "ether" {
			n, ok = n2, true
		}
	}
	if !ok {
		return nil, p.errAt(t.pos, "a protocol number or name was expected", nil)
	}
	switch family {
	case "ether":
		if n > 0xffff {
			return nil, p.errAt(t.pos, "an EtherType is at most 0xffff", nil)
		}
		return etherType(n), nil
	case "ip":
		return ipProto(true, false, n), nil
	case "ip6":
		return ipProto(false, true, n), nil
	case "":
		return ipProto(true, true, n), nil
	}
	return nil, p.errAt(t.pos, family+" has no proto", nil)
}

func parseNum(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 0, 32)
	return uint32(n), err == nil
}

// addr is a host or net primitive with its qualifiers.
func (p *parser) addr(q qual, id token) (Expr, error) {
	if mac, err := net.ParseMAC(id.s); err == nil && len(mac) == 6 && strings.ContainsAny(id.s, ":-") {
		if q.proto != "ether" || q.typ == "net" {
			return nil, p.errAt(id.pos, "a MAC address goes with ether host, ether src or ether dst (as in tcpdump)", nil)
		}
		return etherAddr(q.dir, mac), nil
	}
	if q.proto == "ether" {
		return nil, p.errAt(id.pos, "not a MAC address (aa:bb:cc:dd:ee:ff)", nil)
	}
	pfx, err := p.prefix(q, id)
	if err != nil {
		return nil, err
	}
	if pfx.Addr().Is6() {
		switch q.proto {
		case "", "ip6":
			return ipAddr(6, q.dir, pfx), nil
		}
		return nil, p.errAt(id.pos, q.proto+" with an IPv6 address: use ip6 or no qualifier", nil)
	}
	switch q.proto {
	case "ip":
		return ipAddr(4, q.dir, pfx), nil
	case "arp", "rarp":
		return arpAddr(etherNames[q.proto], q.dir, pfx), nil
	case "ip6":
		return nil, p.errAt(id.pos, "ip6 with an IPv4 address: use ip or no qualifier", nil)
	}
	// As tcpdump: an IPv4 host or net is also ARP's and RARP's.
	return Or(Or(ipAddr(4, q.dir, pfx), arpAddr(0x0806, q.dir, pfx)), arpAddr(0x8035, q.dir, pfx)), nil
}

func (p *parser) prefix(q qual, id token) (netip.Prefix, error) {
	if q.typ != "net" {
		a, err := netip.ParseAddr(id.s)
		if err != nil {
			if strings.Contains(id.s, "/") {
				return netip.Prefix{}, p.errAt(id.pos, "a prefix goes with net: net "+id.s, nil)
			}
			return netip.Prefix{}, p.errAt(id.pos, "not an IP address: host names are not resolved (give the address)", nil)
		}
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	s := id.s
	if p.peek() == "mask" {
		p.next()
		m := p.next()
		a, err1 := netip.ParseAddr(s)
		ma, err2 := netip.ParseAddr(m.s)
		if err1 != nil || err2 != nil || !a.Is4() || !ma.Is4() {
			return netip.Prefix{}, p.errAt(id.pos, "net ADDR mask MASK takes two IPv4 addresses", nil)
		}
		ones, bits := net.IPMask(ma.AsSlice()).Size()
		if bits == 0 {
			return netip.Prefix{}, p.errAt(m.pos, "a mask of contiguous ones was expected", nil)
		}
		s = fmt.Sprintf("%s/%d", a, ones)
	}
	if !strings.Contains(s, "/") {
		if a, err := netip.ParseAddr(s); err == nil {
			s = fmt.Sprintf("%s/%d", a, a.BitLen())
		} else if parts := strings.Split(s, "."); len(parts) < 4 {
			// tcpdump: "net 192.0.2" is 192.0.2.0/24, "net 10" 10.0.0.0/8.
			bits := 8 * len(parts)
			for len(parts) < 4 {
				parts = append(parts, "0")
			}
			s = fmt.Sprintf("%s/%d", strings.Join(parts, "."), bits)
		}
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, p.errAt(id.pos, "not a network (192.0.2.0/24, 192.0.2, 2001:db8::/32, or ADDR mask MASK)", nil)
	}
	if pfx.Masked() != pfx {
		return netip.Prefix{}, p.errAt(id.pos, fmt.Sprintf("non-network bits set in %s (tcpdump refuses it too): use %s", id.s, pfx.Masked()), nil)
	}
	return pfx, nil
}

// relation: PROTO[OFF(:SIZE)?] (& MASK)? OP VALUE
func (p *parser) relation() (Expr, error) {
	base := p.next()
	switch base.s {
	case "ether", "ip", "ip6", "arp", "icmp", "icmp6", "vrrp":
	default:
		return nil, p.errAt(base.pos, base.s+"[...] is not covered", ErrUnsupported)
	}
	p.next() // [
	offTok := p.next()
	off, ok := parseNum(offTok.s)
	if !ok {
		return nil, p.errAt(offTok.pos, "a number offset was expected (arithmetic is not covered)", ErrUnsupported)
	}
	size := uint32(1)
	if p.peek() == ":" {
		p.next()
		st := p.next()
		if n, ok := parseNum(st.s); ok && (n == 1 || n == 2 || n == 4) {
			size = n
		} else {
			return nil, p.errAt(st.pos, "the size of a load is 1, 2 or 4", nil)
		}
	}
	if t := p.next(); t.s != "]" {
		return nil, p.errAt(t.pos, "] was expected (arithmetic is not covered)", ErrUnsupported)
	}
	var mask uint32
	if p.peek() == "&" {
		p.next()
		mt := p.next()
		m, ok := parseNum(mt.s)
		if !ok {
			return nil, p.errAt(mt.pos, "a number mask was expected", ErrUnsupported)
		}
		mask = m
	}
	opTok := p.next()
	op, ok := relOps[opTok.s]
	if !ok {
		return nil, p.errAt(opTok.pos, "a comparison (=, !=, <, <=, >, >=) was expected (arithmetic is not covered)", ErrUnsupported)
	}
	vt := p.next()
	v, ok := parseNum(vt.s)
	if !ok {
		return nil, p.errAt(vt.pos, "a number was expected", ErrUnsupported)
	}
	if o := p.peek(); o != "" && o != ")" && o != "and" && o != "or" && o != "&&" && o != "||" {
		return nil, p.errAt(p.pos(), "arithmetic is not covered", ErrUnsupported)
	}
	return relExpr(base.s, off, size, mask, op, v), nil
}
