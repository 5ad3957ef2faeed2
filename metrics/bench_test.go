package metrics_test

import (
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/synth"
	"github.com/vrrpkit/vrrpkit/metrics"
	"github.com/vrrpkit/vrrpkit/track"
)

// BenchmarkScrape is one scrape of /metrics (collect, gather, encode) with
// 1,000 healthy groups, each heard 20 times at 100 ms.
func BenchmarkScrape(b *testing.B) {
	c := synth.Config{Groups: 1000, Interval: 100 * time.Millisecond, Start: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	p, err := decode.NewParser(layers.LinkTypeEthernet)
	if err != nil {
		b.Fatal(err)
	}
	tr := track.New(track.Options{})
	err = c.Each(20*c.Groups, func(ts time.Time, frame []byte) error {
		kind, err := p.Decode(frame)
		tr.Observe(ts, "eth0", p, kind, err)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	h := metrics.Handler(metrics.Registry(metrics.New(tr, nil)))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
		io.Copy(io.Discard, w.Body)
	}
}
