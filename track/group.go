package track

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/stamp"
	"github.com/vrrpkit/vrrpkit/timers"
)

// State is the condition of a group as the tracker sees it.
type State string

// Group states.
const (
	StateOK         State = "OK"          // one master, advertising on time
	StateInit       State = "INIT"        // nothing valid heard yet
	StateSplitBrain State = "SPLIT-BRAIN" // two masters at once
	StateDown       State = "DOWN"        // master silent beyond Master_Down_Interval, no successor
	StateFlapping   State = "FLAPPING"    // mastership changing repeatedly
	StateMismatch   State = "MISMATCH"    // routers disagree on configuration
	StateCollision  State = "COLLISION"   // unrelated VIP sets share the VRID: two virtual routers in one
	StateReleased   State = "RELEASED"    // the master resigned, waiting for a successor
)

// statesWorstFirst orders the states for Rank and States.
var statesWorstFirst = [...]State{StateSplitBrain, StateDown, StateCollision, StateFlapping, StateMismatch,
	StateReleased, StateInit, StateOK}

// States lists every state, worst first.
func States() []State { return slices.Clone(statesWorstFirst[:]) }

// Rank orders states, worst (0) first, as States lists them.
func (s State) Rank() int {
	for i, o := range statesWorstFirst {
		if o == s {
			return i
		}
	}
	return len(statesWorstFirst)
}

// maxRouters bounds the routers remembered per group; the longest silent
// one is forgotten first.
const maxRouters = 16

// router is what the tracker knows about one advertising source.
type router struct {
	// The fields the steady path reads and writes per advert come first,
	// in the first 128 bytes (two cache lines; TestHotFieldsFirst): a
	// repeat (Tracker.repeated) touches those, and raised when the
	// router's adverts repeat a finding (auth-plaintext, unicast, ...);
	// steady also reads dst and raw. With a thousand groups, cache misses
	// are most of an advert's cost.
	addr     netip.Addr
	last     instant
	count    int64
	interval time.Duration
	prio     uint8
	ttl      uint8
	hasMAC   bool
	hasPrev  bool
	resigned bool // last advert had priority 0
	rawLen   int8 // length of raw; -1 when the last advert may not be repeated on the steady path
	version  decode.Version
	authType decode.AuthType
	flavour  decode.Flavour
	mac      [6]byte
	unicast  bool // dst is not multicast
	// repeating: bit i set when repeatRules[i] repeats for the last
	// advert (its repeats, computed once by advert for repeated).
	repeating uint8
	recent    ring   // position in recentBuf
	seq       uint32 // counts remember: a stream's flow knows which advert raw is
	gaps      gapStats
	dst       netip.Addr
	// raw is the last advert's VRRP message when it was problem-free and
	// short enough: see Tracker.steady.
	raw [48]byte

	first    instant
	changed  instant // last change of its configuration (priority 255, interval, version, auth, addresses, flavour)
	adverInt uint16
	authData [8]byte
	authFP   string
	vips     []netip.Addr
	tenure   instant // first advert of the current stretch as master
	problems decode.Problems
	raised   [maxRules]int32 // 1 + index into Tracker.findings of this router's finding, per rule
	// recentBuf holds the last adverts for timelines (see recent).
	recentBuf samples
}

// alive reports whether r advertised recently enough to still be master at
// now: within its own Master_Down_Interval, and not resigned.
func (r *router) alive(now instant) bool {
	return !r.resigned && now.Sub(r.last) < r.mdi(r.prio)
}

// mdi is Master_Down_Interval as a backup of priority prio computes it from
// r's interval.
func (r *router) mdi(prio uint8) time.Duration {
	return timers.MasterDownInterval(r.version, prio, r.interval)
}

// setAuth records the auth data; the fingerprint is computed only when it
// changes.
func (r *router) setAuth(t decode.AuthType, d [8]byte) bool {
	if r.authFP != "" && r.authType == t && r.authData == d {
		return false
	}
	r.authType, r.authData = t, d
	sum := sha256.Sum256(d[:])
	r.authFP = hex.EncodeToString(sum[:4])
	return true
}

// setVIPs copies the advert's addresses when they changed.
func (r *router) setVIPs(a []netip.Addr) bool {
	if slices.Equal(r.vips, a) {
		return false
	}
	r.vips = append(r.vips[:0:0], a...)
	return true
}

// before is the RFC election order: higher priority wins, then the higher
// primary (source) address.
func (r *router) before(o *router) bool {
	if r.prio != o.prio {
		return r.prio > o.prio
	}
	return r.addr.Compare(o.addr) > 0
}

// vipOwner is which MAC last claimed a virtual address.
type vipOwner struct {
	mac      [6]byte
	first    instant
	last     instant
	count    int64
	grat     int64
	prevMAC  [6]byte
	prevLast instant
	hasPrev  bool
}

// group is one virtual router.
type group struct {
	// The fields the steady path reads and writes come first (within the
	// first 128 bytes, TestHotFieldsFirst; a group takes a 256-byte slot,
	// so they share a pair of cache lines).
	master  *router
	routers []*router
	// resignedAt / resignedBy: the last master's priority-0 advert, while
	// no successor has advertised.
	resignedAt instant
	lastAdvert instant // last non-zero-priority advert from any router
	// mdi caches downInterval for master mdiFor while the routers'
	// configurations are unchanged (Tracker.cfgGen).
	mdi    time.Duration
	mdiFor *router
	mdiGen uint64
	// The active split brain: winner and loser of the RFC election, the
	// finding (1 + index), and whether the winner was seen answering.
	splitIdx      int32
	splitAnswered bool
	down          bool
	cfgDirty      bool
	mismatch      bool
	collision     bool // a vrid-collision was raised
	splitW        *router
	splitL        *router
	// downIdx: 1 + index of the open master-down finding.
	downIdx int32

	key        groupKey
	exp        GroupKey
	since      instant // when master became master
	resignedBy *router
	changes    [4]instant // recent master changes, for flapping
	nchanges   int
	// GARP check pending for master since garpDue.
	garpFor *router
	garpDue instant
}

func (g *group) find(a netip.Addr) *router {
	for _, r := range g.routers {
		if r.addr == a {
			return r
		}
	}
	return nil
}

// state summarises the group for a snapshot.
func (g *group) state(now instant) State {
	switch {
	case g.master == nil && g.resignedBy != nil:
		return StateReleased
	case g.master == nil && g.down:
		return StateDown
	case g.master == nil:
		return StateInit
	case g.splitIdx != 0:
		return StateSplitBrain
	case g.down:
		return StateDown
	case g.collision:
		return StateCollision
	case g.flapping(now):
		return StateFlapping
	case g.mismatch:
		return StateMismatch
	}
	return StateOK
}

const flapWindow = 60 * time.Second

func (g *group) flapping(now instant) bool {
	if g.nchanges < 3 {
		return false
	}
	// changes is a ring of the last len(changes) master changes.
	third := g.changes[(g.nchanges-3)%len(g.changes)]
	return now.Sub(third) <= flapWindow
}

// GroupSnapshot is a deep copy of one group's state.
type GroupSnapshot struct {
	Key   GroupKey `json:"group"`
	State State    `json:"state"`
	// Master is the source address of the current master; empty while the
	// group is DOWN or RELEASED (LastMaster then names the one that was).
	Master      string           `json:"master,omitempty"`
	MasterMAC   string           `json:"master_mac,omitempty"`
	MasterSince time.Time        `json:"master_since,omitzero"`
	LastMaster  string           `json:"last_master,omitempty"`
	Changes     int              `json:"changes"` // master changes seen
	Routers     []RouterSnapshot `json:"routers"`
	VIPs        []VIPSnapshot    `json:"vips"` // who claims each virtual address (ARP / NA)
}

// RouterSnapshot is one router heard in a group.
type RouterSnapshot struct {
	Addr       string    `json:"addr"`
	MAC        string    `json:"mac,omitempty"`
	VirtualMAC bool      `json:"virtual_mac"` // 00:00:5e:00:01:XX (v4) or 00:00:5e:00:02:XX (v6)
	Master     bool      `json:"master"`
	Resigned   bool      `json:"resigned"` // its last advert had priority 0
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	Count      int64     `json:"count"`
	Priority   uint8     `json:"priority"`
	Version    int       `json:"version"`
	// AdverInt is the advertised interval; Mean, Max and Jitter (standard
	// deviation) are measured between consecutive adverts. Durations marshal
	// as nanoseconds.
	AdverInt     time.Duration `json:"adver_int"`
	IntervalMean time.Duration `json:"interval_mean"`
	IntervalMax  time.Duration `json:"interval_max"`
	Jitter       time.Duration `json:"jitter"`
	VIPs         []string      `json:"vips"`
	AuthType     string        `json:"auth_type,omitempty"` // v2 only: none, simple, ah
	// AuthFingerprint is the first 8 hex digits of SHA-256 over the 8 auth
	// bytes: equal passwords give equal fingerprints.
	AuthFingerprint string   `json:"auth_fingerprint,omitempty"`
	AuthText        string   `json:"auth_text,omitempty"` // only with Options.ShowAuth
	TTL             uint8    `json:"ttl"`
	Dst             string   `json:"dst"`
	Unicast         bool     `json:"unicast"`
	Checksum        string   `json:"checksum_flavour,omitempty"`
	Problems        []string `json:"problems,omitempty"` // of the last advert
	Recent          Samples  `json:"recent,omitempty"`   // last adverts, oldest first
}

// LastAdvert is the time of the latest advert from any router of the
// group; zero when none was heard.
func (g *GroupSnapshot) LastAdvert() time.Time {
	return latest(g.Routers, func(r *RouterSnapshot) time.Time { return r.Last })
}

// latest is the latest of the times last gives for rs; zero when rs is
// empty.
func latest[R any](rs []R, last func(*R) time.Time) time.Time {
	var t time.Time
	for i := range rs {
		if l := last(&rs[i]); l.After(t) {
			t = l
		}
	}
	return t
}

// Sample is one advert in a router's timeline.
type Sample struct {
	Time     time.Time `json:"t"`
	Priority uint8     `json:"prio"`
}

// Samples are a router's last adverts. They marshal as a list of Sample
// written by hand: a summary of 1,000 groups holds a quarter of a million,
// which encoding/json's reflection took a third of a second to write.
type Samples []Sample

// MarshalJSON writes [{"t":RFC 3339 time,"prio":N},...], as encoding/json
// writes []Sample.
func (ss Samples) MarshalJSON() ([]byte, error) {
	if ss == nil {
		return []byte("null"), nil
	}
	return ss.AppendJSON(make([]byte, 0, 2+len(ss)*48)), nil
}

// AppendJSON appends what MarshalJSON returns, for a writer that puts it
// in place itself: encoding/json re-reads every byte a Marshaler returns.
func (ss Samples) AppendJSON(b []byte) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	utc := stamp.UTC()
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"t":"`...)
		if s.Time.Location() == time.UTC {
			b = utc.RFC3339Nano(b, s.Time)
		} else {
			b = s.Time.AppendFormat(b, time.RFC3339Nano)
		}
		b = append(b, `","prio":`...)
		b = strconv.AppendUint(b, uint64(s.Priority), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// VIPSnapshot says which MAC claimed a virtual address last, and before.
type VIPSnapshot struct {
	Addr       string    `json:"addr"`
	MAC        string    `json:"mac,omitempty"`
	First      time.Time `json:"first,omitzero"`
	Last       time.Time `json:"last,omitzero"`
	Count      int64     `json:"count"`      // ARP / NA messages from MAC
	Gratuitous int64     `json:"gratuitous"` // of which gratuitous / unsolicited
	PrevMAC    string    `json:"prev_mac,omitempty"`
}

func macString(m [6]byte) string { return net.HardwareAddr(m[:]).String() }

// virtualMAC reports whether m is a VRRP virtual MAC (RFC 5798 7.3).
func virtualMAC(m [6]byte) bool {
	return m[0] == 0 && m[1] == 0 && m[2] == 0x5e && m[3] == 0 && (m[4] == 1 || m[4] == 2)
}

func (t *Tracker) snapshotGroup(g *group, recent bool) GroupSnapshot {
	s := GroupSnapshot{Key: g.exp, State: g.state(t.now), Changes: g.nchanges}
	cur := g.master
	if cur != nil {
		s.LastMaster = cur.addr.String()
		if g.down || g.resignedBy == cur {
			cur = nil
		}
	}
	if cur != nil {
		s.Master = cur.addr.String()
		if cur.hasMAC {
			s.MasterMAC = macString(cur.mac)
		}
		s.MasterSince = g.since.Time()
	}
	for _, r := range g.routers {
		rs := RouterSnapshot{
			Addr: r.addr.String(), Master: r == cur, Resigned: r.resigned,
			First: r.first.Time(), Last: r.last.Time(), Count: r.count, Priority: r.prio,
			Version: int(r.version), AdverInt: r.interval,
			IntervalMean: r.gaps.mean(), IntervalMax: time.Duration(r.gaps.max), Jitter: r.gaps.jitter(),
			VIPs: addrStrings(r.vips...), TTL: r.ttl, Dst: r.dst.String(), Unicast: !r.dst.IsMulticast(),
			Checksum: r.flavour.String(),
		}
		if r.hasMAC {
			rs.MAC, rs.VirtualMAC = macString(r.mac), virtualMAC(r.mac)
		}
		if r.version == decode.V2 {
			rs.AuthType = r.authType.String()
			if r.authType != decode.AuthNone {
				rs.AuthFingerprint = r.authFP
			}
			if t.opts.ShowAuth && r.authType == decode.AuthSimple {
				rs.AuthText = authText(r.authData)
			}
		}
		if r.problems != 0 {
			rs.Problems = r.problems.IDs()
		}
		if recent {
			rs.Recent = make([]Sample, 0, r.recent.n)
			r.recent.each(&r.recentBuf, func(s sample) {
				rs.Recent = append(rs.Recent, Sample{time.Unix(0, s.ts).UTC(), s.prio})
			})
		}
		s.Routers = append(s.Routers, rs)
	}
	for _, vk := range t.vipsOf(g) {
		o := t.vips[vk]
		vs := VIPSnapshot{Addr: vk.addr.String()}
		if o != nil {
			vs.MAC, vs.First, vs.Last, vs.Count, vs.Gratuitous = macString(o.mac), o.first.Time(), o.last.Time(), o.count, o.grat
			if o.hasPrev {
				vs.PrevMAC = macString(o.prevMAC)
			}
		}
		s.VIPs = append(s.VIPs, vs)
	}
	return s
}

func authText(d [8]byte) string {
	n := 0
	for n < len(d) && d[n] != 0 {
		n++
	}
	return string(d[:n])
}
