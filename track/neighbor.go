package track

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// ARP and neighbour tracking: which MAC claims each virtual address.
//
// A claim is an ARP message whose sender address is the VIP (gratuitous ARP,
// reply or request) or a neighbour advertisement whose target is the VIP;
// its MAC is the ARP sender / NA target link-layer address, else the frame's
// source MAC. Claims are kept for the addresses routers advertise, and for
// up to maxVIPEntries other addresses (so claims sent just before a master's
// first advert still count).
//
// vip-arp-conflict: the claiming MAC changes while the previous claimer's
// router is still heard (or, for a MAC no router uses, claimed within the
// last 60 s), and the change is not explained by the new claimer having
// become master within the last 2 s, nor by the new claimer being the master
// just preempted (within the preemption grace of the election rules: it
// still holds the address and answers the new master's GARP). A takeover's
// GARP is explained; a split brain's alternating GARPs are not.
//
// stale-garp: a gratuitous claim from the MAC of a router that is no longer
// heard or has resigned, while another router of the group is master.
//
// garp-missing: a master that took over while the tracker watched did not
// claim any of its addresses from its own (or the virtual) MAC between one
// advert interval plus GARPGrace before and GARPGrace after its first advert
// (FRR vrrpd announces when it takes over, and sends its first IPv6 advert
// one interval later).

const (
	claimExplainWindow = 2 * time.Second
	foreignClaimWindow = 60 * time.Second
)

// registerVIPs makes sure claims for r's addresses are remembered.
func (t *Tracker) registerVIPs(g *group, r *router) {
	for _, a := range r.vips {
		k := vipKey{g.key.link, g.key.vlan, a}
		if _, ok := t.vips[k]; !ok {
			t.vips[k] = nil
		}
	}
}

// vipsOf lists g's addresses (all routers'), in first-seen order.
func (t *Tracker) vipsOf(g *group) []vipKey {
	var out []vipKey
	for _, r := range g.routers {
		for _, a := range r.vips {
			k := vipKey{g.key.link, g.key.vlan, a}
			dup := false
			for _, o := range out {
				dup = dup || o == k
			}
			if !dup {
				out = append(out, k)
			}
		}
	}
	return out
}

func (t *Tracker) arp(ts instant, link string, p *decode.Parser) {
	a := &p.ARP
	if !a.SenderIP.IsValid() || a.SenderIP.IsUnspecified() {
		return
	}
	mac := a.SenderMAC
	if len(mac) != 6 {
		mac = p.Link.SrcMAC
	}
	if len(mac) != 6 {
		return
	}
	t.claim(ts, link, p.Link.VLANKey(), decode.IPv4, a.SenderIP, [6]byte(mac), a.Gratuitous())
}

func (t *Tracker) neighbor(ts instant, link string, p *decode.Parser) {
	n := &p.Neighbor
	if n.Type != decode.ICMPv6NeighborAdvertisement || !n.Target.IsValid() {
		return
	}
	mac := n.LLAddr
	if len(mac) != 6 {
		mac = p.Link.SrcMAC
	}
	if len(mac) != 6 {
		return
	}
	t.claim(ts, link, p.Link.VLANKey(), decode.IPv6, n.Target, [6]byte(mac), !n.Solicited)
}

// claim records that mac claimed addr.
func (t *Tracker) claim(ts instant, link string, vlan uint32, fam decode.Family, addr netip.Addr, mac [6]byte, grat bool) {
	k := vipKey{link, vlan, addr}
	o, known := t.vips[k]
	if !known && len(t.vips) >= maxVIPEntries {
		return
	}
	if o == nil {
		o = &vipOwner{mac: mac, first: ts}
		t.vips[k] = o
	}
	if o.mac != mac {
		o.prevMAC, o.prevLast, o.hasPrev = o.mac, o.last, true
		o.mac, o.first, o.count, o.grat = mac, ts, 0, 0
		t.claimChanged(ts, k, fam, o)
	}
	o.last = ts
	o.count++
	if grat {
		o.grat++
		t.staleClaim(ts, k, fam, mac)
	}
}

// routersFor returns the groups on the VIP's link whose routers advertise
// addr, and the router using mac in them (if any).
func (t *Tracker) routerByMAC(k vipKey, fam decode.Family, mac [6]byte) (*group, *router) {
	var fg *group
	for _, g := range t.list {
		if g.key.link != k.link || g.key.vlan != k.vlan || g.key.fam != fam {
			continue
		}
		for _, r := range g.routers {
			if !hasAddr(r.vips, k.addr) {
				continue
			}
			if fg == nil {
				fg = g
			}
			if r.hasMAC && r.mac == mac {
				return g, r
			}
		}
		if fg != nil && virtualMAC(mac) && mac[5] == g.key.vrid && g.master != nil {
			return g, g.master
		}
	}
	return fg, nil
}

func hasAddr(as []netip.Addr, a netip.Addr) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

func (t *Tracker) claimChanged(ts instant, k vipKey, fam decode.Family, o *vipOwner) {
	g, nr := t.routerByMAC(k, fam, o.mac)
	_, or := t.routerByMAC(k, fam, o.prevMAC)
	if g == nil {
		return // not a virtual address
	}
	if nr != nil && nr == g.master && nr.heard(ts) && ts.Sub(nr.tenure) <= claimExplainWindow {
		return // a takeover's announcement
	}
	if nr != nil && or != nil && or == g.master && nr.tenure.Before(or.tenure) && ts.Sub(or.tenure) <= preemptGrace(nr) {
		return // the preempted master answers before it drops the address, as its last advert
	}
	prevActive := ts.Sub(o.prevLast) <= foreignClaimWindow
	if or != nil {
		prevActive = or.heard(ts)
	}
	if !prevActive {
		return
	}
	var routers []string
	for _, r := range []*router{or, nr} {
		if r != nil {
			routers = append(routers, r.addr.String())
		}
	}
	slices.Sort(routers)
	macs := []string{macString(o.prevMAC), macString(o.mac)}
	t.raise(ruleVIPARPConflict, g.exp, ts, routers,
		fmt.Sprintf("%s is claimed by two MACs: %s, then %s", k.addr, macs[0], macs[1]), "",
		map[string]any{"vip": k.addr.String(), "macs": macs})
}

// staleClaim raises stale-garp for a gratuitous claim from a router that is
// no longer master.
func (t *Tracker) staleClaim(ts instant, k vipKey, fam decode.Family, mac [6]byte) {
	g, r := t.routerByMAC(k, fam, mac)
	if g == nil || r == nil || g.master == nil || r == g.master || virtualMAC(mac) {
		return
	}
	if r.heard(ts) || !g.master.heard(ts) {
		return
	}
	t.raise(ruleStaleGARP, g.exp, ts, []string{r.addr.String(), g.master.addr.String()},
		fmt.Sprintf("%s (%s) announces %s although %s is master", r.addr, macString(mac), k.addr, g.master.addr), "",
		map[string]any{"vip": k.addr.String(), "mac": macString(mac)})
}

// checkGARP raises garp-missing when r claimed none of its addresses, on
// a capture that carries ARP/NDP (see blind.go).
func (t *Tracker) checkGARP(g *group, r *router) {
	if len(r.vips) == 0 || g.master != r || !t.carriesNeighbor(g, r) {
		return
	}
	since := r.tenure.Add(-t.opts.GARPGrace - r.interval)
	for _, a := range r.vips {
		o := t.vips[vipKey{g.key.link, g.key.vlan, a}]
		if o == nil {
			continue
		}
		if (r.hasMAC && o.mac == r.mac || virtualMAC(o.mac)) && !o.last.Before(since) {
			return
		}
	}
	t.raiseGARPMissing(g, r, r.vips, g.garpDue)
}

// raiseGARPMissing raises garp-missing for new master r of g, due at due.
func (t *Tracker) raiseGARPMissing(g *group, r *router, vips []netip.Addr, due instant) {
	kind := "gratuitous ARP"
	if g.key.fam == decode.IPv6 {
		kind = "unsolicited neighbour advertisement"
	}
	t.raise(ruleGARPMissing, g.exp, due, []string{r.addr.String()},
		fmt.Sprintf("new master %s sent no %s for %s within %s of taking over", r.addr, kind, joinAddrs(vips), t.opts.GARPGrace), "",
		map[string]any{"vips": addrStrings(vips...), "grace_s": secs(t.opts.GARPGrace)})
}

// unreachable raises peer-unreachable for ICMP protocol unreachable quoting
// an advert.
func (t *Tracker) unreachable(ts instant, link string, p *decode.Parser) {
	u := &p.Unreachable
	key := GroupKey{Link: link, VLAN: p.Link.VLANKey(), Family: decode.IPv4.String()}
	for _, g := range t.list {
		if g.key.link == link && g.find(u.QuotedSrc) != nil {
			key = g.exp
			break
		}
	}
	t.raise(rulePeerUnreachable, key, ts, []string{u.From.String(), u.QuotedSrc.String()},
		fmt.Sprintf("%s answers %s's adverts with ICMP protocol unreachable: no VRRP daemon listens on %s", u.From, u.QuotedSrc, u.From), "",
		map[string]any{"from": u.From.String(), "advert_src": u.QuotedSrc.String(), "advert_dst": u.QuotedDst.String()})
}
