package doctor

import (
	"fmt"
	"net/netip"
	"strings"
)

// Direction is the way a VRRP packet crosses the host's firewall.
type Direction uint8

// Directions: In is the input hook, Out the output hook.
const (
	In Direction = iota
	Out
)

func (d Direction) String() string {
	if d == In {
		return "inbound"
	}
	return "outbound"
}

// Probe is one VRRP packet the firewall checks ask about: IP protocol 112
// on Iface, from Src to Dst. An invalid Src or Dst is unknown: rules that
// match on it count as "maybe".
type Probe struct {
	Dir      Direction
	Iface    string
	Src, Dst netip.Addr
}

func (p Probe) v6() bool { return p.Dst.Is6() && !p.Dst.Is4In6() }

func (p Probe) String() string {
	src, dst := "any", "any"
	if p.Src.IsValid() {
		src = p.Src.String()
	}
	if p.Dst.IsValid() {
		dst = p.Dst.String()
	}
	dev := "in " + p.Iface
	if p.Dir == Out {
		dev = "out " + p.Iface
	}
	return fmt.Sprintf("VRRP %s %s -> %s", dev, src, dst)
}

// tri is a three-valued match result.
type tri uint8

const (
	no tri = iota
	yes
	maybe
)

func and(a, b tri) tri {
	if a == no || b == no {
		return no
	}
	if a == maybe || b == maybe {
		return maybe
	}
	return yes
}

func not(a tri) tri {
	switch a {
	case yes:
		return no
	case no:
		return yes
	}
	return maybe
}

// Verdict is what a ruleset does with a probe.
type Verdict struct {
	Accepted bool
	// Rule is the rule (or chain policy) that decided, as the tool prints
	// it; Where says where it is (backend, table, chain, position).
	Rule, Where string
	// Fix is the command that lets the packet through (set when dropped).
	Fix string
	// Uncertain lists rules whose matches the checks cannot evaluate and
	// that could have decided otherwise.
	Uncertain []string
}

// Decides formats the deciding rule for evidence.
func (v Verdict) Decides() string {
	w := "accepted"
	if !v.Accepted {
		w = "dropped"
	}
	return fmt.Sprintf("%s by %s: %s", w, v.Where, v.Rule)
}

// Ruleset is one firewall backend that filters packets.
type Ruleset interface {
	// Name says which backend ("iptables-nft", "nftables", ...).
	Name() string
	// Evaluate says what the ruleset does with a probe; ok is false when
	// the ruleset has no chain on the probe's hook (it does not filter).
	Evaluate(p Probe) (v Verdict, ok bool)
}

// ifaceMatch compares an interface name with an iptables (+) or nft (*)
// wildcard pattern.
func ifaceMatch(pat, name string) bool {
	if strings.HasSuffix(pat, "+") || strings.HasSuffix(pat, "*") {
		return strings.HasPrefix(name, pat[:len(pat)-1])
	}
	return pat == name
}

// addrMatch matches an address against a prefix or address string.
func addrMatch(spec string, a netip.Addr) tri {
	if !a.IsValid() {
		return maybe
	}
	if p, err := netip.ParsePrefix(spec); err == nil {
		if p.Contains(a) {
			return yes
		}
		return no
	}
	if b, err := netip.ParseAddr(spec); err == nil {
		if b == a {
			return yes
		}
		return no
	}
	return maybe
}

// ctStates says whether a conntrack state list matches a VRRP packet.
// VRRP has no replies (multicast, or unicast from the master only), so
// conntrack sees every advert as NEW.
func ctStates(list []string) tri {
	for _, s := range list {
		if strings.EqualFold(s, "NEW") {
			return yes
		}
	}
	return no
}

func isVRRPProto(s string) tri {
	switch strings.ToLower(s) {
	case "vrrp", "112", "carp":
		return yes
	case "all", "0":
		return yes
	}
	return no
}
