package capture_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/internal/synth"
)

// dyingLive is a live capture that hands out n frames and then fails, as
// one whose interface went down.
type dyingLive struct {
	frame []byte
	n     int
}

var errDown = errors.New("capture on fake0: the interface went down")

func (f *dyingLive) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	if f.n == 0 {
		return nil, gopacket.CaptureInfo{}, errDown
	}
	f.n--
	return f.frame, gopacket.CaptureInfo{Timestamp: time.Now(), CaptureLength: len(f.frame), Length: len(f.frame)}, nil
}

func (f *dyingLive) ReadFrame() ([]byte, int64, error) {
	d, ci, err := f.ZeroCopyReadPacketData()
	return d, ci.Timestamp.UnixNano(), err
}
func (f *dyingLive) LinkType() uint32              { return 1 }
func (f *dyingLive) Name() string                  { return "fake0" }
func (f *dyingLive) Info() capture.Info            { return capture.Info{Live: true} }
func (f *dyingLive) Close() error                  { return nil }
func (f *dyingLive) Stats() (capture.Stats, error) { return capture.Stats{}, nil }

// read runs the capture as Run does, and returns its frames' numbers.
func (f *dyingLive) read(o capture.Options) ([]int, error) {
	var ns []int
	err := capture.Run(context.Background(), f, o, func(p *capture.Packet) error {
		ns = append(ns, p.N)
		return nil
	})
	return ns, err
}

// Options.Numbered: a live capture reopened after it failed numbers its
// frames after those of the capture before it, as one that survived would.
func TestNumberedAcrossReopen(t *testing.T) {
	frames, err := synth.Config{Groups: 1}.Frames()
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	read := 0
	for _, n := range []int{3, 0, 2} { // the second capture fails at once
		ns, err := (&dyingLive{frame: frames[0], n: n}).read(capture.Options{Numbered: read})
		if !errors.Is(err, errDown) {
			t.Fatalf("Run = %v, want the capture's error", err)
		}
		got = append(got, ns...)
		read += len(ns)
	}
	if want := []int{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("frame numbers %v, want %v", got, want)
	}

	// A file read tagged, runs of frames: Batch.First continues too.
	src, err := pcapfile.Open(refcap.Paths(t, "../..")[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	next := 101
	err = capture.RunBatches(context.Background(), src, capture.Options{Tag: true, Numbered: 100}, func(b *capture.Batch) error {
		if b.First != next {
			t.Errorf("run starts at frame %d, want %d", b.First, next)
		}
		next = b.First + len(b.Tags)
		return nil
	})
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if next <= 101 {
		t.Errorf("no frame read")
	}
}
