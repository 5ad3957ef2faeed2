package decode

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// LayerTypeVRRP is vrrpkit's VRRP layer type, registered in gopacket's range
// for third-party layers. The layer still answers layers.LayerTypeVRRP from
// CanDecode so that gopacket's IPv4/IPv6 layers hand protocol 112 to it.
var LayerTypeVRRP = gopacket.RegisterLayerType(1112, gopacket.LayerTypeMetadata{
	Name:    "VRRP",
	Decoder: gopacket.DecodeFunc(decodeVRRP),
})

// Carrier is what the IP header that carried an advert says about it. The
// Parser fills it before the advert is decoded; a caller using VRRP with its
// own DecodingLayerParser may set it, or leave it zero, in which case the
// address width is inferred from the length and a v3 checksum is verified
// only if it matches FlavourMessageOnly.
type Carrier struct {
	Family   Family     // IPv4 or IPv6; FamilyUnknown when not set
	Src, Dst netip.Addr // IP source and destination
	TTL      uint8      // IPv4 TTL or IPv6 hop limit
	// Length is the VRRP message length the IP header announces (IPv4 total
	// length or IPv6 payload length, less IP options, extension headers and
	// AH); 0 when unknown. Ethernet pads short frames, so the length comes
	// from here, never from the frame.
	Length   int
	Fragment bool // the IP packet was a fragment
	// HeaderChecksumBad: the IPv4 header checksum does not verify.
	HeaderChecksumBad bool

	AH       bool   // wrapped in IPsec AH (protocol 51)
	AHSPI    uint32 // AH security parameters index
	AHSeq    uint32 // AH sequence number
	AHICVLen int    // length of the AH integrity check value

	// addrSum is the one's-complement sum of the source and destination
	// address bytes, when the fast path had them at hand (hasAddrSum): the
	// RFC 5798 pseudo-header then costs one addition.
	addrSum    uint32
	hasAddrSum bool
}

// Multicast reports whether the advert went to a multicast group (and so
// must have TTL / hop limit 255).
func (c *Carrier) Multicast() bool { return c.Dst.IsMulticast() }

// VRRP is one VRRP advertisement.
//
// VRRPv2, RFC 3768 section 5.1:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Auth Type   |   Adver Int   |          Checksum             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         IP Address (1)                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                            .....                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Authentication Data (1)                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Authentication Data (2)                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// VRRPv3, RFC 5798 section 5.1: the second word is a 4-bit reserved field
// and a 12-bit Max Adver Int in centiseconds; addresses are IPv4 or IPv6 (one
// family per advert, set by the carrier); there is no authentication data.
// The v3 checksum covers an IP pseudo-header (section 5.2.8).
//
// Decoded slices (Addrs excepted) alias the packet buffer: copy what you keep.
type VRRP struct {
	layers.BaseLayer

	Version     Version
	Type        Type
	VRID        uint8 // Virtual Rtr ID
	Priority    uint8 // 255 address owner, 0 master resigning
	CountIPAddr uint8 // the header field; may disagree with len(Addrs)
	AuthType    AuthType
	// AdverInt is the raw interval field: seconds (8 bits) in v2,
	// centiseconds (12 bits, Max Adver Int) in v3. See Interval.
	AdverInt uint16
	Reserved uint8 // v3: the 4 reserved bits before Max Adver Int
	Checksum uint16
	Addrs    []netip.Addr
	AuthData [8]byte // v2 authentication data (simple text password when AuthType is 1)
	Trailer  []byte  // bytes after the message within the IP payload

	// Family is the address family of Addrs: the carrier's, or inferred.
	Family Family
	// IP describes the IP header that carried the advert. DecodeFromBytes
	// reads it and does not change it.
	IP Carrier

	ChecksumStatus ChecksumStatus
	Flavour        Flavour // the checksum flavour that matched
	Problems       Problems
}

// LayerType returns LayerTypeVRRP.
func (v *VRRP) LayerType() gopacket.LayerType { return LayerTypeVRRP }

// CanDecode returns layers.LayerTypeVRRP: the slot IPv4 and IPv6 hand
// protocol 112 to.
func (v *VRRP) CanDecode() gopacket.LayerClass { return layers.LayerTypeVRRP }

// NextLayerType returns gopacket.LayerTypePayload if a trailer follows,
// otherwise gopacket.LayerTypeZero.
func (v *VRRP) NextLayerType() gopacket.LayerType {
	if len(v.Trailer) > 0 {
		return gopacket.LayerTypePayload
	}
	return gopacket.LayerTypeZero
}

// Interval returns the advertisement interval as a duration.
func (v *VRRP) Interval() time.Duration {
	if v.Version == V2 {
		return time.Duration(v.AdverInt) * time.Second
	}
	return time.Duration(v.AdverInt) * 10 * time.Millisecond
}

// Valid reports whether the advert has no problems.
func (v *VRRP) Valid() bool { return v.Problems == 0 }

// AuthString returns the v2 simple-text password up to its first NUL
// byte. It allocates; callers that only compare should use AuthData.
func (v *VRRP) AuthString() string {
	n := 0
	for n < len(v.AuthData) && v.AuthData[n] != 0 {
		n++
	}
	return string(v.AuthData[:n])
}

func (v *VRRP) reset() {
	v.BaseLayer = layers.BaseLayer{}
	v.Version, v.Type, v.VRID, v.Priority, v.CountIPAddr = 0, 0, 0, 0, 0
	v.AuthType, v.AdverInt, v.Reserved, v.Checksum = 0, 0, 0, 0
	v.Addrs = v.Addrs[:0]
	v.AuthData = [8]byte{}
	v.Trailer = nil
	v.Family = FamilyUnknown
	v.ChecksumStatus, v.Flavour, v.Problems = ChecksumUnverified, FlavourNone, 0
}

// headerLen is the fixed part of the message, both versions.
const headerLen = 8

// authLen is the length of the v2 authentication data.
const authLen = 8

// hmacTrailerLen is the size of keepalived 2.4's HMAC trailer.
const hmacTrailerLen = 28

// DecodeFromBytes decodes one advert from data, the IP payload (after AH, if
// any). Every field is reset first. It fails only when data is shorter than
// the 8-byte header or the version is unknown; everything else that is wrong
// is recorded in Problems and the advert is kept.
func (v *VRRP) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	v.reset()
	if len(data) < headerLen {
		df.SetTruncated()
		return &DecodeError{Field: "header", Offset: 0, Err: ErrTruncated,
			Detail: strconv.Itoa(len(data)) + " bytes, need 8"}
	}
	v.Version = Version(data[0] >> 4)
	if v.Version != V2 && v.Version != V3 {
		return &DecodeError{Field: "Version", Offset: 0, Err: ErrVersion,
			Detail: "version " + strconv.Itoa(int(v.Version)) + ", want 2 or 3"}
	}
	v.Type = Type(data[0] & 0x0f)
	v.VRID = data[1]
	v.Priority = data[2]
	v.CountIPAddr = data[3]
	if v.Version == V2 {
		v.AuthType = AuthType(data[4])
		v.AdverInt = uint16(data[5])
	} else {
		v.Reserved = data[4] >> 4
		v.AdverInt = binary.BigEndian.Uint16(data[4:6]) & 0x0fff
	}
	v.Checksum = binary.BigEndian.Uint16(data[6:8])

	// Lengths: the IP header's word, not the frame's.
	avail := len(data)
	want := avail
	if v.IP.Length > 0 {
		want = v.IP.Length
	}
	if want > avail {
		v.Problems |= ProblemTruncated
		df.SetTruncated()
	}
	if v.IP.Fragment {
		v.Problems |= ProblemFragment
	}

	v.Family = v.inferFamily(avail)
	w := 4
	if v.Version == V3 {
		w = v.Family.AddrLen()
	}
	n := int(v.CountIPAddr)
	need := headerLen + n*w
	if v.Version == V2 {
		need += authLen
	}

	off := headerLen
	for i := 0; i < n && off+w <= avail; i++ {
		if w == 4 {
			v.Addrs = append(v.Addrs, netip.AddrFrom4([4]byte(data[off:off+4])))
		} else {
			v.Addrs = append(v.Addrs, netip.AddrFrom16([16]byte(data[off:off+16])))
		}
		off += w
	}
	if v.Version == V2 && len(v.Addrs) == n && off+authLen <= avail {
		copy(v.AuthData[:], data[off:off+authLen])
	}

	msgLen := need
	switch {
	case want < need:
		v.Problems |= ProblemCountMismatch
		msgLen = want
	case want > need:
		extra := want - need
		if extra == hmacTrailerLen {
			v.Problems |= ProblemHMACTrailer
		} else {
			v.Problems |= ProblemTrailingBytes
			if extra%w == 0 {
				v.Problems |= ProblemCountMismatch
			}
		}
		v.Trailer = data[need:min(want, avail)]
	}
	v.Contents = data[:min(msgLen, avail)]
	v.Payload = v.Trailer

	v.checkFields()
	if want <= avail {
		v.verifyChecksum(data[:msgLen], data[:want])
	}
	return nil
}

// inferFamily returns the carrier's family, or for a bare layer a guess from
// the length: v2 is always IPv4; v3 is IPv6 when the length fits 16-byte
// addresses and not 4-byte ones.
func (v *VRRP) inferFamily(avail int) Family {
	if v.IP.Family != FamilyUnknown {
		return v.IP.Family
	}
	if v.Version == V3 && v.CountIPAddr > 0 {
		n := int(v.CountIPAddr)
		if avail-headerLen == 16*n {
			return IPv6
		}
	}
	return IPv4
}

func (v *VRRP) checkFields() {
	if v.Type != TypeAdvertisement {
		v.Problems |= ProblemUnknownType
	}
	if v.AdverInt == 0 {
		v.Problems |= ProblemZeroInterval
	}
	if v.Version == V2 {
		if v.AuthType > AuthAH {
			v.Problems |= ProblemUnknownAuthType
		}
		if v.IP.Family == IPv6 {
			v.Problems |= ProblemVersionFamily
		}
	}
	if v.Version == V3 && v.Family == IPv6 && len(v.Addrs) > 0 && !v.Addrs[0].IsLinkLocalUnicast() {
		v.Problems |= ProblemIPv6FirstAddr
	}
	if v.VRID == 0 {
		v.Problems |= ProblemBadVRID
	}
	if v.CountIPAddr == 0 {
		v.Problems |= ProblemNoAddresses
	}
	if v.Version == V3 && v.Reserved != 0 {
		v.Problems |= ProblemReservedBits
	}
	if v.IP.Family != FamilyUnknown {
		v.Problems |= v.IP.problems()
	}
}

// problems checks the IP header by the rules a kernel and RFC 5798 apply
// before a VRRP router looks at the message: TTL, source, destination
// group, header checksum.
func (c *Carrier) problems() Problems {
	var p Problems
	if c.Multicast() {
		if c.TTL != 255 {
			p |= ProblemBadTTL
		}
		if c.Dst != vrrpGroup4 && c.Dst != vrrpGroup6 {
			p |= ProblemBadGroup
		}
	}
	if c.Src.IsValid() {
		switch {
		case impossibleSource(c.Src):
			p |= ProblemBadSource
		case c.Family == IPv6 && !c.Src.IsLinkLocalUnicast():
			p |= ProblemSourceNotLinkLocal
		}
	}
	if c.HeaderChecksumBad {
		p |= ProblemBadIPChecksum
	}
	return p
}

// impossibleSource reports whether a is a source address no router's
// interface can send from, so that the kernel drops the packet (Linux's
// martian sources): 0.0.0.0/8, 127/8, multicast, 255.255.255.255; ::, ::1,
// multicast.
func impossibleSource(a netip.Addr) bool {
	if a.Is4() {
		b := a.As4()
		return b[0] == 0 || b[0] == 127 || b[0] >= 224 && b[0] < 240 || b == [4]byte{255, 255, 255, 255}
	}
	return a.IsUnspecified() || a.IsLoopback() || a.IsMulticast()
}

// verifyChecksum tries every flavour a receiver of this version and family
// could use, over the message and then, when a trailer follows, over the
// whole IP payload.
func (v *VRRP) verifyChecksum(msg, whole []byte) {
	haveIP := v.IP.Family != FamilyUnknown && v.IP.Src.IsValid() && v.IP.Dst.IsValid()
	fs, n := candidates(v.Version, v.Family, v.IP.Dst)
	for _, m := range [2][]byte{msg, whole} {
		for _, f := range fs[:n] {
			if f != FlavourMessageOnly && !haveIP {
				continue
			}
			if verify(m, f, &v.IP) {
				v.ChecksumStatus, v.Flavour = ChecksumGood, f
				if v.Version == V3 && f != FlavourRFC5798 && haveIP {
					v.Problems |= ProblemChecksumFlavour
				}
				return
			}
		}
		if len(whole) == len(msg) {
			break
		}
	}
	if haveIP || v.Version == V2 {
		v.ChecksumStatus = ChecksumBad
		v.Problems |= ProblemBadChecksum
	}
}

func decodeVRRP(data []byte, p gopacket.PacketBuilder) error {
	v := &VRRP{}
	if err := v.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(v)
	return p.NextDecoder(v.NextLayerType())
}
