package track_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/track"
)

// The steady-advert shortcut must change nothing but speed: every capture,
// and every fuzzed sequence of adverts, gives the same findings and groups
// with and without it.
func TestSteadyPathChangesNothing(t *testing.T) {
	for _, path := range captures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			fast, _, _ := replay(t, path, track.Options{})
			slow, _, _ := replay(t, path, track.Options{}, track.DisableSteady)
			compareTrackers(t, slow, fast)
		})
	}
}

func TestObserveFramesAgrees(t *testing.T) {
	for _, path := range captures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			slow, _, _ := replay(t, path, track.Options{}, track.DisableSteady)
			for _, run := range []int{1, 7, 256} {
				compareTrackers(t, slow, replayFrames(t, path, run))
			}
		})
	}
}

// replayFrames feeds a capture through ObserveFrames in runs.
func replayFrames(t *testing.T, path string, run int) *track.Tracker {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p, err := decode.NewParser(r.LinkType())
	if err != nil {
		t.Fatal(err)
	}
	tr := track.New(track.Options{})
	var frames track.RawFrames
	var last time.Time
	for {
		d, ci, err := r.ReadPacketData() // a fresh slice per frame
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		last = ci.Timestamp
		if frames = append(frames, track.RawFrame{Time: ci.Timestamp, Data: d}); len(frames) == run {
			tr.ObserveFrames("lab0", frames, p)
			frames = frames[:0]
		}
	}
	tr.ObserveFrames("lab0", frames, p)
	tr.End(last)
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
	}
	f.Fuzz(func(t *testing.T, seq []byte) {
		if len(seq) > 400 {
			seq = seq[:400]
		}
		// The full path, Observe with the steady path, and ObserveFrames in
		// runs of 5.
		trs := [3]*track.Tracker{track.New(track.Options{}), track.New(track.Options{}), track.New(track.Options{})}
		track.DisableSteady(trs[0])
		p, _ := decode.NewParser(layers.LinkTypeEthernet)
		var run track.RawFrames
		ts := t0
		for _, b := range seq {
			// Low bits pick the frame, high bits the step: 0 to 3.75 s.
			ts = ts.Add(time.Duration(b>>4) * 250 * time.Millisecond)
			data := palette[int(b&0x0f)%len(palette)]
			k, err := p.Decode(data)
			trs[0].Observe(ts, "lab0", p, k, err)
			trs[1].Observe(ts, "lab0", p, k, err)
			if run = append(run, track.RawFrame{Time: ts, Data: data}); len(run) == 5 {
				trs[2].ObserveFrames("lab0", run, p)
				run = run[:0]
			}
		}
		trs[2].ObserveFrames("lab0", run, p)
		for _, tr := range trs {
			tr.End(ts.Add(10 * time.Second))
		}
		compareTrackers(t, trs[0], trs[1])
		compareTrackers(t, trs[0], trs[2])
	})
}
