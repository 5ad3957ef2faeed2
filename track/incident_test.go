package track_test

import (
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// Durations are rounded to what matters: milliseconds below 10 s, tenths
// of a second below 2 minutes, then whole seconds and minutes.
func TestFormatDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000 s"},
		{3410156250, "3.410 s"},
		{9999 * time.Millisecond, "9.999 s"},
		{42340 * time.Millisecond, "42.3 s"},
		{119 * time.Second, "119.0 s"},
		{5*time.Minute + 12400*time.Millisecond, "5 min 12 s"},
		{3*time.Hour + 5*time.Minute, "3 h 5 min"},
	} {
		if got := track.FormatDuration(c.d); got != c.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
