// Package stamp formats time stamps for output written per advert: a Clock
// keeps the text of the last second it formatted, so that every later
// stamp within that second costs only its fraction. No fmt, no reflection,
// no allocation once the second's text is kept.
package stamp

import "time"

// Clock formats the whole seconds of stamps by one layout in one location.
// The zero Clock is not usable: make one with New or UTC.
type Clock struct {
	layout string
	loc    *time.Location
	unix   int64
	text   []byte
}

// New returns a Clock formatting seconds by layout in loc. The layout must
// not print anything finer than seconds.
func New(layout string, loc *time.Location) Clock {
	return Clock{layout: layout, loc: loc, unix: -1 << 63}
}

// UTC returns a Clock for RFC3339Nano: 2006-01-02T15:04:05 in UTC.
func UTC() Clock { return New("2006-01-02T15:04:05", time.UTC) }

// Second appends t's whole second, by c's layout and in c's location.
func (c *Clock) Second(b []byte, t time.Time) []byte {
	if s := t.Unix(); s != c.unix {
		c.unix, c.text = s, t.In(c.loc).AppendFormat(c.text[:0], c.layout)
	}
	return append(b, c.text...)
}

// RFC3339Nano appends t in UTC as t.UTC().Format(time.RFC3339Nano) writes
// it; c must come from UTC.
func (c *Clock) RFC3339Nano(b []byte, t time.Time) []byte {
	b = c.Second(b, t)
	b = Fraction(b, t.Nanosecond(), 9, true)
	return append(b, 'Z')
}

// Fraction appends "." and n as a fraction of digits digits (at most 9);
// with trim, trailing zeros go and a zero fraction is left out, as
// RFC3339Nano's ".999999999" does.
func Fraction(b []byte, n, digits int, trim bool) []byte {
	if trim && n == 0 {
		return b
	}
	var d [9]byte
	for i := digits - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	end := digits
	for trim && d[end-1] == '0' {
		end--
	}
	b = append(b, '.')
	return append(b, d[:end]...)
}
