package decode

import "strconv"

// Version is the VRRP version field (the high nibble of the first octet).
type Version uint8

// The two versions on the wire.
const (
	V2 Version = 2 // RFC 3768
	V3 Version = 3 // RFC 5798
)

func (v Version) String() string {
	switch v {
	case V2:
		return "v2"
	case V3:
		return "v3"
	}
	return "Version(" + strconv.Itoa(int(v)) + ")"
}

// Type is the VRRP message type. RFC 3768 and RFC 5798 define only
// Advertisement; a receiver discards anything else.
type Type uint8

// TypeAdvertisement is the only defined VRRP message type.
const TypeAdvertisement Type = 1

func (t Type) String() string {
	if t == TypeAdvertisement {
		return "advertisement"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// AuthType is the VRRPv2 authentication type (RFC 2338 section 5.3.6; RFC
// 3768 keeps the field but deprecates both methods). VRRPv3 has no such field.
type AuthType uint8

// Authentication types of VRRPv2.
const (
	AuthNone   AuthType = 0 // no authentication
	AuthSimple AuthType = 1 // simple text password, 8 bytes in clear
	AuthAH     AuthType = 2 // IP Authentication Header (IPsec AH, protocol 51)
)

// String returns the name used in NDJSON output: none, simple, ah or the number.
func (a AuthType) String() string {
	switch a {
	case AuthNone:
		return "none"
	case AuthSimple:
		return "simple"
	case AuthAH:
		return "ah"
	}
	return "AuthType(" + strconv.Itoa(int(a)) + ")"
}

// Family is the address family an advert was carried in.
type Family uint8

// Address families. FamilyUnknown is used when the layer decoded without its
// IP header and could not infer the width.
const (
	FamilyUnknown Family = 0
	IPv4          Family = 4
	IPv6          Family = 6
)

func (f Family) String() string {
	switch f {
	case IPv4:
		return "ipv4"
	case IPv6:
		return "ipv6"
	case FamilyUnknown:
		return "unknown"
	}
	return "Family(" + strconv.Itoa(int(f)) + ")"
}

// AddrLen is the width of one address of the family in bytes (4 or 16).
func (f Family) AddrLen() int {
	if f == IPv6 {
		return 16
	}
	return 4
}

// Flavour says how an advert's checksum was computed. VRRPv2 and VRRPv3 over
// IPv6 have one correct way each; VRRPv3 over IPv4 has three live on the wire
// and routers that disagree on it discard each other's adverts.
type Flavour uint8

// Checksum flavours.
const (
	// FlavourNone: no flavour matched (bad checksum), or not verified.
	FlavourNone Flavour = iota
	// FlavourRFC5798: pseudo-header with the real source and destination,
	// then the message (RFC 5798 5.2.8; keepalived and FRR default).
	FlavourRFC5798
	// FlavourMessageOnly: the message alone, as in VRRPv2. The only correct
	// flavour for v2; for v3 over IPv4 it is RFC 9568's, Cisco's and
	// Juniper's, keepalived's v3_checksum_as_v2 and FRR's
	// "no vrrp N checksum-with-ipv4-pseudoheader".
	FlavourMessageOnly
	// FlavourMcastPseudoHeader: pseudo-header computed with 224.0.0.18 as
	// destination although the advert went to a unicast peer (keepalived
	// before 1.3.6).
	FlavourMcastPseudoHeader
)

// String returns the name used in NDJSON output, "" for FlavourNone.
func (f Flavour) String() string {
	switch f {
	case FlavourNone:
		return ""
	case FlavourRFC5798:
		return "rfc5798"
	case FlavourMessageOnly:
		return "message-only"
	case FlavourMcastPseudoHeader:
		return "mcast-pseudo-header"
	}
	return "Flavour(" + strconv.Itoa(int(f)) + ")"
}

// ChecksumStatus is the outcome of checksum verification.
type ChecksumStatus uint8

// Checksum verification outcomes.
const (
	// ChecksumUnverified: the advert was truncated, or decoded without the
	// IP header that a pseudo-header checksum needs.
	ChecksumUnverified ChecksumStatus = iota
	ChecksumGood
	ChecksumBad
)

// String returns ok, bad or unverified.
func (c ChecksumStatus) String() string {
	switch c {
	case ChecksumUnverified:
		return "unverified"
	case ChecksumGood:
		return "ok"
	case ChecksumBad:
		return "bad"
	}
	return "ChecksumStatus(" + strconv.Itoa(int(c)) + ")"
}
