package track

import (
	"math"
	"math/bits"
	"time"
)

// gapStats keeps what the mean, maximum and jitter of a router's
// inter-advert gaps need, exactly and without a division per gap: their
// count, and the sum and sum of squares of each gap's difference from the
// first gap (small numbers: the squares' sum fits 128 bits for years).
type gapStats struct {
	n          int64
	sum        int64 // Σ(gap − first), ns
	sqHi, sqLo uint64
	first      int64 // ns
	max        int64 // ns
}

func (g *gapStats) add(gap time.Duration) {
	x := int64(gap)
	if g.n == 0 {
		g.first = x
	}
	g.n++
	d := x - g.first
	g.sum += d
	hi, lo := bits.Mul64(uint64(abs(d)), uint64(abs(d)))
	var carry uint64
	g.sqLo, carry = bits.Add64(g.sqLo, lo, 0)
	g.sqHi += hi + carry
	if x > g.max {
		g.max = x
	}
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// mean is the mean gap, to the nanosecond.
func (g *gapStats) mean() time.Duration {
	if g.n == 0 {
		return 0
	}
	return time.Duration(g.first + int64(math.Round(float64(g.sum)/float64(g.n))))
}

// jitter is the population standard deviation of the gaps.
func (g *gapStats) jitter() time.Duration {
	if g.n < 2 {
		return 0
	}
	n := float64(g.n)
	m := float64(g.sum) / n
	v := (float64(g.sqHi)*(1<<64)+float64(g.sqLo))/n - m*m
	return time.Duration(math.Round(math.Sqrt(max(v, 0))))
}

// ringSize is how many recent adverts each router keeps for timelines.
const ringSize = 256

// sample is one advert in a router's timeline.
type sample struct {
	ts   int64 // UnixNano
	prio uint8
}

// ring is a fixed-size buffer of the most recent adverts. Its position
// and count sit apart from the samples (router.recentBuf), with the fields
// the steady path touches: with a thousand groups, a separate cache line
// per advert for them cost more than the rest of the steady path.
type ring struct {
	next uint8 // ringSize is 256
	n    uint16
}

// samples holds a ring's adverts, times and priorities apart: an advert
// writes 9 bytes in two arrays, one cache line per 8 adverts in the first
// and per 64 in the second, where 16-byte samples took one per 4.
type samples struct {
	ts   [ringSize]int64 // UnixNano
	prio [ringSize]uint8
}

func (r *ring) add(buf *samples, ts instant, prio uint8) {
	buf.ts[r.next], buf.prio[r.next] = int64(ts), prio
	r.next++
	if r.n < ringSize {
		r.n++
	}
}

// each calls fn oldest first.
func (r *ring) each(buf *samples, fn func(sample)) {
	start := (int(r.next) - int(r.n) + ringSize) % ringSize
	for i := 0; i < int(r.n); i++ {
		k := (start + i) % ringSize
		fn(sample{buf.ts[k], buf.prio[k]})
	}
}
