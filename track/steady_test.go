package track_test

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/track"
)

// The steady-advert shortcut must change nothing but speed: every capture,
// and every fuzzed sequence of adverts, gives the same findings and groups
// with and without it.
func TestSteadyPathChangesNothing(t *testing.T) {
	for _, path := range refcap.Paths(t, "..") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			fast, _, _ := replay(t, path, track.Options{})
			slow, _, _ := replay(t, path, track.Options{}, track.DisableSteady)
			compareTrackers(t, slow, fast)
		})
	}
}

func TestObserveTaggedAgrees(t *testing.T) {
	for _, path := range refcap.Paths(t, "..") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			slow, _, _ := replay(t, path, track.Options{}, track.DisableSteady)
			for _, run := range []int{1, 7, 256} {
				compareTrackers(t, slow, replayTagged(t, path, run))
			}
		})
	}
}

// tagger tags frames with a decode.Repeats and hands them to a tracker in
// runs, as vrrpdump's reading goroutine does.
type tagger struct {
	tr   *track.Tracker
	s    *track.Stream
	reps *decode.Repeats
	p    *decode.Parser
	run  int
	tags []decode.Tag
	data [][]byte
}

func newTagger(tr *track.Tracker, p *decode.Parser, run int) *tagger {
	return &tagger{tr: tr, s: track.NewStream("lab0"), reps: decode.NewRepeats(), p: p, run: run}
}

func (tg *tagger) add(ts time.Time, data []byte) {
	flow, rep := tg.reps.See(data)
	tg.tags = append(tg.tags, decode.Tag{Time: ts.UnixNano(), Flow: flow, Repeat: rep})
	if tg.data = append(tg.data, data); len(tg.tags) == tg.run {
		tg.flush()
	}
}

func (tg *tagger) flush() {
	track.ObserveTagged(tg.tr, tg.s, tg.tags, tg.data, tg.p)
	tg.tags, tg.data = tg.tags[:0], tg.data[:0]
}

// replayTagged feeds a capture through ObserveTagged in runs.
func replayTagged(t *testing.T, path string, run int) *track.Tracker {
	t.Helper()
	lt, frames := readCapture(t, path)
	p := newParser(t, lt)
	tr := track.New(track.Options{})
	tg := newTagger(tr, p, run)
	for _, f := range frames {
		tg.add(f.ts, f.data)
	}
	tg.flush()
	tr.End(frames[len(frames)-1].ts)
	return tr
}

func compareTrackers(t *testing.T, slow, fast *track.Tracker) {
	t.Helper()
	if d := cmp.Diff(slow.Findings(), fast.Findings()); d != "" {
		t.Errorf("findings (-full path +steady):\n%s", d)
	}
	if d := cmp.Diff(slow.Snapshot(), fast.Snapshot()); d != "" {
		t.Errorf("groups (-full path +steady):\n%s", d)
	}
	if slow.Stats() != fast.Stats() {
		t.Errorf("stats: full path %+v, steady %+v", slow.Stats(), fast.Stats())
	}
}

// FuzzSteadyPath plays sequences of adverts from a palette (two routers,
// priority changes and releases, other VIPs, TTL, MAC, auth, unicast, GARP)
// at fuzzed intervals through two trackers, one without the shortcut.
func FuzzSteadyPath(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0x30, 0, 0, 0xa1, 0, 0, 0, 0})
	f.Add([]byte{0, 0x10, 0x20, 2, 2, 2, 0xf0, 0xf0, 0xf0, 0, 0})
	f.Add([]byte{7, 7, 7, 0, 0, 8, 8, 0, 0, 4, 4, 0, 0, 3, 0, 0})
	h1v2 := with(h1, func(a *adv) { a.auth, a.pass = decode.AuthSimple, "secret12" })
	palette := [][]byte{
		frame(f, h1),
		frame(f, h2),
		frame(f, with(h1, func(a *adv) { a.prio = 0 })),
		frame(f, with(h2, func(a *adv) { a.prio = 200 })),
		frame(f, with(h1, func(a *adv) { a.vips = []string{"192.0.2.100", "192.0.2.101"} })),
		frame(f, with(h1, func(a *adv) { a.ttl = 64 })),
		frame(f, with(h1, func(a *adv) { a.mac = "02:00:00:00:01:99" })),
		frame(f, h1v2),
		frame(f, with(h1, func(a *adv) { a.dst = "192.0.2.12" })),
		garp(f, "02:00:00:00:01:0b", "192.0.2.100"),
		garp(f, "02:00:00:00:01:0c", "192.0.2.100"),
		frame(f, with(h1, func(a *adv) { a.adverInt = 2 })),
		// Frames decode takes but not its fast path (Peek): h1's
		// advert behind IPv4 options, as is and with another TTL.
		withIPOptions(f, frame(f, h1)),
		withIPOptions(f, frame(f, with(h1, func(a *adv) { a.ttl = 64 }))),
	}
	f.Fuzz(func(t *testing.T, seq []byte) {
		if len(seq) > 400 {
			seq = seq[:400]
		}
		// The full path, Observe with the steady path, and ObserveTagged in
		// runs of 5.
		trs := [3]*track.Tracker{track.New(track.Options{}), track.New(track.Options{}), track.New(track.Options{})}
		track.DisableSteady(trs[0])
		p, _ := decode.NewParser(layers.LinkTypeEthernet)
		p2, _ := decode.NewParser(layers.LinkTypeEthernet)
		tg := newTagger(trs[2], p2, 5)
		ts := t0
		for _, b := range seq {
			// Low bits pick the frame, high bits the step: 0 to 3.75 s.
			ts = ts.Add(time.Duration(b>>4) * 250 * time.Millisecond)
			data := palette[int(b&0x0f)%len(palette)]
			k, err := p.Decode(data)
			trs[0].Observe(ts, "lab0", p, k, err)
			trs[1].Observe(ts, "lab0", p, k, err)
			tg.add(ts, data)
		}
		tg.flush()
		for _, tr := range trs {
			tr.End(ts.Add(10 * time.Second))
		}
		compareTrackers(t, trs[0], trs[1])
		compareTrackers(t, trs[0], trs[2])
	})
}

// A group with more routers than the tracker remembers: the silent master
// must not be the one forgotten (it stayed master, forgotten, before), and
// a forgotten router that comes back repeating itself must take the full
// path, its flow pointing to the forgotten one.
func TestTaggedWithForgottenRouters(t *testing.T) {
	var frames [][]byte
	var times []time.Time
	add := func(s float64, a adv) {
		frames, times = append(frames, frame(t, a)), append(times, at(s))
	}
	h1 := adv{src: "192.0.2.11", prio: 200}
	for i := range 3 {
		add(float64(i), h1)
	}
	for i := range 18 { // 18 more routers at 2.1 … 2.95 s: two must go
		add(2.1+float64(i)*0.05, adv{src: fmt.Sprintf("192.0.2.%d", 20+i), prio: 50})
	}
	for i := range 4 {
		add(3+float64(i), h1)
	}
	for i := range 3 { // a forgotten backup comes back, repeating itself
		add(7+float64(i)*0.5, adv{src: "192.0.2.20", prio: 50})
	}
	p, _ := decode.NewParser(layers.LinkTypeEthernet)
	slow := track.New(track.Options{})
	track.DisableSteady(slow)
	for i, d := range frames {
		k, err := p.Decode(d)
		slow.Observe(times[i], "lab0", p, k, err)
	}
	fast := track.New(track.Options{})
	tg := newTagger(fast, p, 4)
	for i, d := range frames {
		tg.add(times[i], d)
	}
	tg.flush()
	for _, tr := range []*track.Tracker{slow, fast} {
		tr.End(at(10))
	}
	compareTrackers(t, slow, fast)
	snap := slow.Snapshot()
	if len(snap) != 1 || snap[0].Master != "192.0.2.11" || len(snap[0].Routers) != 16 {
		t.Fatalf("want one group of 16 routers with master 192.0.2.11, got %+v", snap)
	}
	for _, r := range snap[0].Routers {
		if r.Master && r.Count != 7 {
			t.Errorf("master %s has %d adverts, want 7: it was forgotten on the way", r.Addr, r.Count)
		}
	}
}

// withIPOptions inserts four NOP options into the IPv4 header of an
// untagged Ethernet frame.
func withIPOptions(t testing.TB, fr []byte) []byte {
	t.Helper()
	ip := fr[14:]
	if ip[0] != 0x45 {
		t.Fatal("withIPOptions: want an IPv4 header without options")
	}
	out := append(append(append([]byte{}, fr[:14+20]...), 1, 1, 1, 1), fr[14+20:]...)
	h := out[14 : 14+24]
	h[0] = 0x46
	binary.BigEndian.PutUint16(h[2:], binary.BigEndian.Uint16(h[2:])+4)
	h[10], h[11] = 0, 0
	var sum uint32
	for i := 0; i < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
	var pk decode.Peeked
	if decode.Peek(out, &pk) {
		t.Fatal("withIPOptions: Peek still takes the frame")
	}
	p, _ := decode.NewParser(layers.LinkTypeEthernet)
	if k, err := p.Decode(out); k != decode.KindVRRP || err != nil || p.VRRP.Problems&^decode.ProblemBadTTL != 0 {
		t.Fatalf("withIPOptions: decodes as %v, %v, problems %v", k, err, p.VRRP.Problems)
	}
	return out
}
