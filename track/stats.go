package track

import (
	"math"
	"time"
)

// welford keeps a running mean and variance of inter-advert gaps (Welford's
// online algorithm), in seconds, with no per-sample storage.
type welford struct {
	n    int64
	mean float64
	m2   float64
	max  float64
}

func (w *welford) add(x float64) {
	w.n++
	d := x - w.mean
	w.mean += d / float64(w.n)
	w.m2 += d * (x - w.mean)
	if x > w.max {
		w.max = x
	}
}

// stddev is the population standard deviation: the jitter.
func (w *welford) stddev() float64 {
	if w.n < 2 {
		return 0
	}
	return math.Sqrt(w.m2 / float64(w.n))
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

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

type samples [ringSize]sample

func (r *ring) add(buf *samples, ts instant, prio uint8) {
	buf[r.next] = sample{int64(ts), prio}
	r.next++
	if r.n < ringSize {
		r.n++
	}
}

// each calls fn oldest first.
func (r *ring) each(buf *samples, fn func(sample)) {
	start := (int(r.next) - int(r.n) + ringSize) % ringSize
	for i := 0; i < int(r.n); i++ {
		fn(buf[(start+i)%ringSize])
	}
}
