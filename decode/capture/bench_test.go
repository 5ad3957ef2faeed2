package capture_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/internal/synth"
)

const benchAdverts = 100000

// benchFile writes 100,000 v3 adverts from 1,000 groups; per-advert cost
// is ns/op / 100,000.
func benchFile(b *testing.B) string { return benchFileOf(b, benchAdverts) }

func benchFileOf(b *testing.B, adverts int) string {
	path := filepath.Join(b.TempDir(), "bench.pcap")
	c := synth.Config{Groups: 1000, Interval: 10 * time.Millisecond, Start: time.Unix(1795315143, 0)}
	if err := c.WritePcap(path, adverts); err != nil {
		b.Fatal(err)
	}
	return path
}

func open(b *testing.B, path string) capture.Source {
	src, err := pcapfile.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// BenchmarkTagged is the reading side of vrrpdump --summary: 200,000
// adverts (15 MB, so mapped) read and tagged; per-advert cost is ns/op /
// 200,000.
func BenchmarkTagged(b *testing.B) {
	const adverts = 200000
	path := benchFileOf(b, adverts)
	b.ResetTimer()
	for b.Loop() {
		src := open(b, path)
		n := 0
		err := capture.RunBatches(context.Background(), src, capture.Options{Tag: true}, func(t *capture.Batch) error {
			n += len(t.Tags)
			return nil
		})
		src.Close()
		if err != nil || n != adverts {
			b.Fatalf("read %d frames (%v), want %d", n, err, adverts)
		}
	}
}

// BenchmarkRead is the file reading alone.
func BenchmarkRead(b *testing.B) {
	path := benchFile(b)
	b.ResetTimer()
	for b.Loop() {
		src := open(b, path)
		n := 0
		for {
			_, _, err := src.ZeroCopyReadPacketData()
			if err != nil {
				break
			}
			n++
		}
		src.Close()
		if n != benchAdverts {
			b.Fatalf("read %d frames, want %d", n, benchAdverts)
		}
	}
}

// BenchmarkRun is reading and decoding, as every output mode does.
func BenchmarkRun(b *testing.B) {
	path := benchFile(b)
	b.ResetTimer()
	for b.Loop() {
		src := open(b, path)
		n := 0
		err := capture.Run(context.Background(), src, capture.Options{}, func(p *capture.Packet) error {
			if p.Err == nil {
				n++
			}
			return nil
		})
		src.Close()
		if err != nil || n != benchAdverts {
			b.Fatalf("decoded %d frames (%v), want %d", n, err, benchAdverts)
		}
	}
}

// BenchmarkReadPcapgo is gopacket's reader on the same file, for reference.
func BenchmarkReadPcapgo(b *testing.B) {
	path := benchFile(b)
	b.ResetTimer()
	for b.Loop() {
		f, _ := os.Open(path)
		r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			if _, _, err := r.ZeroCopyReadPacketData(); err != nil {
				break
			}
			n++
		}
		f.Close()
		if n != benchAdverts {
			b.Fatalf("read %d frames, want %d", n, benchAdverts)
		}
	}
}
