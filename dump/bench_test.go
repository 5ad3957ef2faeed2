package dump_test

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

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
	c := synth.Config{Groups: 1000, Interval: 10 * time.Millisecond, Start: time.Unix(1795315143, 0)}
	if err := c.WritePcap(path, 100000); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := dump.Run(context.Background(), []string{"-r", path, mode}, dump.Env{Stdout: io.Discard, Stderr: io.Discard}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSON prints an NDJSON object per advert for the same capture.
func BenchmarkJSON(b *testing.B) { benchMode(b, "--json") }
