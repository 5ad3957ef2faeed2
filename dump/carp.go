package dump

import (
	"strconv"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// carpLine appends one line for a CARP advert, in the shape of an
// advert's line:
//
//	02:39:03.456930 em0 192.0.2.1 > 224.0.0.18: CARPv2 vhid 1 advbase 1 advskew 0 intvl 1s demote 0 counter 0x5f0a1b2c00000001 ttl 255 [ok]
func (pr *printer) carpLine(b []byte, pkt *capture.Packet) []byte {
	c := &pkt.P.CARP
	b = pr.appendClock(b, pkt.CI.Timestamp)
	b = pr.lineHead(b, pkt, &c.IP)
	b = append(b, "CARP"...)
	b = append(b, c.Version.String()...)
	if c.Type != decode.TypeAdvertisement {
		b = append(b, ' ')
		b = append(b, c.Type.String()...)
	}
	b = append(b, " vhid "...)
	b = strconv.AppendUint(b, uint64(c.VHID), 10)
	b = append(b, " advbase "...)
	b = strconv.AppendUint(b, uint64(c.AdvBase), 10)
	b = append(b, " advskew "...)
	b = strconv.AppendUint(b, uint64(c.AdvSkew), 10)
	b = append(b, " intvl "...)
	if c.AdvSkew == 0 {
		b = strconv.AppendUint(b, uint64(c.AdvBase), 10)
		b = append(b, 's')
	} else {
		b = strconv.AppendInt(b, c.Interval().Milliseconds(), 10)
		b = append(b, "ms"...)
	}
	b = append(b, " demote "...)
	b = strconv.AppendUint(b, uint64(c.Demote), 10)
	b = append(b, " counter 0x"...)
	b = strconv.AppendUint(b, c.Counter, 16)
	b = append(b, " ttl "...)
	b = strconv.AppendUint(b, uint64(c.IP.TTL), 10)
	return appendVerdict(b, c.Problems)
}

// carpJSON appends one NDJSON object of kind "carp" (fields in
// README.md, "NDJSON").
func (pr *printer) carpJSON(b []byte, pkt *capture.Packet) []byte {
	c := &pkt.P.CARP
	b = pr.jsonStart(b, `{"kind":"carp","frame":`, pkt)
	b = pr.jsonHead(b, pkt, &c.IP)
	b = append(b, `,"version":`...)
	b = strconv.AppendUint(b, uint64(c.Version), 10)
	b = append(b, `,"type":`...)
	b = strconv.AppendUint(b, uint64(c.Type), 10)
	b = append(b, `,"vhid":`...)
	b = strconv.AppendUint(b, uint64(c.VHID), 10)
	b = append(b, `,"advbase":`...)
	b = strconv.AppendUint(b, uint64(c.AdvBase), 10)
	b = append(b, `,"advskew":`...)
	b = strconv.AppendUint(b, uint64(c.AdvSkew), 10)
	b = append(b, `,"demote":`...)
	b = strconv.AppendUint(b, uint64(c.Demote), 10)
	b = append(b, `,"counter":`...)
	b = strconv.AppendUint(b, c.Counter, 10)
	b = append(b, `,"interval_ms":`...)
	b = strconv.AppendInt(b, c.Interval().Milliseconds(), 10)
	b = append(b, `,"checksum":"`...)
	b = append(b, c.ChecksumStatus.String()...)
	b = append(b, `","problems":[`...)
	b = appendProblemIDs(b, c.Problems, true)
	return append(b, "]}\n"...)
}

// appendProblemIDs appends the ids of a set of problems, comma-separated,
// each in double quotes with quoted.
func appendProblemIDs(b []byte, ps decode.Problems, quoted bool) []byte {
	first := true
	ps.Each(func(q decode.Problems) {
		if !first {
			b = append(b, ',')
		}
		first = false
		if quoted {
			b = append(b, '"')
		}
		b = append(b, q.ID()...)
		if quoted {
			b = append(b, '"')
		}
	})
	return b
}
