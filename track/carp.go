package track

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// CARP (OpenBSD's carp(4); pfSense and OPNsense) shares IP protocol 112,
// the multicast groups and the virtual MAC 00:00:5e:00:01:vhid with VRRP
// but is another protocol: read as VRRP, a CARP master with advskew 0 is a
// priority-0 release and its counter and HMAC are seven "addresses". The
// tracker follows CARP groups apart from VRRP's, so that no VRRP finding
// (release, master-down, failover, malformed) is ever raised for CARP, and
// raises what fits CARP: two masters at once, and a CARP vhid sharing its
// virtual MAC with a VRRP vrid on one segment.
//
// In CARP only the master advertises, every advbase + advskew/256 s; a
// backup that hears adverts of a higher skew than its own takes over
// (preemption), and demotion raises a router's effective skew. The master
// is the router advertising; of two, the one with the lower demote and
// advskew.

// maxCARPGroups bounds the CARP groups followed.
const maxCARPGroups = 4096

// carpKey names a CARP group: link, VLAN, family and vhid.
type carpKey struct {
	link string
	vlan uint32
	fam  decode.Family
	vhid uint8
}

type carpGroup struct {
	key     carpKey
	exp     GroupKey
	routers []*carpRouter
	master  *carpRouter
	changes int
}

type carpRouter struct {
	addr                     netip.Addr
	mac                      [6]byte
	hasMAC                   bool
	advbase, advskew, demote uint8
	interval                 time.Duration
	first, last              instant
	count                    int64
	counter                  uint64
}

// heard reports whether r advertised within 3 of its intervals of ts.
func (r *carpRouter) heard(ts instant) bool {
	return ts.Sub(r.last) < carpHeard(r.interval)
}

// carpHeard is how long after its last advert a CARP router still counts
// as advertising: 3 of its intervals (a backup takes over after 3 missed
// adverts).
func carpHeard(interval time.Duration) time.Duration {
	return 3 * max(interval, 10*time.Millisecond)
}

// carpAdvert handles one CARP advert.
func (t *Tracker) carpAdvert(ts instant, link string, p *decode.Parser) {
	t.stats.CARP++
	c := &p.CARP
	k := carpKey{link, p.Link.VLANKey(), c.IP.Family, c.VHID}
	g := t.carps[k]
	if g == nil {
		if len(t.carps) >= maxCARPGroups {
			t.stats.DroppedGroups++
			return
		}
		if t.carps == nil {
			t.carps = make(map[carpKey]*carpGroup)
		}
		g = &carpGroup{key: k, exp: GroupKey{Link: link, VLAN: k.vlan, Family: k.fam.String(), VRID: k.vhid, Proto: ProtoCARP}}
		t.carps[k] = g
		t.carpOrder = append(t.carpOrder, g)
	}
	if m := c.Problems & decode.ProblemsDiscarded; m != 0 {
		// carp_input drops it: bad checksum, TTL, VHID 0, impossible source.
		t.raise(ruleMalformed, g.exp, ts, []string{c.IP.Src.String()},
			fmt.Sprintf("%s sent a CARP advert receivers discard: %s", c.IP.Src, m), "",
			map[string]any{"problems": m.IDs()})
		return
	}
	var r *carpRouter
	for _, o := range g.routers {
		if o.addr == c.IP.Src {
			r = o
		}
	}
	if r == nil {
		r = &carpRouter{addr: c.IP.Src, first: ts}
		g.routers = append(g.routers, r)
	}
	r.advbase, r.advskew, r.demote, r.interval = c.AdvBase, c.AdvSkew, c.Demote, c.Interval()
	r.last, r.counter = ts, c.Counter
	r.count++
	if len(p.Link.SrcMAC) == 6 {
		r.mac, r.hasMAC = [6]byte(p.Link.SrcMAC), true
	}

	// Two masters: another router of the vhid advertises too.
	for _, o := range g.routers {
		if o == r || !o.heard(ts) {
			continue
		}
		a, b := o, r
		if b.addr.Less(a.addr) {
			a, b = b, a
		}
		t.raise(ruleCARPSplit, g.exp, ts, []string{a.addr.String(), b.addr.String()},
			fmt.Sprintf("%s (advskew %d, demote %d) and %s (advskew %d, demote %d) both advertise as CARP master of vhid %d",
				a.addr, a.advskew, a.demote, b.addr, b.advskew, b.demote, k.vhid), "",
			map[string]any{"advskew": []int{int(a.advskew), int(b.advskew)}, "demote": []int{int(a.demote), int(b.demote)}})
	}
	m := g.master
	if m == nil || m != r && (!m.heard(ts) || r.demote < m.demote || r.demote == m.demote && r.advskew < m.advskew) {
		if m != nil {
			g.changes++
		}
		g.master = r
	}

	// CARP uses 00:00:5e:00:01:vhid over IPv4 and IPv6 alike, VRRP
	// 00:00:5e:00:01:vrid over IPv4 only.
	if sg := t.segs[segKey{link, k.vlan, decode.IPv4}]; sg != nil && sg.vrid[k.vhid] != nil {
		t.raiseSharedMAC(g, sg.vrid[k.vhid], ts)
	}
}

// sharedMACCheck is called when a VRRP group appears: a CARP group of the
// same number on its segment shares its virtual MAC.
func (t *Tracker) sharedMACCheck(vg *group) {
	if len(t.carps) == 0 || vg.key.fam != decode.IPv4 {
		return
	}
	for _, fam := range []decode.Family{decode.IPv4, decode.IPv6} {
		if g := t.carps[carpKey{vg.key.link, vg.key.vlan, fam, vg.key.vrid}]; g != nil {
			t.raiseSharedMAC(g, vg, t.now)
		}
	}
}

func (t *Tracker) raiseSharedMAC(g *carpGroup, vg *group, ts instant) {
	mac := fmt.Sprintf("00:00:5e:00:01:%02x", g.key.vhid)
	t.raise(ruleCARPVRRPMAC, g.exp, ts, nil,
		fmt.Sprintf("CARP vhid %d and VRRP vrid %d on %s both use the virtual MAC %s", g.key.vhid, vg.key.vrid, vg.exp, mac), "",
		map[string]any{"mac": mac, "vrrp_group": vg.exp.String()})
}

// CARPSnapshot is a CARP group as the tracker sees it.
type CARPSnapshot struct {
	Group   GroupKey             `json:"group"`
	Master  string               `json:"master"`
	Changes int                  `json:"changes"`
	Routers []CARPRouterSnapshot `json:"routers"`
}

// CARPRouterSnapshot is one CARP router.
type CARPRouterSnapshot struct {
	Addr     string        `json:"addr"`
	MAC      string        `json:"mac,omitempty"`
	Master   bool          `json:"master"`
	AdvBase  int           `json:"advbase"`
	AdvSkew  int           `json:"advskew"`
	Demote   int           `json:"demote"`
	Interval time.Duration `json:"interval"`
	Count    int64         `json:"count"`
	First    time.Time     `json:"first"`
	Last     time.Time     `json:"last"`
}

// CARP returns the CARP groups seen, in the order they appeared.
func (t *Tracker) CARP() []CARPSnapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]CARPSnapshot, 0, len(t.carpOrder))
	for _, g := range t.carpOrder {
		s := CARPSnapshot{Group: g.exp, Changes: g.changes}
		if g.master != nil {
			s.Master = g.master.addr.String()
		}
		for _, r := range g.routers {
			rs := CARPRouterSnapshot{Addr: r.addr.String(), Master: r == g.master, AdvBase: int(r.advbase),
				AdvSkew: int(r.advskew), Demote: int(r.demote), Interval: r.interval, Count: r.count,
				First: r.first.Time(), Last: r.last.Time()}
			if r.hasMAC {
				rs.MAC = macString(r.mac)
			}
			s.Routers = append(s.Routers, rs)
		}
		slices.SortStableFunc(s.Routers, func(a, b CARPRouterSnapshot) int { // the master first
			switch {
			case a.Master == b.Master:
				return 0
			case a.Master:
				return -1
			}
			return 1
		})
		out = append(out, s)
	}
	return out
}

// Advertising reports whether r advertised within 3 of its intervals
// before now, the tracker's clock: in CARP only a master advertises.
func (r *CARPRouterSnapshot) Advertising(now time.Time) bool {
	return now.Sub(r.Last) < carpHeard(r.Interval)
}

// MeanInterval is the mean time between r's adverts, first to last (0
// before its second advert).
func (r *CARPRouterSnapshot) MeanInterval() time.Duration {
	if r.Count < 2 {
		return 0
	}
	return r.Last.Sub(r.First) / time.Duration(r.Count-1)
}

// Masters returns the routers of g advertising as master at now, the
// elected one first: one in a healthy group, two or more when they do not
// hear each other (carp-split), none when the group fell silent.
func (g *CARPSnapshot) Masters(now time.Time) []*CARPRouterSnapshot {
	var out []*CARPRouterSnapshot
	for i := range g.Routers {
		if r := &g.Routers[i]; r.Advertising(now) {
			out = append(out, r)
		}
	}
	return out
}

// State is the CARP group's state at now, in the VRRP groups' terms: OK
// with one master advertising, SPLIT-BRAIN with two or more, DOWN when
// none advertised within 3 of its intervals (its last master fell silent
// and no backup took over), INIT before the first advert.
func (g *CARPSnapshot) State(now time.Time) State {
	switch n := len(g.Masters(now)); {
	case len(g.Routers) == 0:
		return StateInit
	case n == 0:
		return StateDown
	case n > 1:
		return StateSplitBrain
	}
	return StateOK
}

// LastAdvert is when any router of g last advertised.
func (g *CARPSnapshot) LastAdvert() time.Time {
	return latest(g.Routers, func(r *CARPRouterSnapshot) time.Time { return r.Last })
}
