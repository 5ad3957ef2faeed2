package dump_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/synth"
)

// BenchmarkSummary analyses a capture of 100,000 adverts from 1,000 v3
// groups at 10 ms per op; the per-advert cost is ns/op / 100,000.
func BenchmarkSummary(b *testing.B) { benchMode(b, "--summary") }

// BenchmarkLines prints a line per advert for the same capture.
func BenchmarkLines(b *testing.B) { benchMode(b, "--lines") }

func benchMode(b *testing.B, mode string) {
	path := filepath.Join(b.TempDir(), "bench.pcap")
	f, _ := os.Create(path)
	w, _ := capture.NewWriter(f, layers.LinkTypeEthernet, 65535)
	c := synth.Config{Groups: 1000, Interval: 10 * time.Millisecond, Start: time.Unix(1795315143, 0)}
	c.Each(100000, func(ts time.Time, fr []byte) error {
		return w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(fr), Length: len(fr)}, fr)
	})
	w.Flush()
	f.Close()
	b.ResetTimer()
	for b.Loop() {
		if err := dump.Run(context.Background(), []string{"-r", path, mode}, dump.Env{Stdout: io.Discard, Stderr: io.Discard}); err != nil {
			b.Fatal(err)
		}
	}
}
