package track

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// gapStats agrees with a two-pass computation in float64 on gap series of
// every scale VRRP has, from 10 ms to four times 255 s.
func TestGapStats(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	series := map[string][]time.Duration{
		"one":      {time.Second},
		"constant": {time.Second, time.Second, time.Second},
		"keepalived 1 s": func() (g []time.Duration) {
			for range 1000 {
				g = append(g, time.Second+time.Duration(rng.IntN(400_000))-200_000)
			}
			return g
		}(),
		"v3 10 ms, first gap late": func() (g []time.Duration) {
			g = append(g, 35*time.Millisecond)
			for range 100000 {
				g = append(g, 10*time.Millisecond+time.Duration(rng.IntN(20_000)))
			}
			return g
		}(),
		"v2 255 s, up to 4 intervals": func() (g []time.Duration) {
			for range 1000 {
				g = append(g, time.Duration(rng.Int64N(int64(4*255*time.Second))))
			}
			return g
		}(),
	}
	for name, gaps := range series {
		var s gapStats
		var sum, max float64
		for _, g := range gaps {
			s.add(g)
			sum += float64(g)
			max = math.Max(max, float64(g))
		}
		mean := sum / float64(len(gaps))
		var v float64
		for _, g := range gaps {
			v += (float64(g) - mean) * (float64(g) - mean)
		}
		jitter := math.Sqrt(v / float64(len(gaps)))
		if len(gaps) < 2 {
			jitter = 0
		}
		if d := math.Abs(float64(s.mean()) - mean); d > 1 {
			t.Errorf("%s: mean %v, want %.1f ns", name, s.mean(), mean)
		}
		if d := math.Abs(float64(s.jitter()) - jitter); d > 1+jitter*1e-9 {
			t.Errorf("%s: jitter %v, want %.1f ns", name, s.jitter(), jitter)
		}
		if time.Duration(s.max) != time.Duration(max) {
			t.Errorf("%s: max %v, want %v", name, time.Duration(s.max), time.Duration(max))
		}
	}
	// Gaps half a second off the first: the squares' sum passes 64 bits
	// after 74 of them.
	var s gapStats
	s.add(time.Second)
	for i := range 1000 {
		s.add(time.Second + time.Duration(i%2*2-1)*time.Second/2)
	}
	want := time.Duration(math.Round(math.Sqrt(1000 * 0.25 / 1001 * 1e18)))
	if s.sqHi == 0 || s.mean() != time.Second || s.jitter() != want {
		t.Errorf("wide gaps: mean %v jitter %v, want 1s %v (squares' high word %d)", s.mean(), s.jitter(), want, s.sqHi)
	}
}
