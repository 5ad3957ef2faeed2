package track

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Options tune a Tracker. The zero value is ready to use.
type Options struct {
	// ShowAuth keeps VRRPv2 simple-text passwords in snapshots and messages;
	// without it only a fingerprint is shown.
	ShowAuth bool
	// GARPGrace is how long after a new master's first advert its
	// gratuitous ARPs / unsolicited NAs may come (default 1 s). Claims up to
	// one advert interval plus GARPGrace before the first advert count too.
	GARPGrace time.Duration
	// MaxGroups bounds the groups tracked (default 4096); adverts of further
	// groups are counted in Stats.DroppedGroups and otherwise ignored.
	MaxGroups int
}

// Bounds on the tracker's memory.
const (
	defaultMaxGroups = 4096
	maxFindings      = 10000 // distinct (id, group, routers); repeats coalesce
	maxVIPEntries    = 4096  // addresses whose ARP / NA claims are remembered
	// reemitAfter: how long an event counts as active (EventWindow).
	reemitAfter = 5 * time.Minute
)

// Tracker follows VRRP groups and raises findings. Every method may be
// called from any goroutine: calls are serialised by a lock, so several
// capture loops (one per interface) may feed one tracker, and a screen or an
// exporter may read Snapshot and Findings meanwhile. OnFinding, if set, is
// called (outside the tracker's lock, on the goroutine that called Observe,
// Tick or End) for each new finding at the moment it is raised, with a copy.
type Tracker struct {
	OnFinding func(Finding)

	opts Options

	mu       sync.Mutex
	now      instant
	start    instant
	nextDue  instant
	segs     map[segKey]*segment
	list     []*group
	findings []finding
	index    map[string]int32 // finding key → index
	emit     []emission       // findings to deliver after unlocking
	// incidents: every incident opened, in order (incident.go); sweep:
	// findings with an open incident that sweep re-checks.
	incidents []incident
	sweepList []int32
	nextSweep instant
	vips      map[vipKey]*vipOwner
	stats     Stats
	// lastSeg caches the segment of the previous advert: most captures
	// carry one link, VLAN and family, so a group is found by indexing.
	lastSeg *segment
	// noSteady turns the steady-advert shortcut off (tests compare).
	noSteady bool
	// heardG and heardR are where advert last put an advert that steady
	// may repeat (see stream).
	heardG *group
	heardR *router
	// cfgGen counts changes of any router's priority, interval, version or
	// addresses, and routers coming and going: caches derived from them
	// are valid while it stays the same.
	cfgGen uint64
	// neighSeen: links and families whose capture carried ARP/NDP;
	// garpWait: garp-missing checks waiting for one (blind.go).
	neighSeen map[linkFam]bool
	garpWait  map[linkFam][]garpCheck
	// carps are the CARP groups (carp.go), carpOrder as they appeared.
	carps     map[carpKey]*carpGroup
	carpOrder []*carpGroup
	// gaps are windows the capture saw nothing or dropped frames (health.go).
	gaps []gap
}

// Stats counts what the tracker has seen.
type Stats struct {
	Adverts       int64 `json:"adverts"`
	Undecodable   int64 `json:"undecodable"`
	ARP           int64 `json:"arp"`
	Neighbor      int64 `json:"neighbor"`
	Unreachable   int64 `json:"unreachable"`
	CARP          int64 `json:"carp"`
	DroppedGroups int64 `json:"dropped_groups"`
	DroppedFinds  int64 `json:"dropped_findings"`
}

// vipKey names a virtual address on a link.
type vipKey struct {
	link string
	vlan uint32
	addr netip.Addr
}

// New returns a Tracker.
func New(opts Options) *Tracker {
	if opts.GARPGrace <= 0 {
		opts.GARPGrace = time.Second
	}
	if opts.MaxGroups <= 0 {
		opts.MaxGroups = defaultMaxGroups
	}
	return &Tracker{
		opts:  opts,
		segs:  make(map[segKey]*segment),
		index: make(map[string]int32),
		vips:  make(map[vipKey]*vipOwner),
	}
}

// Observe feeds one decoded frame: ts is its capture time, link the
// interface (or file) it came from, kind and err what p.Decode returned. The
// tracker copies what it keeps from p. Time never goes backwards: an older
// ts than one seen before is treated as the latest time. A stream of frames
// (a file, an interface) goes through Read instead, which takes the fastest
// path the consumer allows.
func (t *Tracker) Observe(when time.Time, link string, p *decode.Parser, kind decode.Kind, err error) {
	t.mu.Lock()
	t.observe(at(when), link, p, kind, err)
	t.unlockAndDeliver()
}

// stream is the tracker's side of one link's decode.Repeats: for each flow
// the Repeats numbered, the group and router its adverts go to, and
// whether the router still holds the flow's last advert. Read makes one per
// source read with Options.Tag.
type stream struct {
	link  string
	flows []flowRef
}

type flowRef struct {
	g   *group
	r   *router
	seq uint32 // r.seq when r remembered the flow's last advert
}

// observeTagged tracks a run of frames of s's link, tagged in order by one
// decode.Repeats, under one lock. A frame that repeats its flow's previous
// advert while that flow's router is its group's steady master — nearly
// all VRRP traffic — is counted from its tag alone, without decoding it or
// reading data[i]; any other frame is decoded with p and observed as
// Observe would. The outcome is the same as decoding every frame and
// calling Observe (TestObserveTaggedAgrees, FuzzSteadyPath, TestReadAgrees).
// OnFinding is called after the last frame.
func (t *Tracker) observeTagged(s *stream, tags []decode.Tag, data [][]byte, p *decode.Parser) {
	t.mu.Lock()
	for i := range tags {
		tg := &tags[i]
		if tg.Repeat && !t.noSteady && t.repeat(s, tg) {
			continue
		}
		kind, err := p.Decode(data[i])
		t.step(s, tg, p, kind, err)
	}
	t.unlockAndDeliver()
}

// step observes a tagged frame p decoded as kind and err on the full path,
// and records where it put the frame's flow.
func (t *Tracker) step(s *stream, tg *decode.Tag, p *decode.Parser, kind decode.Kind, err error) {
	t.heardG, t.heardR = nil, nil
	t.observe(instant(tg.Time), s.link, p, kind, err)
	if tg.Flow >= 0 {
		s.heard(tg.Flow, t.heardG, t.heardR)
	}
}

// heard records where the full path put flow f's advert (r nil: nowhere).
// Whether r may repeat it (it kept the advert's bytes) is repeated's check.
func (s *stream) heard(f int32, g *group, r *router) {
	for int(f) >= len(s.flows) {
		s.flows = append(s.flows, flowRef{})
	}
	if r == nil {
		s.flows[f] = flowRef{}
		return
	}
	s.flows[f] = flowRef{g, r, r.seq}
}

// repeat is the steady path for a frame tagged as a repeat: its flow's
// router holds the flow's previous advert (same seq), so the frame equals
// what that router last advertised in every byte steady compares. A flow
// may still point to a router its group forgot (addRouter); such a router
// is never its group's master again, so repeated declines it.
func (t *Tracker) repeat(s *stream, tg *decode.Tag) bool {
	if int(tg.Flow) >= len(s.flows) {
		return false
	}
	fl := &s.flows[tg.Flow]
	r := fl.r
	if r == nil || r.seq != fl.seq {
		return false
	}
	// Time as observe moves it; repeated changes nothing when it declines.
	ts := instant(tg.Time)
	if ts.Before(t.now) {
		ts = t.now
	}
	if !t.nextDue.IsZero() && !ts.Before(t.nextDue) {
		return false // timers are due: the full path runs them first
	}
	if !t.repeated(fl.g, r, ts) {
		return false
	}
	t.now = ts
	t.stats.Adverts++
	return true
}

func (t *Tracker) observe(when instant, link string, p *decode.Parser, kind decode.Kind, err error) {
	ts := t.advance(when)
	switch kind {
	case decode.KindVRRP:
		if err != nil {
			t.undecodable(ts, link, p, err)
		} else {
			t.advert(ts, link, p)
		}
	case decode.KindARP:
		t.stats.ARP++
		t.sawNeighbor(link, decode.IPv4)
		t.arp(ts, link, p)
	case decode.KindNeighbor:
		t.stats.Neighbor++
		t.sawNeighbor(link, decode.IPv6)
		t.neighbor(ts, link, p)
	case decode.KindUnreachable:
		t.stats.Unreachable++
		t.unreachable(ts, link, p)
	case decode.KindCARP:
		t.carpAdvert(ts, link, p)
	}
}

// Tick advances time to now without a packet, so that silence is noticed on
// a quiet live wire (master-down, pending GARP checks). A live driver calls
// it every 100 ms or so with the wall clock.
func (t *Tracker) Tick(now time.Time) {
	t.mu.Lock()
	t.advance(at(now))
	t.unlockAndDeliver()
}

// End closes an offline analysis at ts (the last frame's time): timers due
// by then fire. Checks that would need time after ts (a GARP grace window
// still open) are dropped.
func (t *Tracker) End(ts time.Time) {
	t.mu.Lock()
	t.advance(at(ts))
	for _, g := range t.list {
		g.garpFor = nil
	}
	t.unlockAndDeliver()
}

// advance moves the clock and fires due timers; it returns the time to use.
func (t *Tracker) advance(ts instant) instant {
	if t.start.IsZero() {
		t.start = ts
	}
	if ts.After(t.now) {
		t.now = ts
	}
	if !t.nextDue.IsZero() && !t.now.Before(t.nextDue) {
		t.timers(t.now)
	}
	return t.now
}

func (t *Tracker) unlockAndDeliver() {
	if len(t.emit) == 0 || t.OnFinding == nil {
		t.emit = t.emit[:0]
		t.mu.Unlock()
		return
	}
	out := make([]Finding, len(t.emit))
	for i, e := range t.emit {
		out[i] = t.delivered(e)
	}
	t.emit = t.emit[:0]
	fn := t.OnFinding
	t.mu.Unlock()
	for _, f := range out {
		fn(f)
	}
}

// schedule makes sure timers run at or before at.
func (t *Tracker) schedule(at instant) {
	if t.nextDue.IsZero() || at.Before(t.nextDue) {
		t.nextDue = at
	}
}

// Findings returns a copy of every finding so far, oldest first; a state
// finding carries its latest incident (Phase "open" while it holds).
func (t *Tracker) Findings() []Finding {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Finding, len(t.findings))
	for i := range t.findings {
		f := &t.findings[i]
		out[i] = f.clone()
		if f.incident > 0 { // the latest incident
			in := &t.incidents[f.incident-1]
			out[i].Incident, out[i].Start, out[i].Phase = int(f.incident), in.start.Time(), PhaseOpen
			if !f.open {
				out[i].Phase, out[i].End, out[i].Resolution = PhaseClose, in.end.Time(), in.resolution
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if c := a.First.Compare(b.First); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Snapshot returns a deep copy of every group, ordered by link, VLAN,
// family and VRID. It is safe to hand to another goroutine.
func (t *Tracker) Snapshot() []GroupSnapshot { return t.snapshot(true) }

// Overview is Snapshot without the routers' Recent timelines: what a
// table of many groups needs, for a fraction of the copying (and of the
// time the tracker stays locked). Group gives one group in full.
func (t *Tracker) Overview() []GroupSnapshot { return t.snapshot(false) }

// Group returns one group's full snapshot.
func (t *Tracker) Group(k GroupKey) (GroupSnapshot, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, g := range t.list {
		if g.exp == k {
			return t.snapshotGroup(g, true), true
		}
	}
	return GroupSnapshot{}, false
}

func (t *Tracker) snapshot(recent bool) []GroupSnapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]GroupSnapshot, 0, len(t.list))
	for _, g := range t.list {
		out = append(out, t.snapshotGroup(g, recent))
	}
	slices.SortFunc(out, func(a, b GroupSnapshot) int {
		return cmp.Or(cmp.Compare(a.Key.Link, b.Key.Link), cmp.Compare(a.Key.VLAN, b.Key.VLAN),
			cmp.Compare(a.Key.Family, b.Key.Family), cmp.Compare(a.Key.VRID, b.Key.VRID))
	})
	return out
}

// Stats returns the counters.
func (t *Tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stats
}

// Now is the tracker's clock: the latest time it was given.
func (t *Tracker) Now() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.now.Time()
}

// raise records a finding (or coalesces it with an earlier one with the same
// id, group and routers) and queues it for OnFinding. It returns the index.
func (t *Tracker) raise(r rule, g GroupKey, ts instant, routers []string, msg, cause string, ev map[string]any) int32 {
	f := finding{Finding: Finding{ID: catalog[r].ID, Severity: catalog[r].Severity, Group: g, Routers: routers,
		Count: 1, Message: msg, Cause: cause, Hint: catalog[r].Hint, Evidence: ev}, first: ts, last: ts,
		inc: catalog[r].Kind == KindState}
	if f.Routers == nil {
		f.Routers = []string{}
	}
	k := f.key()
	if idx, ok := t.index[k]; ok {
		old := &t.findings[idx]
		old.Count++
		old.last = ts
		old.Message, old.Cause, old.Evidence = msg, cause, ev
		switch {
		case old.inc && !old.open:
			t.openIncident(idx, ts)
		case catalog[r].Kind == KindEvent:
			t.emit = append(t.emit, emission{idx: idx})
		}
		return idx
	}
	if len(t.findings) >= maxFindings {
		t.stats.DroppedFinds++
		return -1
	}
	idx := int32(len(t.findings))
	t.findings = append(t.findings, f)
	t.index[k] = idx
	if f.inc {
		t.openIncident(idx, ts)
	} else {
		t.emit = append(t.emit, emission{idx: idx})
	}
	return idx
}

// bump updates a finding already raised (index idx) without allocating.
func (t *Tracker) bump(idx int32, ts instant) {
	if idx < 0 || int(idx) >= len(t.findings) {
		return
	}
	f := &t.findings[idx]
	if f.inc && !f.open {
		t.openIncident(idx, ts)
	}
	f.Count++
	if ts.After(f.last) {
		f.last = ts
	}
}

// routerRaise raises a finding about one router only once, then bumps it:
// the hot path for per-advert findings (auth-plaintext, unicast, ...).
func (t *Tracker) routerRaise(ru rule, g *group, r *router, ts instant, build func() (msg string, ev map[string]any)) {
	if i := r.raised[ru]; i != 0 {
		t.bump(i-1, ts)
		return
	}
	msg, ev := build()
	if idx := t.raise(ru, g.exp, ts, []string{r.addr.String()}, msg, "", ev); idx >= 0 {
		r.raised[ru] = idx + 1
	}
}

// group returns the group for key, creating it; nil when over MaxGroups.
func (t *Tracker) group(key groupKey) *group {
	sg := t.segment(segKey{key.link, key.vlan, key.fam})
	if g := sg.vrid[key.vrid]; g != nil {
		return g
	}
	if len(t.list) >= t.opts.MaxGroups {
		t.stats.DroppedGroups++
		return nil
	}
	g := &group{key: key, exp: exportKey(key)}
	sg.vrid[key.vrid] = g
	t.list = append(t.list, g)
	t.sharedMACCheck(g)
	return g
}

// segment returns the segment of k, creating it.
func (t *Tracker) segment(k segKey) *segment {
	if sg := t.lastSeg; sg != nil && sg.key == k {
		return sg
	}
	sg := t.segs[k]
	if sg == nil {
		sg = &segment{key: k}
		t.segs[k] = sg
	}
	t.lastSeg = sg
	return sg
}

// segKey is one broadcast domain of one address family: the groups on it
// are told apart by VRID alone.
type segKey struct {
	link string
	vlan uint32
	fam  decode.Family
}

type segment struct {
	key  segKey
	vrid [256]*group
}

// timers fires what is due at now and computes the next deadline.
func (t *Tracker) timers(now instant) {
	t.nextDue = 0
	for _, g := range t.list {
		t.groupTimers(g, now)
	}
	if len(t.sweepList) > 0 {
		if !now.Before(t.nextSweep) {
			t.nextSweep = now.Add(sweepEvery)
			t.sweep(now)
		} else {
			t.schedule(t.nextSweep)
		}
	}
}
