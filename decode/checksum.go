package decode

import (
	"encoding/binary"
	"net/netip"
)

// vrrpGroup4 is the IPv4 multicast group of VRRP, 224.0.0.18 (RFC 5798 5.1.1.2).
var vrrpGroup4 = netip.AddrFrom4([4]byte{224, 0, 0, 18})

// vrrpGroup6 is the IPv6 multicast group of VRRP, ff02::12 (RFC 5798 5.1.2.2).
var vrrpGroup6 = netip.AddrFrom16([16]byte{0: 0xff, 1: 0x02, 15: 0x12})

// ipProtoVRRP is the IP protocol number of VRRP.
const ipProtoVRRP = 112

// sum16 adds b to the running one's-complement sum s as big-endian 16-bit
// words, padding an odd tail with zero (RFC 1071). It adds 32-bit words
// into a 64-bit accumulator (2^16 ≡ 1 modulo 2^16-1, so the halves of a
// word add up the same) and folds the result back below 2^16, so callers
// may keep adding small terms.
func sum16(s uint32, b []byte) uint32 {
	acc := uint64(s)
	for len(b) >= 8 {
		acc += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	if len(b) >= 4 {
		acc += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		acc += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint32(acc)
}

// fold folds a running sum into the 16-bit one's-complement checksum.
func fold(s uint32) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// pseudoSum is the sum of the IPv4 or IPv6 pseudo-header for a VRRP message
// of length n between src and dst (RFC 5798 5.2.8, RFC 8200 8.1).
func pseudoSum(src, dst netip.Addr, n int) uint32 {
	var s uint32
	if src.Is4() && dst.Is4() {
		a, b := src.As4(), dst.As4()
		s = sum16(s, a[:])
		s = sum16(s, b[:])
		return s + ipProtoVRRP + uint32(n)
	}
	a, b := src.As16(), dst.As16()
	s = sum16(s, a[:])
	s = sum16(s, b[:])
	return s + uint32(n>>16) + uint32(n&0xffff) + ipProtoVRRP
}

// Checksum computes the checksum of msg (a VRRP message whose checksum field
// is taken as zero) in the given flavour. src and dst are the IP addresses of
// the carrier, unused for FlavourMessageOnly.
func Checksum(msg []byte, f Flavour, src, dst netip.Addr) uint16 {
	var s uint32
	switch f {
	case FlavourRFC5798:
		s = pseudoSum(src, dst, len(msg))
	case FlavourMcastPseudoHeader:
		s = pseudoSum(src, vrrpGroup4, len(msg))
	}
	s = sum16(s, msg[:min(6, len(msg))])
	if len(msg) > 8 {
		s = sum16(s, msg[8:])
	}
	return fold(s)
}

// verify reports whether msg, checksum field included, sums to zero in flavour f.
func verify(msg []byte, f Flavour, c *Carrier) bool {
	var s uint32
	switch f {
	case FlavourRFC5798:
		if c.hasAddrSum {
			n := len(msg)
			s = c.addrSum + uint32(n>>16) + uint32(n&0xffff) + ipProtoVRRP
		} else {
			s = pseudoSum(c.Src, c.Dst, len(msg))
		}
	case FlavourMcastPseudoHeader:
		s = pseudoSum(c.Src, vrrpGroup4, len(msg))
	}
	return fold(sum16(s, msg)) == 0
}

// candidates lists, in order of preference, the flavours a receiver tries
// for an advert of version v in family fam sent to dst.
func candidates(v Version, fam Family, dst netip.Addr) (fs [3]Flavour, n int) {
	switch {
	case v == V2:
		fs[0], n = FlavourMessageOnly, 1
	case fam == IPv6:
		fs[0], n = FlavourRFC5798, 1
	default:
		fs[0], fs[1], n = FlavourRFC5798, FlavourMessageOnly, 2
		if dst != vrrpGroup4 {
			fs[2], n = FlavourMcastPseudoHeader, 3
		}
	}
	return fs, n
}
