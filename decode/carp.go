package decode

import (
	"encoding/binary"
	"strconv"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// LayerTypeCARP is vrrpkit's CARP layer type, registered next to
// LayerTypeVRRP in gopacket's range for third-party layers.
var LayerTypeCARP = gopacket.RegisterLayerType(1113, gopacket.LayerTypeMetadata{
	Name:    "CARP",
	Decoder: gopacket.DecodeFunc(decodeCARP),
})

// CARP is one advertisement of the Common Address Redundancy Protocol as
// OpenBSD defines it (carp(4), sys/netinet/ip_carp.h) and FreeBSD, pfSense
// and OPNsense send it. CARP shares IP protocol 112, the multicast groups
// 224.0.0.18 / ff02::12, the virtual MACs 00:00:5e:00:01:xx and even the
// first octet (version 2, type 1) with VRRPv2, so a VRRP decoder reads a
// CARP advert as a VRRPv2 one: advskew as the priority (a master with
// advskew 0 looks like a resigning VRRP router), seven "addresses" made of
// the counter and the HMAC. The Parser tells them apart by CARP's fixed
// length of 36 bytes and its authlen of 7 (see IsCARP).
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version| Type  |     VHID      |    AdvSkew    |    AuthLen    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    Demote     |    AdvBase    |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                          Counter (1)                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                          Counter (2)                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                                                               |
//	+                  SHA1 HMAC (20 bytes, 5 words)                +
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The interval is AdvBase seconds plus AdvSkew/256 of a second; the master
// is the router with the lowest skew, and Demote raises a router's
// effective skew. The addresses a CARP group protects are not in the
// packet: they are inside the HMAC, which cannot be checked without the
// group's password. The checksum covers the 36 bytes alone, as VRRPv2's.
//
// Decoded slices alias the packet buffer: copy what you keep.
type CARP struct {
	layers.BaseLayer

	Version  Version // 2
	Type     Type    // 1, advertisement
	VHID     uint8   // virtual host id, 1..255
	AdvSkew  uint8   // skew in 1/256 s; the lowest is master
	AuthLen  uint8   // counter and HMAC in 32-bit words: 7
	Demote   uint8   // demotion counter of the sender
	AdvBase  uint8   // base interval in seconds
	Checksum uint16
	Counter  uint64   // replay counter, grows with every advert
	HMAC     [20]byte // SHA1 HMAC of the group's state and addresses

	// IP describes the IP header that carried the advert.
	IP             Carrier
	ChecksumStatus ChecksumStatus
	// Problems holds the VRRP problems that apply to CARP too: checksum,
	// TTL, truncation, source, destination group, VHID 0, zero interval.
	Problems Problems
}

// carpLen is the length of a CARP advertisement; carpAuthLen its AuthLen.
const (
	carpLen     = 36
	carpAuthLen = 7
)

// IsCARP reports whether an IP protocol 112 payload is a CARP advert:
// version 2, type 1, AuthLen 7, and a message of exactly 36 bytes by the
// IP header's length (ipLen; 0 when unknown, then by len(data)). A VRRPv2
// advert announcing seven addresses is 44 bytes long; Wireshark's CARP
// heuristic looks at the same octets.
func IsCARP(data []byte, ipLen int) bool {
	if len(data) < headerLen || data[0] != 0x21 || data[3] != carpAuthLen {
		return false
	}
	if ipLen > 0 {
		return ipLen == carpLen
	}
	return len(data) == carpLen
}

// LayerType returns LayerTypeCARP.
func (c *CARP) LayerType() gopacket.LayerType { return LayerTypeCARP }

// CanDecode returns LayerTypeCARP. Inside a Parser, CARP is reached through
// the slot of protocol 112 (see IsCARP).
func (c *CARP) CanDecode() gopacket.LayerClass { return LayerTypeCARP }

// NextLayerType returns gopacket.LayerTypeZero: nothing follows.
func (c *CARP) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// Interval returns the advertisement interval, AdvBase + AdvSkew/256 s.
func (c *CARP) Interval() time.Duration {
	return time.Duration(c.AdvBase)*time.Second + time.Duration(c.AdvSkew)*time.Second/256
}

// Valid reports whether the advert has no problems.
func (c *CARP) Valid() bool { return c.Problems == 0 }

// DecodeFromBytes decodes one CARP advert from data, the IP payload, with
// c.IP set by the caller (or zero). It fails only when data is shorter
// than the first 8 bytes; a capture cut short inside the counter or HMAC
// is the truncated problem.
func (c *CARP) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	ip := c.IP
	*c = CARP{IP: ip, ChecksumStatus: ChecksumUnverified}
	if len(data) < headerLen {
		df.SetTruncated()
		return &DecodeError{Field: "CARP header", Offset: 0, Err: ErrTruncated,
			Detail: strconv.Itoa(len(data)) + " bytes, need 8"}
	}
	c.Version, c.Type = Version(data[0]>>4), Type(data[0]&0x0f)
	c.VHID, c.AdvSkew, c.AuthLen = data[1], data[2], data[3]
	c.Demote, c.AdvBase = data[4], data[5]
	c.Checksum = binary.BigEndian.Uint16(data[6:8])
	want := carpLen
	if c.IP.Length > 0 {
		want = c.IP.Length
	}
	if len(data) >= 16 {
		c.Counter = binary.BigEndian.Uint64(data[8:16])
	}
	if len(data) >= carpLen {
		c.HMAC = [20]byte(data[16:carpLen])
	}
	n := min(want, len(data))
	c.Contents = data[:n]
	if want > len(data) {
		c.Problems |= ProblemTruncated
		df.SetTruncated()
	} else if fold(sum16(0, data[:want])) == 0 {
		c.ChecksumStatus = ChecksumGood
	} else {
		c.ChecksumStatus = ChecksumBad
		c.Problems |= ProblemBadChecksum
	}
	if c.Type != TypeAdvertisement {
		c.Problems |= ProblemUnknownType
	}
	if c.VHID == 0 {
		c.Problems |= ProblemBadVRID
	}
	if c.AdvBase == 0 && c.AdvSkew == 0 {
		c.Problems |= ProblemZeroInterval
	}
	if c.IP.Family != FamilyUnknown {
		// carp_input drops a TTL other than 255 and a bad checksum; the
		// kernel drops impossible sources. CARP over IPv6 sends from a
		// link-local address too.
		c.Problems |= c.IP.problems()
	}
	return nil
}

func decodeCARP(data []byte, p gopacket.PacketBuilder) error {
	c := &CARP{}
	if err := c.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(c)
	return nil
}
