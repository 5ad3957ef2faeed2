package track_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/track"
)

// Read gives every capture the findings, groups and counters of the full
// path, whichever way it takes (tagged, runs under one lock, frame by
// frame with Each), with one CPU and with two, and reports the frames it
// read and their times.
func TestReadAgrees(t *testing.T) {
	undecoded := 0 // frames the reader left to the steady path (capture.Options.Lazy)
	for _, path := range refcap.Paths(t, "..") {
		slow, first, _ := replay(t, path, track.Options{}, track.DisableSteady)
		_, frames := readCapture(t, path)
		for _, way := range []struct {
			name string
			o    track.ReadOptions
		}{
			{"tagged", track.ReadOptions{}},
			{"runs", track.ReadOptions{Options: capture.Options{Count: 1 << 30}}},
			{"each", track.ReadOptions{Each: func(*capture.Packet) error { return nil }}},
			{"lazy-runs", track.ReadOptions{Options: capture.Options{Lazy: true, Count: 1 << 30}}},
			{"lazy-each", track.ReadOptions{Options: capture.Options{Lazy: true}, Each: func(p *capture.Packet) error {
				if p.P == nil {
					undecoded++
				}
				return nil
			}}},
		} {
			for _, procs := range []int{1, 2} {
				t.Run(fmt.Sprintf("%s/%s/procs=%d", filepath.Base(path), way.name, procs), func(t *testing.T) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					src, err := pcapfile.Open(path)
					if err != nil {
						t.Fatal(err)
					}
					defer src.Close()
					tr := track.New(track.Options{})
					way.o.Link = "lab0"
					progressed := 0
					way.o.Progress = func(track.Progress) { progressed++ }
					pr, err := tr.Read(context.Background(), src, way.o)
					if err != nil {
						t.Fatal(err)
					}
					tr.End(pr.Last)
					if pr.Frames != len(frames) || !pr.First.Equal(first) || !pr.Last.Equal(frames[len(frames)-1].ts) {
						t.Errorf("progress %+v, want %d frames from %v to %v", pr, len(frames), first, frames[len(frames)-1].ts)
					}
					if progressed == 0 {
						t.Error("Progress was never called")
					}
					compareTrackers(t, slow, tr)
				})
			}
		}
	}
	if undecoded == 0 {
		t.Error("capture.Options.Lazy decoded every frame: the lazy path was not tested")
	}
	t.Logf("%d frames left undecoded by capture.Options.Lazy", undecoded)
}
