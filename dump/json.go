package dump

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/track"
)

// advertJSON appends one NDJSON advert object (fields documented in
// README.md, "NDJSON"). It is written by hand: encoding/json would cost more
// than decoding the advert.
func (pr *printer) advertJSON(b []byte, pkt *capture.Packet) []byte {
	return pr.advertJSONBody(pr.jsonStart(b, `{"kind":"advert","frame":`, pkt), pkt)
}

// advertJSONBody appends an advert object after its frame and time.
func (pr *printer) advertJSONBody(b []byte, pkt *capture.Packet) []byte {
	v := &pkt.P.VRRP
	b = pr.jsonHead(b, pkt, &v.IP)
	if pkt.Err != nil {
		b = append(b, `,"problems":["malformed"],"error":`...)
		b = strconv.AppendQuote(b, pkt.Err.Error())
		return append(b, "}\n"...)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendUint(b, uint64(v.Version), 10)
	b = append(b, `,"type":`...)
	b = strconv.AppendUint(b, uint64(v.Type), 10)
	b = append(b, `,"vrid":`...)
	b = strconv.AppendUint(b, uint64(v.VRID), 10)
	b = append(b, `,"priority":`...)
	b = strconv.AppendUint(b, uint64(v.Priority), 10)
	b = append(b, `,"count":`...)
	b = strconv.AppendUint(b, uint64(v.CountIPAddr), 10)
	b = append(b, `,"auth_type":`...)
	if v.Version == decode.V2 {
		switch v.AuthType {
		case decode.AuthNone, decode.AuthSimple, decode.AuthAH:
			b = append(b, '"')
			b = append(b, v.AuthType.String()...)
			b = append(b, '"')
		default:
			b = strconv.AppendUint(b, uint64(v.AuthType), 10)
		}
	} else {
		b = append(b, `"none"`...)
	}
	if v.Version == decode.V2 && v.AuthType == decode.AuthSimple {
		b = append(b, `,"auth":`...)
		if pr.showAuth {
			b = strconv.AppendQuote(b, v.AuthString())
		} else {
			b = append(b, `"`+masked+`"`...)
		}
	}
	b = append(b, `,"interval_ms":`...)
	b = strconv.AppendInt(b, v.Interval().Milliseconds(), 10)
	b = append(b, `,"checksum":"`...)
	if v.ChecksumStatus == decode.ChecksumGood {
		b = append(b, "ok"...)
	} else if v.ChecksumStatus == decode.ChecksumBad {
		b = append(b, "bad"...)
	} else {
		b = append(b, "unverified"...)
	}
	b = append(b, `","checksum_flavour":"`...)
	b = append(b, v.Flavour.String()...)
	b = append(b, `","addrs":[`...)
	for i, a := range v.Addrs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = a.AppendTo(b)
		b = append(b, '"')
	}
	b = append(b, `],"problems":[`...)
	b = appendProblemIDs(b, v.Problems, true)
	return append(b, "]}\n"...)
}

// jsonStart appends what starts every advert object (VRRP or CARP): start
// (`{"kind":"advert","frame":`), the frame number and the time.
func (pr *printer) jsonStart(b []byte, start string, pkt *capture.Packet) []byte {
	b = append(b, start...)
	b = strconv.AppendInt(b, int64(pkt.N), 10)
	b = append(b, `,"time":"`...)
	return pr.appendRFC3339(b, pkt.CI.Timestamp)
}

// jsonHead appends the fields that follow, from "link" to "ttl".
func (pr *printer) jsonHead(b []byte, pkt *capture.Packet, c *decode.Carrier) []byte {
	p := pkt.P
	b = append(b, `","link":`...)
	b = append(b, pr.linkJSON...)
	b = append(b, `,"vlan":`...)
	b = strconv.AppendUint(b, uint64(p.Link.VLAN()), 10)
	b = append(b, `,"src_mac":"`...)
	b = appendMAC(b, p.Link.SrcMAC)
	b = append(b, `","src":"`...)
	b = c.Src.AppendTo(b)
	b = append(b, `","dst":"`...)
	b = c.Dst.AppendTo(b)
	b = append(b, `","ttl":`...)
	return strconv.AppendUint(b, uint64(c.TTL), 10)
}

// findingJSON is a finding as an NDJSON object.
type findingJSON struct {
	Kind string `json:"kind"`
	track.Finding
}

func appendFindingJSON(b []byte, f *track.Finding) []byte {
	j, err := json.Marshal(findingJSON{"finding", *f})
	if err != nil {
		// Evidence holds scalars only; this cannot fail, but say so if it does.
		j, _ = json.Marshal(map[string]string{"kind": "finding", "id": f.ID, "error": err.Error()})
	}
	return append(append(b, j...), '\n')
}

// summaryJSON is the last NDJSON object.
type summaryJSON struct {
	Kind    string                `json:"kind"`
	Source  string                `json:"source"`
	Frames  int                   `json:"frames"`
	Stats   track.Stats           `json:"stats"`
	Capture *capture.Stats        `json:"capture,omitempty"`
	Groups  []track.GroupSnapshot `json:"groups"`
	// CARP holds the CARP groups (OpenBSD carp(4)), when there are any.
	CARP     []track.CARPSnapshot `json:"carp,omitempty"`
	Findings []track.Finding      `json:"findings"`
	// Incidents are every state finding's episodes, with start and end
	// (absent while open), in order of opening.
	Incidents []track.Incident `json:"incidents"`
	// Notes says what the capture could not show (track.Tracker.Notes),
	// such as a capture filtered to VRRP that cannot back garp-missing.
	Notes []string `json:"notes,omitempty"`
	// Incomplete says where and why the reading of a file stopped early
	// (then Exit is 3); absent when the file was read to its end.
	Incomplete string `json:"incomplete,omitempty"`
	Exit       int    `json:"exit"`
}

// appendSummaryJSON appends the summary object, byte for byte as
// json.Marshal(sum) writes it, but without encoding/json reading each
// router's recent adverts again: it re-reads (compacts) every byte a
// Marshaler returns, and the quarter of a million samples of 1,000 groups
// made that the one slow step left at the end of --json. Each level is
// marshalled with its bulky part left out, and that part is appended where
// json.Marshal puts it: in json.Marshal's output a key is the only place
// where `,"groups":null,` can stand, since a quote inside a string is
// escaped. TestSummaryJSONAsMarshal holds the two equal.
func appendSummaryJSON(b []byte, sum summaryJSON) ([]byte, error) {
	groups := sum.Groups
	sum.Groups = nil
	size := 4096
	for _, g := range groups {
		for _, r := range g.Routers {
			size += 1024 + len(r.Recent)*48
		}
	}
	b = slices.Grow(b, size) // 12 MB for 1,000 groups: grown by doubling, copied again and again
	return splice(b, sum, `,"groups":null,`, func(b []byte) ([]byte, error) {
		return appendList(b, groups, appendGroupJSON)
	})
}

// appendGroupJSON appends g as json.Marshal writes it.
func appendGroupJSON(b []byte, g track.GroupSnapshot) ([]byte, error) {
	routers := g.Routers
	g.Routers = nil
	return splice(b, g, `,"routers":null,`, func(b []byte) ([]byte, error) {
		return appendList(b, routers, appendRouterJSON)
	})
}

// appendRouterJSON appends r as json.Marshal writes it.
func appendRouterJSON(b []byte, r track.RouterSnapshot) ([]byte, error) {
	recent := r.Recent
	r.Recent = nil
	j, err := json.Marshal(r)
	if err != nil {
		return b, err
	}
	if len(recent) == 0 { // omitempty
		return append(b, j...), nil
	}
	b = append(b, j[:len(j)-1]...) // Recent is the last field
	b = append(b, `,"recent":`...)
	return append(recent.AppendJSON(b), '}'), nil
}

// appendList appends xs as a JSON list (null when nil), each element by
// each.
func appendList[T any](b []byte, xs []T, each func([]byte, T) ([]byte, error)) ([]byte, error) {
	if xs == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = each(b, x); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// splice appends v as json.Marshal writes it, but with the value of the
// field whose key stands in key (as `,"name":null,`) appended by value.
func splice(b []byte, v any, key string, value func([]byte) ([]byte, error)) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	at := bytes.Index(j, []byte(key))
	if at < 0 {
		return b, fmt.Errorf("internal error: no %s in the marshalled %T", key, v)
	}
	b = append(b, j[:at+len(key)-len("null,")]...)
	if b, err = value(b); err != nil {
		return b, err
	}
	return append(b, j[at+len(key)-len(","):]...), nil
}
