package dump

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/internal/synth"
)

// benchPkt is a decoded VRRPv3 advert as bench/compare.sh's capture has
// them, at a time with nanoseconds.
func benchPkt(b *testing.B) *capture.Packet {
	c := synth.Config{Groups: 10, Interval: 10 * time.Millisecond, Start: time.Unix(1795315143, 0)}
	fr, err := c.Frames()
	if err != nil {
		b.Fatal(err)
	}
	p, _ := decode.NewParser(1)
	k, err := p.Decode(fr[3])
	return &capture.Packet{N: 12345, CI: gopacket.CaptureInfo{Timestamp: time.Unix(1795315143, 123456789)}, Kind: k, Err: err, P: p}
}

// BenchmarkFormat measures formatting one advert, as --lines and --json
// do for each: it must stay near the cost of decoding it (0 allocations).
func BenchmarkFormatLine(b *testing.B) {
	pkt := benchPkt(b)
	pr := newPrinter("vrrp-1000000.pcap", time.Local, false, false)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = pr.advertLine(buf[:0], pkt)
	}
}

func BenchmarkFormatJSON(b *testing.B) {
	pkt := benchPkt(b)
	pr := newPrinter("vrrp-1000000.pcap", time.Local, false, false)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = pr.advertJSON(buf[:0], pkt)
	}
}

// TestPrinterTimes: the cached second and the fraction give what
// time.Format gives, across second boundaries and in a zone with an
// offset.
func TestPrinterTimes(t *testing.T) {
	loc := time.FixedZone("X", 5*3600+30*60)
	pr := newPrinter("l", loc, false, false)
	for _, ts := range []time.Time{
		time.Unix(1795315143, 0), time.Unix(1795315143, 120000000), time.Unix(1795315143, 999999999),
		time.Unix(1795315144, 1000), time.Unix(1795315144, 123456789), time.Unix(0, 0), time.Unix(1795315143, 500),
	} {
		if got, want := string(pr.appendRFC3339(nil, ts)), ts.UTC().Format(time.RFC3339Nano); got != want {
			t.Errorf("appendRFC3339(%v) = %s, want %s", ts, got, want)
		}
		if got, want := string(pr.appendClock(nil, ts)), ts.In(loc).Format("15:04:05.000000"); got != want {
			t.Errorf("appendClock(%v) = %s, want %s", ts, got, want)
		}
	}
}

// TestPrinterRepeatsAgree: the line and the object of every advert of
// every reference capture (and of the bench's synthetic groups) are the
// same through the cache of repeated adverts as formatted in full.
func TestPrinterRepeatsAgree(t *testing.T) {
	paths := refcap.Paths(t, "..")
	synthPath := filepath.Join(t.TempDir(), "synth.pcap")
	c := synth.Config{Groups: 300, Interval: 10 * time.Millisecond, Start: time.Unix(1795315143, 0)}
	if err := c.WritePcap(synthPath, 3000); err != nil {
		t.Fatal(err)
	}
	for _, path := range append(paths, synthPath) {
		src, err := pcapfile.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		// A printer's cache holds one mode's output: one printer each.
		lines, objs, full := newPrinter("l", time.UTC, true, false), newPrinter("l", time.UTC, true, false), newPrinter("l", time.UTC, true, false)
		n := 0
		err = capture.Run(context.Background(), src, capture.Options{}, func(pkt *capture.Packet) error {
			if pkt.Kind != decode.KindVRRP {
				return nil
			}
			n++
			if a, b := lines.vrrpLine(nil, pkt), full.advertLine(nil, pkt); string(a) != string(b) {
				t.Fatalf("%s frame %d: cached %q, full %q", path, pkt.N, a, b)
			}
			if a, b := objs.vrrpJSON(nil, pkt), full.advertJSON(nil, pkt); string(a) != string(b) {
				t.Fatalf("%s frame %d: cached %q, full %q", path, pkt.N, a, b)
			}
			return nil
		})
		src.Close()
		if err != nil || n == 0 {
			t.Fatalf("%s: %d adverts, %v", path, n, err)
		}
	}
}
