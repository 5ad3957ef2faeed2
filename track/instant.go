package track

import "time"

// instant is a point in time in Unix nanoseconds: the tracker's clock.
// Arithmetic on time.Time (wall and monotonic parts, locations) cost more
// than all the rest of tracking an advert, so the tracker converts once, at
// Observe, and back only for what it hands out. The zero instant means
// "never", as the zero time.Time does.
type instant int64

func at(t time.Time) instant {
	if t.IsZero() {
		return 0
	}
	return instant(t.UnixNano())
}

// Time converts back, in UTC.
func (i instant) Time() time.Time {
	if i == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(i)).UTC()
}

func (i instant) Sub(o instant) time.Duration { return time.Duration(i - o) }
func (i instant) Add(d time.Duration) instant { return i + instant(d) }
func (i instant) Before(o instant) bool       { return i < o }
func (i instant) After(o instant) bool        { return i > o }
func (i instant) Equal(o instant) bool        { return i == o }
func (i instant) IsZero() bool                { return i == 0 }
func (i instant) Compare(o instant) int {
	switch {
	case i < o:
		return -1
	case i > o:
		return 1
	}
	return 0
}
