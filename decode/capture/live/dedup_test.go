package live

import (
	"testing"
	"time"
)

// The copy of a frame from another interface within the window is
// dropped, whether tagged on one and not the other; a repeat on the same
// interface, a copy outside the window and another frame are kept.
func TestDedup(t *testing.T) {
	cooked := func(tag bool, payload ...byte) []byte {
		h := make([]byte, 14, 64)
		if tag {
			h = append(h, 0x81, 0x00, 0x00, 0x0a)
		}
		return append(append(h, 0x08, 0x00), payload...)
	}
	t0 := time.Unix(1000, 0)
	d := newDedup()
	for _, tc := range []struct {
		name    string
		data    []byte
		ifindex int
		at      time.Duration
		dup     bool
	}{
		{"first", cooked(false, 0x45, 1, 2, 3), 2, 0, false},
		{"same frame on the bridge", cooked(false, 0x45, 1, 2, 3), 3, 20 * time.Microsecond, true},
		{"same frame tagged on the trunk", cooked(true, 0x45, 1, 2, 3), 4, 30 * time.Microsecond, true},
		{"repeated on the same interface (GARP burst)", cooked(false, 0x45, 1, 2, 3), 2, 40 * time.Microsecond, false},
		{"another frame", cooked(false, 0x45, 1, 2, 4), 3, 50 * time.Microsecond, false},
		{"the next advert, 10 ms later", cooked(false, 0x45, 1, 2, 3), 3, 10 * time.Millisecond, false},
		{"runt", []byte{1, 2}, 3, 10 * time.Millisecond, false},
	} {
		if got := d.dup(tc.data, tc.ifindex, t0.Add(tc.at)); got != tc.dup {
			t.Errorf("%s: dup %v, want %v", tc.name, got, tc.dup)
		}
	}
}
