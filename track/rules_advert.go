package track

import (
	"fmt"
	"math/bits"
	"net/netip"
	"strings"

	"github.com/vrrpkit/vrrpkit/decode"
)

// malformedProblems are the decode problems that make receivers discard an
// advert (decode.ProblemsDiscarded: the RFC receive rules and the kernel's
// IP checks) and have no finding of their own. Truncation (a capture's snap
// length) and keepalived's HMAC trailer are not the sender's fault.
var malformedProblems = decode.ProblemsDiscarded &^
	(decode.ProblemBadChecksum | decode.ProblemBadTTL | decode.ProblemChecksumFlavour)

// steadyProblems are the problems an advert may have and still take the
// steady path: a deviation whose finding repeated bumps.
const steadyProblems = decode.ProblemChecksumFlavour

// undecodable raises malformed for an advert that did not decode.
func (t *Tracker) undecodable(ts instant, link string, p *decode.Parser, err error) {
	t.stats.Undecodable++
	fam := p.VRRP.IP.Family
	key := GroupKey{Link: link, VLAN: p.Link.VLANKey(), Family: fam.String()}
	var routers []string
	if p.VRRP.IP.Src.IsValid() {
		routers = []string{p.VRRP.IP.Src.String()}
	}
	t.raise(ruleMalformed, key, ts, routers, "undecodable VRRP packet: "+err.Error(), "",
		map[string]any{"error": err.Error()})
}

// advert handles one decoded advert. For a known router with an unchanged
// configuration it does not allocate.
func (t *Tracker) advert(ts instant, link string, p *decode.Parser) {
	t.stats.Adverts++
	v := &p.VRRP
	g := t.group(groupKey{link: link, vlan: p.Link.VLANKey(), fam: v.Family, vrid: v.VRID})
	if g == nil {
		return
	}
	r := g.find(v.IP.Src)
	if r != nil && !t.noSteady && v.Problems&^steadyProblems == 0 &&
		t.steady(g, r, ts, v.IP.TTL, v.IP.Dst, p.Link.SrcMAC, v.Contents) {
		t.heardG, t.heardR = g, r
		return
	}
	isNew := r == nil
	if isNew {
		r = t.addRouter(g, v.IP.Src, ts)
	}
	r.problems = v.Problems
	if v.Problems != 0 {
		t.problemFindings(g, r, v, ts)
	}
	if v.Problems.Has(decode.ProblemUnknownType) || v.Problems.Has(decode.ProblemZeroInterval) {
		return // not an advert any receiver would act on
	}

	// Link layer: one source address from two MACs.
	if len(p.Link.SrcMAC) == 6 {
		mac := [6]byte(p.Link.SrcMAC)
		if r.hasMAC && mac != r.mac && ts.Sub(r.last) < r.mdi(r.prio) {
			old := r.mac
			t.routerRaise(ruleDuplicateSource, g, r, ts, func() (string, map[string]any) {
				return fmt.Sprintf("%s advertises from two MACs, %s and %s", r.addr, macString(old), macString(mac)),
					map[string]any{"macs": []string{macString(old), macString(mac)}}
			})
		}
		r.mac, r.hasMAC = mac, true
	}

	// Inter-advert gap, before the router's state moves on.
	prevLast, hadPrev, wasResigned := r.last, r.hasPrev, r.resigned
	gap := ts.Sub(prevLast)
	interval := v.Interval()
	changed := isNew
	if r.version != v.Version || r.adverInt != v.AdverInt {
		r.version, r.adverInt, r.interval = v.Version, v.AdverInt, interval
		changed = true
	}
	if v.Version == decode.V2 && r.setAuth(v.AuthType, v.AuthData) {
		changed = true
	}
	if r.setVIPs(v.Addrs) {
		changed = true
		t.registerVIPs(g, r)
	}
	if v.ChecksumStatus == decode.ChecksumGood && r.flavour != v.Flavour {
		r.flavour = v.Flavour
		changed = true
	}
	if (v.Priority == 255) != (r.prio == 255) {
		changed = true
	}
	if changed || r.prio != v.Priority {
		t.cfgGen++
	}
	if changed {
		r.changed = ts
	}
	r.prio = v.Priority
	r.ttl = v.IP.TTL
	r.dst, r.unicast = v.IP.Dst, !v.IP.Dst.IsMulticast()
	r.count++
	r.last = ts
	r.hasPrev = true
	r.recent.add(&r.recentBuf, ts, v.Priority)
	if hadPrev && !wasResigned && v.Priority != 0 && gap < 3*interval+interval {
		r.gaps.add(gap)
	}

	if v.Version == decode.V2 && v.AuthType == decode.AuthSimple {
		t.routerRaise(ruleAuthPlaintext, g, r, ts, func() (string, map[string]any) {
			pw := "(hidden; fingerprint " + r.authFP + ")"
			if t.opts.ShowAuth {
				pw = fmt.Sprintf("%q", authText(r.authData))
			}
			return fmt.Sprintf("%s sends a simple-text password in clear: %s", r.addr, pw),
				map[string]any{"auth_fingerprint": r.authFP}
		})
	}
	if !v.IP.Dst.IsMulticast() {
		t.routerRaise(ruleUnicast, g, r, ts, func() (string, map[string]any) {
			return fmt.Sprintf("%s sends unicast adverts to %s instead of the VRRP multicast group", r.addr, v.IP.Dst),
				map[string]any{"dst": v.IP.Dst.String()}
		})
	}
	if v.Version == decode.V3 && v.Family == decode.IPv4 && v.ChecksumStatus == decode.ChecksumGood &&
		v.Flavour == decode.FlavourMessageOnly {
		t.routerRaise(ruleChecksumV2Style, g, r, ts, func() (string, map[string]any) {
			return fmt.Sprintf("%s checksums its VRRPv3 IPv4 adverts without the pseudo-header (v2 style)", r.addr),
				map[string]any{"flavour": v.Flavour.String()}
		})
	}
	if changed {
		t.checkConfig(g, r, ts)
	}
	t.elect(g, r, ts, gap, hadPrev, wasResigned)
	r.remember(v)
	r.repeating = 0
	for i, ru := range repeatRules {
		if catalog[ru].repeats(r, g.key.fam) {
			r.repeating |= 1 << i
		}
	}
	t.heardG, t.heardR = g, r
}

// remember keeps the advert's bytes for steady: only a problem-free
// advert of a short message qualifies.
func (r *router) remember(v *decode.VRRP) {
	r.seq++
	r.rawLen = -1
	if v.Problems&^steadyProblems == 0 && len(v.Contents) <= len(r.raw) {
		r.rawLen = int8(copy(r.raw[:], v.Contents))
	}
}

// steady handles the advert that nearly all traffic is: the current,
// unchallenged master repeating its previous advert byte for byte (msg is
// the whole IP payload), on time, with the same TTL, destination and MAC.
// Such an advert decodes exactly as the previous one did, and nothing
// about the group can change but the clock and the counters, so it
// updates those and skips the rules; it returns false (doing nothing) for
// anything else, which takes the full path.
func (t *Tracker) steady(g *group, r *router, ts instant, ttl uint8, dst netip.Addr, mac, msg []byte) bool {
	if r.rawLen < 0 || ttl != r.ttl || dst != r.dst || string(msg) != string(r.raw[:r.rawLen]) {
		return false
	}
	if len(mac) == 6 {
		if !r.hasMAC || [6]byte(mac) != r.mac {
			return false
		}
	} else if r.hasMAC {
		return false
	}
	return t.repeated(g, r, ts)
}

// repeated is steady for an advert known to repeat r's previous one (the
// bytes compared by the caller): it checks that r is the group's steady
// master and that the advert is on time, and then counts it.
func (t *Tracker) repeated(g *group, r *router, ts instant) bool {
	gap := ts.Sub(r.last)
	if g.master != r || r.rawLen < 0 || !r.hasPrev || r.resigned || g.down || g.splitIdx != 0 ||
		!g.resignedAt.IsZero() || gap < 0 || gap >= 5*r.interval/2 {
		return false
	}
	if len(g.routers) > 1 { // else r, the master, is the only one
		for _, o := range g.routers {
			if o != r && o.heard(ts) {
				return false // the election rules must look at it
			}
		}
	}
	// The findings that every such advert repeats, as advert raises them
	// (the catalog's repeats, which advert evaluated for the router's
	// previous advert, byte for byte this one: r.repeating).
	for m := r.repeating; m != 0; m &= m - 1 {
		if r.raised[repeatRules[bits.TrailingZeros8(m)]] == 0 {
			return false // not raised yet (or dropped): the full path tries
		}
	}
	// What advert and elect do for this advert, and nothing else.
	for m := r.repeating; m != 0; m &= m - 1 {
		t.bump(r.raised[repeatRules[bits.TrailingZeros8(m)]]-1, ts)
	}
	r.count++
	r.last = ts
	r.recent.add(&r.recentBuf, ts, r.prio)
	if gap < 4*r.interval {
		r.gaps.add(gap)
	}
	g.lastAdvert = ts
	t.schedule(ts.Add(t.downInterval(g)))
	return true
}

// addRouter adds a router to g, forgetting the longest silent one when full.
func (t *Tracker) addRouter(g *group, a netip.Addr, ts instant) *router {
	t.cfgGen++
	r := &router{addr: a, first: ts, rawLen: -1}
	if len(g.routers) >= maxRouters {
		oldest := -1 // never the master: it would stay master, forgotten
		for i, o := range g.routers {
			if o != g.master && (oldest < 0 || o.last.Before(g.routers[oldest].last)) {
				oldest = i
			}
		}
		g.routers = append(g.routers[:oldest], g.routers[oldest+1:]...)
	}
	g.routers = append(g.routers, r)
	return r
}

// problemFindings turns an advert's decode problems into findings.
func (t *Tracker) problemFindings(g *group, r *router, v *decode.VRRP, ts instant) {
	if v.Problems.Has(decode.ProblemBadChecksum) {
		t.routerRaise(ruleBadChecksum, g, r, ts, func() (string, map[string]any) {
			return fmt.Sprintf("%s sent an advert with checksum 0x%04x that matches no flavour", r.addr, v.Checksum),
				map[string]any{"checksum": fmt.Sprintf("0x%04x", v.Checksum)}
		})
	}
	if v.Problems.Has(decode.ProblemBadTTL) {
		t.routerRaise(ruleBadTTL, g, r, ts, func() (string, map[string]any) {
			return fmt.Sprintf("%s sent a multicast advert with TTL %d (must be 255): receivers discard it", r.addr, v.IP.TTL),
				map[string]any{"ttl": int(v.IP.TTL)}
		})
	}
	if v.Problems.Has(decode.ProblemIPv6FirstAddr) {
		t.routerRaise(ruleIPv6FirstAddr, g, r, ts, func() (string, map[string]any) {
			return fmt.Sprintf("%s lists %s first, not a link-local address (RFC 5798 5.2.9)", r.addr, v.Addrs[0]),
				map[string]any{"first_addr": v.Addrs[0].String()}
		})
	}
	if m := v.Problems & malformedProblems; m != 0 {
		t.routerRaise(ruleMalformed, g, r, ts, func() (string, map[string]any) {
			var why []string
			m.Each(func(q decode.Problems) { why = append(why, q.ID()+": "+q.Reason()) })
			return fmt.Sprintf("%s sent an advert receivers discard: %s", r.addr, strings.Join(why, "; ")),
				map[string]any{"problems": m.IDs()}
		})
	}
}
