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
	// ProblemBadVRID: the VRID is 0, outside 1..255 (RFC 3768 5.3.3, RFC
	// 5798 5.2.3).
	ProblemBadVRID
	// ProblemNoAddresses: Count IP Addrs is 0; a virtual router has at
	// least one address (RFC 5798 5.2.5, RFC 3768 6.1).
	ProblemNoAddresses
	// ProblemBadSource: an IP source no router's interface can have:
	// 0.0.0.0/8, 127/8, multicast or 255.255.255.255; ::, ::1 or multicast.
	// The kernel drops such a packet before VRRP sees it (RFC 1122
	// 3.2.1.3, RFC 4291 2.5.2-2.7).
	ProblemBadSource
	// ProblemSourceNotLinkLocal: a VRRPv3 IPv6 advert from an address that
	// is not link-local (RFC 5798 5.1.2.1).
	ProblemSourceNotLinkLocal
	// ProblemBadGroup: a multicast destination other than 224.0.0.18 or
	// ff02::12 (RFC 5798 5.1.1.2 and 5.1.2.2, RFC 3768 5.2.2): no VRRP
	// router joins it. Unicast adverts are legal (keepalived, RFC 9568).
	ProblemBadGroup
	// ProblemBadIPChecksum: the IPv4 header checksum is wrong; the kernel
	// drops the packet (RFC 1122 3.2.1.2).
	ProblemBadIPChecksum
	// ProblemChecksumFlavour: a VRRPv3 IPv4 advert whose checksum verifies
	// only without the pseudo-header or with 224.0.0.18 in it, not as
	// RFC 5798 5.2.8 says; an RFC 5798 receiver discards it (7.1).
	ProblemChecksumFlavour
	// ProblemReservedBits: VRRPv3's reserved bits are set. They "MUST be
	// set to zero on transmission and ignored on reception" (RFC 5798
	// 5.2.6): a warning only.
	ProblemReservedBits

	problemEnd
)

// problemInfo is one row per problem, in bit order: its stable id, what it
// means with the rule it breaks, and whether a receiver following the
// RFCs (or its kernel) discards an advert that has it.
var problemInfo = [...]struct {
	id, reason string
	discard    bool
}{
	{"bad-checksum", "the VRRP checksum matches no flavour (RFC 3768 7.1, RFC 5798 7.1)", true},
	{"bad-ttl", "a multicast advert with TTL / hop limit other than 255 (RFC 3768 7.1, RFC 5798 7.1)", true},
	{"unknown-type", "the type is not 1, Advertisement (RFC 3768 5.3.2, RFC 5798 5.2.2)", true},
	{"count-mismatch", "Count IP Addrs does not match the message length (RFC 3768 7.1, RFC 5798 7.1)", true},
	{"zero-interval", "the advertisement interval is 0 (RFC 3768 5.3.7, RFC 5798 5.2.7)", true},
	{"unknown-auth-type", "a VRRPv2 auth type other than 0, 1 or 2 (RFC 3768 5.3.6)", true},
	{"ipv6-first-addr", "the first IPv6 address is not link-local (RFC 5798 5.2.9)", false},
	{"trailing-bytes", "bytes after the message inside the IP payload (RFC 3768 7.1, RFC 5798 7.1)", true},
	{"hmac-trailer", "keepalived's 28-byte HMAC trailer after the message (not in any RFC)", false},
	{"truncated", "the capture holds less than the IP header announces (snap length): not the sender's fault", false},
	{"version-family", "VRRPv2 over IPv6; VRRPv2 is IPv4 only (RFC 3768 1)", true},
	{"fragment", "the advert arrived in an IP fragment; a router's advert fits one packet", true},
	{"bad-vrid", "the VRID is 0, outside 1..255 (RFC 3768 5.3.3, RFC 5798 5.2.3)", true},
	{"no-addresses", "Count IP Addrs is 0: a virtual router has at least one address (RFC 5798 5.2.5, RFC 3768 6.1)", true},
	{"bad-source", "the IP source cannot be a router's address (0.0.0.0/8, loopback, multicast, broadcast): the kernel drops it (RFC 1122 3.2.1.3, RFC 4291 2.5)", true},
	{"source-not-link-local", "the IPv6 source is not link-local (RFC 5798 5.1.2.1)", true},
	{"bad-group", "a multicast destination other than 224.0.0.18 / ff02::12 (RFC 5798 5.1.1.2, 5.1.2.2): no VRRP router listens there", true},
	{"bad-ip-checksum", "the IPv4 header checksum is wrong: the kernel drops the packet (RFC 1122 3.2.1.2)", true},
	{"checksum-flavour", "the VRRPv3 IPv4 checksum verifies only in a non-RFC flavour; RFC 5798 receivers discard it (RFC 5798 5.2.8, 7.1)", true},
	{"reserved-bits", "the VRRPv3 reserved bits are set; receivers ignore them (RFC 5798 5.2.6)", false},
}

// ProblemsDiscarded is the set of problems for which a receiver following
// RFC 3768 / RFC 5798 (or the kernel below it) discards the advert.
var ProblemsDiscarded = func() Problems {
	var p Problems
	for i, in := range problemInfo {
		if in.discard {
			p |= 1 << i
		}
	}
	return p
}()

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
		if i := bits.TrailingZeros32(uint32(p)); i < len(problemInfo) {
			return problemInfo[i].id
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
	for i, in := range problemInfo {
		if in.id == id {
			return 1 << i, true
		}
	}
	return 0, false
}

// Reason says what a single problem means and which rule it breaks, e.g.
// "the VRID is 0, outside 1..255 (RFC 3768 5.3.3, RFC 5798 5.2.3)"; for
// a set or an unknown bit it is the same as ID.
func (p Problems) Reason() string {
	if p.Len() == 1 {
		if i := bits.TrailingZeros32(uint32(p)); i < len(problemInfo) {
			return problemInfo[i].reason
		}
	}
	return p.ID()
}

// Discarded reports whether a receiver following the RFCs discards an
// advert with these problems (any of them).
func (p Problems) Discarded() bool { return p&ProblemsDiscarded != 0 }

// AllProblems lists every problem, in bit order.
func AllProblems() []Problems {
	out := make([]Problems, 0, len(problemInfo))
	for i := range problemInfo {
		out = append(out, 1<<i)
	}
	return out
}
