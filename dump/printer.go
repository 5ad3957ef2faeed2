package dump

import (
	"net"
	"strconv"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/internal/stamp"
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
	macs     bool        // -e: the link-level addresses on each advert's line
	clock    stamp.Clock // HH:MM:SS in loc, for lines
	utc      stamp.Clock // 2006-01-02T15:04:05 in UTC, for NDJSON
	// Nearly every advert repeats its router's previous one byte for byte
	// (decode.Repeats), and so does its output after the time: tails
	// holds it per flow, so that a repeat costs its time and a copy. A
	// printer therefore formats in one mode only: vrrpLine or vrrpJSON.
	// A printer tags frames with its own repeats, or takes the reader's
	// tags when the reader has them (repeats nil: capture.Options.Lazy).
	repeats *decode.Repeats
	tails   [][]byte
}

// newPrinter returns a printer for link; lazy: it is given frames read
// with capture.Options.Lazy.
func newPrinter(link string, loc *time.Location, showAuth, lazy bool) *printer {
	pr := &printer{link: link, linkJSON: strconv.AppendQuote(nil, link), loc: loc, showAuth: showAuth,
		clock: stamp.New("15:04:05", loc), utc: stamp.UTC()}
	if !lazy {
		pr.repeats = decode.NewRepeats()
	}
	return pr
}

// vrrpLine is advertLine, the body taken from the tails when the frame
// repeats its flow's previous one.
func (pr *printer) vrrpLine(b []byte, pkt *capture.Packet) []byte {
	flow, tail := pr.repeat(pkt)
	b = pr.appendClock(b, pkt.CI.Timestamp)
	if tail != nil {
		return append(b, tail...)
	}
	mark := len(b)
	b = pr.advertBody(b, pkt)
	pr.keep(flow, b[mark:])
	return b
}

// vrrpJSON is advertJSON the same way.
func (pr *printer) vrrpJSON(b []byte, pkt *capture.Packet) []byte {
	flow, tail := pr.repeat(pkt)
	b = pr.jsonStart(b, `{"kind":"advert","frame":`, pkt)
	if tail != nil {
		return append(b, tail...)
	}
	mark := len(b)
	b = pr.advertJSONBody(b, pkt)
	pr.keep(flow, b[mark:])
	return b
}

// repeat tells the frame's flow (-1: none, as for any frame but an
// Ethernet one Repeats takes) and, if the frame repeats the flow's
// previous one, the output kept for that one. A frame the reader did not
// decode (capture.Options.Lazy) always has it: it repeats a valid advert,
// which was printed whole.
func (pr *printer) repeat(pkt *capture.Packet) (flow int32, tail []byte) {
	flow, rep := pkt.Flow, pkt.Repeat
	if pr.repeats != nil {
		flow, rep = pr.repeats.See(pkt.Data)
	}
	if flow >= 0 && rep && int(flow) < len(pr.tails) {
		return flow, pr.tails[flow]
	}
	return flow, nil
}

// keep remembers the output of flow's latest frame.
func (pr *printer) keep(flow int32, tail []byte) {
	if flow < 0 {
		return
	}
	for int(flow) >= len(pr.tails) {
		pr.tails = append(pr.tails, nil)
	}
	pr.tails[flow] = append(pr.tails[flow][:0], tail...)
}

// appendClock appends a tcpdump-style time of day with microseconds, as
// the package-level appendClock does.
func (p *printer) appendClock(b []byte, t time.Time) []byte {
	b = p.clock.Second(b, t)
	return stamp.Fraction(b, t.Nanosecond()/1000, 6, false)
}

// appendRFC3339 appends t in UTC as time.RFC3339Nano does.
func (p *printer) appendRFC3339(b []byte, t time.Time) []byte {
	return p.utc.RFC3339Nano(b, t)
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
