package dump_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/synth"
)

// fakeLive is a live capture that hands out frames as they "arrive", then
// read timeouts, then (if fail) the error of an interface going down, and
// reports dropped as the kernel's drop counter.
type fakeLive struct {
	mu      sync.Mutex
	frames  [][]byte
	fail    error
	dropped int
	closed  bool
}

func (f *fakeLive) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.frames) > 0 {
		d := f.frames[0]
		f.frames = f.frames[1:]
		return d, gopacket.CaptureInfo{Timestamp: time.Now(), CaptureLength: len(d), Length: len(d)}, nil
	}
	if f.fail != nil {
		return nil, gopacket.CaptureInfo{}, f.fail
	}
	f.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	f.mu.Lock()
	return nil, gopacket.CaptureInfo{}, capture.ErrTimeout
}

func (f *fakeLive) ReadFrame() ([]byte, int64, error) {
	d, ci, err := f.ZeroCopyReadPacketData()
	return d, ci.Timestamp.UnixNano(), err
}
func (f *fakeLive) LinkType() uint32   { return 1 }
func (f *fakeLive) Name() string       { return "fake0" }
func (f *fakeLive) Info() capture.Info { return capture.Info{Live: true} }
func (f *fakeLive) Close() error       { f.closed = true; return nil }
func (f *fakeLive) Stats() (capture.Stats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return capture.Stats{Received: 10, Dropped: f.dropped}, nil
}

// TestLiveCaptureHealth: a live capture that fails (its interface went
// down) is reopened, and the time it saw nothing is a capture-gap finding
// with its window; the kernel's drops are capture-drops. Neither ends the
// run nor makes it fail.
func TestLiveCaptureHealth(t *testing.T) {
	frames, err := synth.Config{Groups: 1, Interval: 100 * time.Millisecond}.Frames()
	if err != nil {
		t.Fatal(err)
	}
	rep := func(n int) [][]byte {
		var out [][]byte
		for range n {
			out = append(out, frames[0])
		}
		return out
	}
	down := errors.New("capture on fake0: the interface went down")
	opens := 0
	var stdout, stderr bytes.Buffer
	env := dump.Env{Stdout: &stdout, Stderr: &stderr, Location: time.UTC,
		OpenLive: func(iface string, o dump.LiveOptions) (capture.Source, error) {
			opens++
			switch opens {
			case 1:
				return &fakeLive{frames: rep(5), fail: down}, nil
			case 2:
				return nil, errors.New("fake0 is down") // still down: tried again
			}
			return &fakeLive{frames: rep(5), dropped: 7}, nil
		}}
	// The group falls silent during the gap and after the last frames:
	// master-down (exit 1), each saying the silence may be the capture's.
	err = dump.Run(context.Background(), []string{"-i", "fake0", "--json", "--duration", "1500ms"}, env)
	if !errors.Is(err, dump.ErrErrorFinding) {
		t.Fatalf("Run = %v\n%s", err, stderr.String())
	}
	if opens != 3 {
		t.Errorf("opened the capture %d times, want 3 (once, then twice while reopening)", opens)
	}
	if !strings.Contains(stderr.String(), "vrrpdump: warning: reading fake0: capture on fake0: the interface went down; reopening the capture") {
		t.Errorf("stderr: %s", stderr.String())
	}
	objs := readNDJSON(t, stdout.String())
	var gap, drops object
	adverts := 0
	var numbers []int
	for _, o := range objs {
		switch {
		case o.str("kind") == "advert":
			adverts++
			numbers = append(numbers, o.num("frame"))
		case o.str("kind") == "summary" && o.num("frames") != 10:
			t.Errorf("summary of %d frames, want 10", o.num("frames"))
		case o.str("id") == "capture-gap":
			gap = o
		case o.str("id") == "capture-drops":
			drops = o
		case o.str("id") == "master-down":
			if !strings.Contains(o.str("cause"), "the silence may be the capture's") {
				t.Errorf("master-down while the capture saw nothing, without saying so: %v", o.str("cause"))
			}
		}
	}
	if adverts != 10 {
		t.Errorf("%d adverts, want the 5 before and the 5 after the gap", adverts)
	}
	// The reopened capture numbers its frames after the first one's, as
	// one tcpdump that survived the gap would: frame N is one frame.
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(numbers, want) {
		t.Errorf("frame numbers %v, want %v", numbers, want)
	}
	if gap == nil || !strings.Contains(gap.str("message"), "vrrpdump saw nothing on fake0 from") ||
		!strings.Contains(gap.str("message"), "the interface went down") {
		t.Fatalf("capture-gap %v", gap)
	}
	var ev struct {
		Evidence struct {
			GapS float64 `json:"gap_s"`
		} `json:"evidence"`
	}
	if err := jsonUnmarshal(gap, &ev); err != nil || ev.Evidence.GapS < 0.35 || ev.Evidence.GapS > 1.5 {
		t.Errorf("gap of %.3f s, want about two 200 ms retries (%v)", ev.Evidence.GapS, err)
	}
	if drops == nil || !strings.Contains(drops.str("message"), "the kernel dropped 7 frames of the capture on fake0") {
		t.Errorf("capture-drops %v", drops)
	}
}

// jsonUnmarshal decodes a whole NDJSON object into v.
func jsonUnmarshal(o object, v any) error {
	b, err := json.Marshal(map[string]json.RawMessage(o))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// TestLiveCountAcrossReopen: -c N counts adverts across a reopened
// capture, as one tcpdump -c N that survived the gap would: 5 before the
// interface went down and 2 after, then vrrpdump stops.
func TestLiveCountAcrossReopen(t *testing.T) {
	frames, err := synth.Config{Groups: 1, Interval: 100 * time.Millisecond}.Frames()
	if err != nil {
		t.Fatal(err)
	}
	five := [][]byte{frames[0], frames[0], frames[0], frames[0], frames[0]}
	opens := 0
	var stdout, stderr bytes.Buffer
	env := dump.Env{Stdout: &stdout, Stderr: &stderr, Location: time.UTC,
		OpenLive: func(iface string, o dump.LiveOptions) (capture.Source, error) {
			opens++
			if opens == 1 {
				return &fakeLive{frames: slices.Clone(five), fail: errors.New("capture on fake0: the interface went down")}, nil
			}
			return &fakeLive{frames: slices.Clone(five)}, nil
		}}
	err = dump.Run(context.Background(), []string{"-i", "fake0", "--json", "-c", "7", "--duration", "20s"}, env)
	if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
		t.Fatalf("Run = %v\n%s", err, stderr.String())
	}
	var numbers []int
	for _, o := range readNDJSON(t, stdout.String()) {
		if o.str("kind") == "advert" {
			numbers = append(numbers, o.num("frame"))
		}
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(numbers, want) {
		t.Errorf("adverts %v, want %v", numbers, want)
	}
}
