package decode

import (
	"math/bits"
	"strings"
)

// Problems is the set of things wrong with an advert that still decoded.
// An advert with no problems is valid; one with problems is "decoded but
// suspicious"; one that did not decode at all comes with an error instead.
type Problems uint32

// Problems an advert can have. Each has a stable id (see Problem.ID), used in
// NDJSON output and as the id of the finding it raises.
const (
	// ProblemBadChecksum: no checksum flavour matched.
	ProblemBadChecksum Problems = 1 << iota
	// ProblemBadTTL: a multicast advert whose IPv4 TTL or IPv6 hop limit is
	// not 255 (RFC 3768 7.1, RFC 5798 7.1). Unicast adverts are exempt.
	ProblemBadTTL
	// ProblemUnknownType: the type field is not 1 (Advertisement).
	ProblemUnknownType
	// ProblemCountMismatch: Count IP Addrs does not match the message length.
	ProblemCountMismatch
	// ProblemZeroInterval: the advertisement interval is 0.
	ProblemZeroInterval
	// ProblemUnknownAuthType: a VRRPv2 auth type other than 0, 1 or 2.
	ProblemUnknownAuthType
	// ProblemIPv6FirstAddr: the first address of a v3 IPv6 advert is not
	// link-local (RFC 5798 5.2.9).
	ProblemIPv6FirstAddr
	// ProblemTrailingBytes: bytes after the message inside the IP payload.
	ProblemTrailingBytes
	// ProblemHMACTrailer: exactly 28 bytes after the message, the size of the
	// HMAC trailer keepalived 2.4 appends; recognised, not verified.
	ProblemHMACTrailer
	// ProblemTruncated: the capture holds fewer bytes than the IP header
	// announces (snap length); the checksum cannot be verified.
	ProblemTruncated
	// ProblemVersionFamily: VRRPv2 carried over IPv6 (v2 is IPv4 only).
	ProblemVersionFamily
	// ProblemFragment: the advert arrived in an IP fragment.
	ProblemFragment

	problemEnd
)

var problemIDs = [...]string{
	"bad-checksum",
	"bad-ttl",
	"unknown-type",
	"count-mismatch",
	"zero-interval",
	"unknown-auth-type",
	"ipv6-first-addr",
	"trailing-bytes",
	"hmac-trailer",
	"truncated",
	"version-family",
	"fragment",
}

// Has reports whether all problems of q are in p.
func (p Problems) Has(q Problems) bool { return p&q == q }

// Len is the number of problems in the set.
func (p Problems) Len() int { return bits.OnesCount32(uint32(p)) }

// Each calls fn for every problem in the set, lowest bit first.
func (p Problems) Each(fn func(Problems)) {
	for p != 0 {
		q := p & -p
		fn(q)
		p &^= q
	}
}

// ID returns the stable id of a single problem, e.g. "bad-checksum".
// A set of several problems or an unknown bit gives "Problems(0x..)".
func (p Problems) ID() string {
	if p.Len() == 1 {
		if i := bits.TrailingZeros32(uint32(p)); i < len(problemIDs) {
			return problemIDs[i]
		}
	}
	const hex = "0123456789abcdef"
	var b [8]byte
	for i := range b {
		b[7-i] = hex[(uint32(p)>>(4*i))&0xf]
	}
	return "Problems(0x" + strings.TrimLeft(string(b[:]), "0") + ")"
}

// IDs returns the ids of every problem in the set, in bit order. It allocates;
// use Each on hot paths.
func (p Problems) IDs() []string {
	ids := make([]string, 0, p.Len())
	p.Each(func(q Problems) { ids = append(ids, q.ID()) })
	return ids
}

// String joins the ids with commas; "" for no problems.
func (p Problems) String() string { return strings.Join(p.IDs(), ",") }

// ProblemByID returns the problem with the given id.
func ProblemByID(id string) (Problems, bool) {
	for i, s := range problemIDs {
		if s == id {
			return 1 << i, true
		}
	}
	return 0, false
}
