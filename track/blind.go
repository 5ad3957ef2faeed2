package track

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/vrrpkit/vrrpkit/decode"
)

// A capture filtered to VRRP ("vrrp" or "ip proto 112") holds no ARP or
// NDP, so it cannot show whether a new master announced its addresses:
// garp-missing would claim more than the capture can back. The tracker
// judges it only on a link and family whose capture has carried ARP
// (IPv4) or NDP (IPv6). A check due before the first such frame waits,
// and is raised, as of its time, when one comes; if none ever does,
// Notes says what could not be judged. vip-arp-conflict and stale-garp
// need ARP/NDP frames to be raised at all.

// linkFam is a link and an address family.
type linkFam struct {
	link string
	fam  decode.Family
}

// garpCheck is a garp-missing check waiting for the capture to show it
// carries ARP/NDP: a new master and the addresses it did not announce.
type garpCheck struct {
	g    *group
	r    *router
	vips []netip.Addr
	due  instant
}

// sawNeighbor records that link's capture carries ARP or NDP for fam, and
// runs the checks that waited for it.
func (t *Tracker) sawNeighbor(link string, fam decode.Family) {
	lf := linkFam{link, fam}
	if t.neighSeen[lf] {
		return
	}
	if t.neighSeen == nil {
		t.neighSeen = make(map[linkFam]bool)
	}
	t.neighSeen[lf] = true
	for _, c := range t.garpWait[lf] {
		t.raiseGARPMissing(c.g, c.r, c.vips, c.due)
	}
	delete(t.garpWait, lf)
}

// carriesNeighbor reports whether link's capture has shown ARP (IPv4) or
// NDP (IPv6) so far; when not, it keeps the check for sawNeighbor.
func (t *Tracker) carriesNeighbor(g *group, r *router) bool {
	lf := linkFam{g.key.link, g.key.fam}
	if t.neighSeen[lf] {
		return true
	}
	if t.garpWait == nil {
		t.garpWait = make(map[linkFam][]garpCheck)
	}
	t.garpWait[lf] = append(t.garpWait[lf], garpCheck{g, r, slices.Clone(r.vips), g.garpDue})
	return false
}

// Notes says what the capture could not show: for each link and family
// with groups but not one ARP (IPv4) or NDP (IPv6) frame, that the
// findings needing them were not judged. Empty when there is nothing to
// say.
func (t *Tracker) Notes() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	seen := map[linkFam]bool{}
	for _, g := range t.list {
		lf := linkFam{g.key.link, g.key.fam}
		if seen[lf] || t.neighSeen[lf] {
			continue
		}
		seen[lf] = true
		what, tool := "ARP", "arp"
		if lf.fam == decode.IPv6 {
			what, tool = "NDP (neighbour advertisements)", "icmp6"
		}
		n := ""
		if w := len(t.garpWait[lf]); w > 0 {
			n = fmt.Sprintf(" (%d takeover%s not judged)", w, map[bool]string{true: "s"}[w > 1])
		}
		out = append(out, fmt.Sprintf("%s %s: the capture holds no %s (filtered to VRRP? capture with "+
			"\"vrrp or %s\" or without a filter): garp-missing%s, vip-arp-conflict and stale-garp cannot be judged",
			lf.link, lf.fam, what, tool, n))
	}
	return out
}
