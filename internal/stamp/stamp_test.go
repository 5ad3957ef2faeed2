package stamp_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/stamp"
)

// TestAsTimeFormats holds both ways of formatting to the time package's own,
// over stamps that share seconds, cross them, and have trailing zeros.
func TestAsTimeFormats(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	utc, clock := stamp.UTC(), stamp.New("15:04:05", berlin)
	rng := rand.New(rand.NewPCG(1, 2))
	ts := time.Date(2026, 3, 29, 0, 59, 58, 0, time.UTC) // a DST change in Berlin
	var b []byte
	for i := range 5000 {
		switch i % 4 {
		case 0:
			ts = ts.Add(time.Duration(rng.IntN(int(time.Second))))
		case 1:
			ts = ts.Add(time.Duration(rng.IntN(1000)) * time.Millisecond).Truncate(time.Millisecond)
		case 2:
			ts = ts.Truncate(time.Second).Add(time.Second)
		case 3:
			ts = ts.Add(time.Duration(rng.IntN(1000)) * time.Microsecond)
		}
		local := ts.In(berlin)
		if b = utc.RFC3339Nano(b[:0], local); string(b) != ts.UTC().Format(time.RFC3339Nano) {
			t.Fatalf("RFC3339Nano(%v) = %s, want %s", local, b, ts.UTC().Format(time.RFC3339Nano))
		}
		b = clock.Second(b[:0], ts)
		if b = stamp.Fraction(b, ts.Nanosecond()/1000, 6, false); string(b) != local.Format("15:04:05.000000") {
			t.Fatalf("Second+Fraction(%v) = %s, want %s", ts, b, local.Format("15:04:05.000000"))
		}
	}
}

func BenchmarkRFC3339Nano(b *testing.B) {
	c := stamp.UTC()
	buf := make([]byte, 0, 64)
	ts := time.Unix(1795315143, 0)
	for b.Loop() {
		ts = ts.Add(10 * time.Millisecond)
		buf = c.RFC3339Nano(buf[:0], ts)
	}
}
