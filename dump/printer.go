package dump

import (
	"net"
	"strconv"
	"time"
)

// printer formats the frames of one link for --lines and --json, on the
// goroutine that reads them (capture.Options.Prepare). It keeps what every
// frame of the link repeats, the link's name as a JSON string and the text
// of the second a timestamp falls in, so that a line costs about what
// decoding its advert does (BenchmarkFormat): no fmt, no reflection, no
// allocation.
type printer struct {
	link     string
	linkJSON []byte // link, quoted
	loc      *time.Location
	showAuth bool
	clock    second // HH:MM:SS in loc, for lines
	utc      second // 2006-01-02T15:04:05 in UTC, for NDJSON
}

// second is the formatted text of one second.
type second struct {
	unix int64
	text []byte
}

func newPrinter(link string, loc *time.Location, showAuth bool) *printer {
	return &printer{link: link, linkJSON: strconv.AppendQuote(nil, link), loc: loc, showAuth: showAuth,
		clock: second{unix: -1 << 63}, utc: second{unix: -1 << 63}}
}

// appendClock appends a tcpdump-style time of day with microseconds, as
// the package-level appendClock does.
func (p *printer) appendClock(b []byte, t time.Time) []byte {
	if s := t.Unix(); s != p.clock.unix {
		p.clock.unix, p.clock.text = s, t.In(p.loc).AppendFormat(p.clock.text[:0], "15:04:05")
	}
	b = append(b, p.clock.text...)
	return appendFraction(b, t.Nanosecond()/1000, 6, false)
}

// appendRFC3339 appends t in UTC as time.RFC3339Nano does.
func (p *printer) appendRFC3339(b []byte, t time.Time) []byte {
	if s := t.Unix(); s != p.utc.unix {
		p.utc.unix, p.utc.text = s, t.UTC().AppendFormat(p.utc.text[:0], "2006-01-02T15:04:05")
	}
	b = append(b, p.utc.text...)
	b = appendFraction(b, t.Nanosecond(), 9, true)
	return append(b, 'Z')
}

// appendFraction appends "." and n as a fraction of digits digits; with
// trim, trailing zeros go and a zero fraction is left out (RFC3339Nano).
func appendFraction(b []byte, n, digits int, trim bool) []byte {
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

// appendMAC appends a MAC address as net.HardwareAddr.String writes it.
func appendMAC(b []byte, mac net.HardwareAddr) []byte {
	const hex = "0123456789abcdef"
	for i, c := range mac {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hex[c>>4], hex[c&0xf])
	}
	return b
}
