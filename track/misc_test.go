package track_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/track"
)

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range track.Catalog() {
		if r.ID == "" || r.What == "" || r.Hint == "" || seen[r.ID] {
			t.Errorf("bad or duplicate entry %+v", r)
		}
		switch r.Severity {
		case track.SeverityError, track.SeverityWarning, track.SeverityInfo:
		default:
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		seen[r.ID] = true
		if r.Kind != track.KindState && r.Kind != track.KindEvent && r.Kind != track.KindFact {
			t.Errorf("%s: kind %v", r.ID, r.Kind)
		}
		if r.Window <= 0 {
			t.Errorf("%s: window %v", r.ID, r.Window)
		}
	}
	// The list of ids is FINDINGS.md (TestFindingsDoc).
}

func TestFindingJSON(t *testing.T) {
	_, _, live := replay(t, "../testdata/pcaps/v2-failover.pcap", track.Options{})
	b, err := json.Marshal(live[len(live)-1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "severity", "group", "routers", "first", "last", "count", "message", "hint", "evidence"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	g, _ := m["group"].(map[string]any)
	for _, k := range []string{"link", "vlan", "family", "vrid"} {
		if _, ok := g[k]; !ok {
			t.Errorf("no group.%s in %s", k, b)
		}
	}
	if _, err := json.Marshal(track.New(track.Options{}).Snapshot()); err != nil {
		t.Error(err)
	}
}

func TestBadChecksumAndMalformed(t *testing.T) {
	r := newRig(t, track.Options{})
	data := frame(t, h1)
	data[len(data)-10] ^= 0xff // inside the VRRP checksum (8 bytes of auth data follow)
	r.feed(at(0), data)
	if len(r.ids("bad-checksum")) != 1 {
		t.Errorf("bad-checksum: %+v", r.got)
	}
	data = frame(t, h2)
	data[14+20] = 0x51 // version 5
	r.feed(at(1), data)
	if m := r.ids("malformed"); len(m) != 1 || m[0].f.Routers[0] != "192.0.2.12" {
		t.Errorf("malformed: %+v", r.got)
	}
	data = frame(t, with(h2, func(a *adv) { a.src = "192.0.2.13" }))
	data[14+20+5] = 0 // Adver Int 0
	r.feed(at(2), data)
	if m := r.ids("malformed"); len(m) != 2 || !strings.Contains(m[1].f.Message, "zero-interval") {
		t.Errorf("malformed zero interval: %+v", r.got)
	}
}

// Memory stays flat: replaying a capture many times adds no findings (they
// coalesce) and the per-router timeline stays at 256 adverts.
func TestBoundedState(t *testing.T) {
	r := newRig(t, track.Options{})
	var n int
	for round := range 200 {
		base := float64(round) * 40
		r.every(base, base+18, 1, h1)
		if round == 1 {
			n = len(r.tr.Findings())
		}
	}
	if got := len(r.tr.Findings()); got != n {
		t.Errorf("findings grew from %d to %d", n, got)
	}
	if s := r.tr.Snapshot(); len(s[0].Routers[0].Recent) != 256 {
		t.Errorf("recent %d", len(s[0].Routers[0].Recent))
	}
}

// Snapshot and Findings may be called from another goroutine while the
// capture goroutine observes (run with -race).
func TestConcurrentSnapshot(t *testing.T) {
	r := newRig(t, track.Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			s := r.tr.Snapshot()
			_ = r.tr.Findings()
			if len(s) > 0 {
				_, _ = json.Marshal(s)
			}
		}
	}()
	r.every(0, 300, 1, h1)
	<-done
}

// TestStatesWorstFirst: States lists each state once, in Rank order, so the
// screen's sort and its counts cover a new state once it is listed.
func TestStatesWorstFirst(t *testing.T) {
	all := []track.State{track.StateOK, track.StateInit, track.StateSplitBrain, track.StateDown, track.StateFlapping,
		track.StateMismatch, track.StateCollision, track.StateReleased}
	got := track.States()
	if len(got) != len(all) || got[0] != track.StateSplitBrain || got[len(got)-1] != track.StateOK {
		t.Fatalf("States() = %v, want all %d, SPLIT-BRAIN first and OK last", got, len(all))
	}
	for i, s := range got {
		if s.Rank() != i || !slices.Contains(all, s) {
			t.Errorf("%s: rank %d at position %d", s, s.Rank(), i)
		}
	}
	if r := track.State("BOGUS").Rank(); r != len(all) {
		t.Errorf("unknown state rank %d, want %d (after every known one)", r, len(all))
	}
}
