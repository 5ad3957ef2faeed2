package report

import (
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/track"
)

// Bounds on a Recorder's memory. Past them the report says what it left out.
const (
	// MaxSamples is how many advert times are kept (8 bytes each: 32 MB).
	// A router whose adverts came after the bound is drawn from its runs
	// (adverts of one priority without a gap), which are always kept.
	MaxSamples = 4 << 20
	// maxRuns bounds the runs kept over all routers (a run is 40 bytes).
	maxRuns = 1 << 20
	// maxClaims bounds the gratuitous ARPs / unsolicited NAs kept.
	maxClaims = 1 << 18
	// maxEvents bounds the failover, split-brain and master-down findings
	// kept as they were raised.
	maxEvents = 1 << 16
	// maxGaps bounds the capture gaps kept per link.
	maxGaps = 1 << 12
	// minGap is the shortest silence of a whole link that may be a capture
	// gap; the link's own intervals raise it (see Recorder.gaps).
	minGap = 2 * time.Second
)

// Recorder keeps, from the frames and findings of one vrrpdump run, what the
// report draws. Its methods may be called from several goroutines.
type Recorder struct {
	mu      sync.Mutex
	groups  map[groupID]*group
	list    []*group
	claims  []claim
	events  []track.Finding
	links   map[string]*linkSeen
	first   time.Time
	last    time.Time
	samples int
	runs    int
	// Dropped counts what the bounds left out.
	dropped Dropped
}

// Dropped counts what a Recorder's bounds left out of the report.
type Dropped struct {
	Samples int64 // advert times (those routers are drawn from runs)
	Runs    int64 // runs of adverts (their adverts are not drawn)
	Claims  int64
	Events  int64
	Gaps    int64
}

type groupID struct {
	link string
	vlan uint32
	fam  decode.Family
	vrid uint8
}

type group struct {
	key     track.GroupKey
	id      groupID
	routers []*router
}

type router struct {
	addr     netip.Addr
	mac      [6]byte
	hasMAC   bool
	interval time.Duration
	times    []int64 // advert times, Unix ns, while complete
	partial  bool    // times stopped at MaxSamples: draw from runs
	runs     []run
	releases []int64 // priority-0 adverts
	count    int64
}

// run is a stretch of adverts from one router with one priority, each less
// than three of its intervals after the previous one (the tracker's
// "heard"): while it lasts the router advertises as master.
type run struct {
	start, end int64 // Unix ns
	n          int64
	prio       uint8
	interval   time.Duration
}

// claim is a gratuitous ARP or unsolicited NA.
type claim struct {
	t    int64
	link string
	vlan uint32
	addr netip.Addr
	mac  [6]byte
	na   bool
}

type linkSeen struct {
	last    int64
	maxIntv time.Duration
	gaps    [][2]int64
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{groups: make(map[groupID]*group), links: make(map[string]*linkSeen)}
}

// Frame takes one decoded frame as the tracker's Observe does: its capture
// time, the link it came from, and what p.Decode returned.
func (r *Recorder) Frame(ts time.Time, link string, p *decode.Parser, kind decode.Kind, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := ts.UnixNano()
	if r.first.IsZero() || ts.Before(r.first) {
		r.first = ts
	}
	if ts.After(r.last) {
		r.last = ts
	}
	l := r.links[link]
	if l == nil {
		l = &linkSeen{last: t}
		r.links[link] = l
	}
	if t-l.last >= int64(minGap) {
		if len(l.gaps) < maxGaps {
			l.gaps = append(l.gaps, [2]int64{l.last, t})
		} else {
			r.dropped.Gaps++
		}
	}
	if t > l.last {
		l.last = t
	}
	switch kind {
	case decode.KindVRRP:
		if err == nil && p.VRRP.Type == decode.TypeAdvertisement {
			r.advert(t, link, p, l)
		}
	case decode.KindARP:
		a := &p.ARP
		if a.Gratuitous() && a.SenderIP.IsValid() && !a.SenderIP.IsUnspecified() {
			r.claim(t, link, p, a.SenderIP, a.SenderMAC, false)
		}
	case decode.KindNeighbor:
		n := &p.Neighbor
		if n.Type == decode.ICMPv6NeighborAdvertisement && !n.Solicited && n.Target.IsValid() {
			r.claim(t, link, p, n.Target, n.LLAddr, true)
		}
	}
}

func (r *Recorder) claim(t int64, link string, p *decode.Parser, addr netip.Addr, mac []byte, na bool) {
	if len(mac) != 6 {
		mac = p.Link.SrcMAC
	}
	if len(mac) != 6 {
		return
	}
	if len(r.claims) >= maxClaims {
		r.dropped.Claims++
		return
	}
	r.claims = append(r.claims, claim{t: t, link: link, vlan: p.Link.VLANKey(), addr: addr, mac: [6]byte(mac), na: na})
}

func (r *Recorder) advert(t int64, link string, p *decode.Parser, l *linkSeen) {
	v := &p.VRRP
	id := groupID{link, p.Link.VLANKey(), v.IP.Family, v.VRID}
	g := r.groups[id]
	if g == nil {
		g = &group{id: id, key: track.GroupKey{Link: link, VLAN: id.vlan, Family: id.fam.String(), VRID: id.vrid}}
		r.groups[id] = g
		r.list = append(r.list, g)
	}
	var rt *router
	for _, o := range g.routers {
		if o.addr == v.IP.Src {
			rt = o
			break
		}
	}
	if rt == nil {
		rt = &router{addr: v.IP.Src}
		g.routers = append(g.routers, rt)
	}
	if len(p.Link.SrcMAC) == 6 {
		rt.mac, rt.hasMAC = [6]byte(p.Link.SrcMAC), true
	}
	rt.count++
	if iv := v.Interval(); iv > 0 {
		rt.interval = iv
		l.maxIntv = max(l.maxIntv, iv)
	}
	if v.Priority == 0 {
		rt.releases = append(rt.releases, t)
		return // a release ends the run: the router stops being master
	}
	if !rt.partial {
		if r.samples < MaxSamples {
			rt.times = append(rt.times, t)
			r.samples++
		} else {
			rt.partial = true
			r.dropped.Samples += int64(len(rt.times)) + 1
			r.samples -= len(rt.times)
			rt.times = nil
		}
	} else {
		r.dropped.Samples++
	}
	iv := rt.interval
	if iv <= 0 {
		iv = time.Second
	}
	if n := len(rt.runs); n > 0 {
		last := &rt.runs[n-1]
		released := len(rt.releases) > 0 && rt.releases[len(rt.releases)-1] > last.end
		if last.prio == v.Priority && !released && t-last.end < int64(3*iv) {
			last.end = t
			last.n++
			return
		}
	}
	if r.runs >= maxRuns {
		r.dropped.Runs++
		return
	}
	r.runs++
	rt.runs = append(rt.runs, run{start: t, end: t, n: 1, prio: v.Priority, interval: iv})
}

// Finding takes a finding as the tracker raises it (Tracker.OnFinding): the
// failovers, split-brain episodes and master-down events are drawn at the
// moment they were raised (Finding.Last).
func (r *Recorder) Finding(f track.Finding) {
	if f.Phase == track.PhaseClose { // drawn from its opening
		return
	}
	switch f.ID {
	case "failover", "split-brain", "master-down", "late-advert":
	default:
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) >= maxEvents {
		r.dropped.Events++
		return
	}
	r.events = append(r.events, f)
}

// period is a router's stretch as master: runs of non-zero priority, each
// starting less than three intervals after the previous one ended.
type period struct {
	start, end int64
	n          int64
	runs       []run
}

func (rt *router) periods() []period {
	var out []period
	for _, ru := range rt.runs {
		if n := len(out); n > 0 {
			p := &out[n-1]
			released := false
			for _, rel := range rt.releases {
				if rel > p.end && rel < ru.start {
					released = true
					break
				}
			}
			if !released && ru.start-p.end < int64(3*ru.interval) {
				p.end = max(p.end, ru.end)
				p.n += ru.n
				p.runs = append(p.runs, ru)
				continue
			}
		}
		out = append(out, period{start: ru.start, end: ru.end, n: ru.n, runs: []run{ru}})
	}
	return out
}

// snapshot copies what Write needs under the lock.
type recorded struct {
	groups  []*group
	claims  []claim
	events  []track.Finding
	links   map[string]linkSeen
	first   time.Time
	last    time.Time
	dropped Dropped
}

func (r *Recorder) snapshot() recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := recorded{groups: slices.Clone(r.list), claims: slices.Clone(r.claims), events: slices.Clone(r.events),
		links: make(map[string]linkSeen, len(r.links)), first: r.first, last: r.last, dropped: r.dropped}
	for k, v := range r.links {
		out.links[k] = linkSeen{last: v.last, maxIntv: v.maxIntv, gaps: slices.Clone(v.gaps)}
	}
	return out
}
