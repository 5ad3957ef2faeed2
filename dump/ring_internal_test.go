package dump

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// TestRingBounded: the ring holds no more than its byte bound, however many
// frames come within its span, and counts what it lost.
func TestRingBounded(t *testing.T) {
	var stderr bytes.Buffer
	r := &flightRecorder{dir: t.TempDir(), span: time.Hour, maxBytes: 100 * (60 + ringFrameOverhead), stderr: &stderr}
	t0 := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	data := make([]byte, 60)
	for i := range 10000 {
		p := capture.Packet{Kind: decode.KindVRRP, Data: data,
			CI: gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: 60, Length: 60}}
		r.frame(&p)
		if r.bytes > r.maxBytes {
			t.Fatalf("frame %d: %d bytes held, bound %d", i, r.bytes, r.maxBytes)
		}
	}
	if len(r.frames)-r.head != 100 || r.dropped != 9900 || r.peak > r.maxBytes {
		t.Errorf("held %d frames (peak %d bytes), lost %d", len(r.frames)-r.head, r.peak, r.dropped)
	}
	if len(r.frames) > 2100 {
		t.Errorf("the ring's slice grew to %d frames: the dead head is not compacted", len(r.frames))
	}
	// Past its span frames go by age.
	r = &flightRecorder{dir: t.TempDir(), span: time.Second, maxBytes: RingMaxBytes, stderr: &stderr}
	for i := range 10000 {
		p := capture.Packet{Kind: decode.KindVRRP, Data: data,
			CI: gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: 60, Length: 60}}
		r.frame(&p)
	}
	if n := len(r.frames) - r.head; n > 6001 || r.dropped != 0 { // span + ringAfter at 1 frame/ms
		t.Errorf("held %d frames, lost %d to the bound", n, r.dropped)
	}
}
