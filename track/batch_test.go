package track_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/track"
)

// TestObserveAllAgrees replays every capture in runs of frames through
// Read's path for runs of decoded frames and requires the findings and
// groups that Observe gives.
func TestObserveAllAgrees(t *testing.T) {
	for _, path := range refcap.Paths(t, "..") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			one, _, _ := replay(t, path, track.Options{})
			for _, run := range []int{1, 7, 64} {
				all := replayBatches(t, path, run)
				if d := cmp.Diff(one.Findings(), all.Findings()); d != "" {
					t.Errorf("runs of %d: findings differ (-Observe +ObserveAll):\n%s", run, d)
				}
				if d := cmp.Diff(one.Snapshot(), all.Snapshot()); d != "" {
					t.Errorf("runs of %d: groups differ (-Observe +ObserveAll):\n%s", run, d)
				}
			}
		})
	}
}

func replayBatches(t *testing.T, path string, run int) *track.Tracker {
	lt, frames := readCapture(t, path)
	tr := track.New(track.Options{})
	var batch []capture.Packet
	parsers := make([]*decode.Parser, run)
	for i := range parsers {
		parsers[i] = newParser(t, lt)
	}
	for i, f := range frames {
		p := parsers[len(batch)]
		kind, derr := p.Decode(f.data)
		batch = append(batch, capture.Packet{N: i + 1, CI: gopacket.CaptureInfo{Timestamp: f.ts}, Data: f.data, P: p, Kind: kind, Err: derr})
		if len(batch) == run {
			track.ObserveAll(tr, "lab0", batch)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		track.ObserveAll(tr, "lab0", batch)
	}
	tr.End(frames[len(frames)-1].ts)
	return tr
}

// Overview is Snapshot less the timelines; Group is one group in full.
func TestOverviewAndGroup(t *testing.T) {
	tr, _, _ := replay(t, "../testdata/pcaps/v2-failover.pcap", track.Options{})
	full, over := tr.Snapshot(), tr.Overview()
	if len(full) != 1 || len(over) != 1 {
		t.Fatalf("%d and %d groups, want 1", len(full), len(over))
	}
	for i := range full[0].Routers {
		if len(full[0].Routers[i].Recent) == 0 {
			t.Fatalf("router %s has no timeline in Snapshot", full[0].Routers[i].Addr)
		}
		full[0].Routers[i].Recent = nil
	}
	if d := cmp.Diff(full, over); d != "" {
		t.Errorf("Overview differs from Snapshot beyond Recent:\n%s", d)
	}
	g, ok := tr.Group(over[0].Key)
	if !ok || len(g.Routers) == 0 || len(g.Routers[0].Recent) == 0 {
		t.Errorf("Group(%v) = %v, %+v", over[0].Key, ok, g)
	}
	if _, ok := tr.Group(track.GroupKey{Link: "lab0", Family: "ipv4", VRID: 99}); ok {
		t.Error("Group found a group that does not exist")
	}
}
