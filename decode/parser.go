package decode

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// Kind says what a decoded frame was.
type Kind uint8

// Kinds of frames the Parser tells apart.
const (
	KindOther       Kind = iota // anything else, or a frame broken below the advert
	KindVRRP                    // a VRRP advert (decoded, or undecodable with an error)
	KindARP                     // an Ethernet/IPv4 ARP message
	KindNeighbor                // an IPv6 neighbour solicitation or advertisement
	KindUnreachable             // ICMP protocol unreachable quoting a VRRP packet
	KindCARP                    // a CARP advert (OpenBSD carp(4), also IP protocol 112)
)

func (k Kind) String() string {
	switch k {
	case KindOther:
		return "other"
	case KindVRRP:
		return "vrrp"
	case KindARP:
		return "arp"
	case KindNeighbor:
		return "neighbor"
	case KindUnreachable:
		return "unreachable"
	case KindCARP:
		return "carp"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// ErrLinkType is returned by NewParser for a link type it cannot decode.
var ErrLinkType = errors.New("unsupported link type")

// Parser decodes frames of one link type: Ethernet (with 802.1Q/QinQ and
// 802.1ah PBB), Linux cooked capture v1 and v2 (what "-i any" gives), raw
// IPv4/IPv6, BSD null/loopback or Frame Relay. It reuses its layers, so
// each Decode overwrites what the previous one returned, and it allocates
// nothing per advert. A Parser is not safe for concurrent use.
type Parser struct {
	// Link, VRRP, CARP, ARP, Neighbor and Unreachable hold the last
	// frame's layers; which are meaningful depends on the Kind Decode
	// returned. For KindCARP, VRRP.IP holds the carrier too.
	Link        Link
	VRRP        VRRP
	CARP        CARP
	ARP         ARP
	Neighbor    Neighbor
	Unreachable Unreachable
	// Truncated is set when the frame was shorter than a header announced.
	Truncated bool

	eth     ethernetLayer
	sll     sllLayer
	pbb     pbbLayer
	fr      frLayer
	loop    layers.Loopback
	dot1q   dot1qLayer
	ip4     ipv4Layer
	ip6     ipv6Layer
	ah      AH
	p112    proto112
	dlp     *gopacket.DecodingLayerParser
	dlp6    *gopacket.DecodingLayerParser // raw links: frames starting with IPv6
	raw     bool
	eth1    bool // Ethernet link: the fast path applies
	noFast  bool // tests: always take the general path
	tf      truncFlag
	decoded []gopacket.LayerType
}

// NewParser returns a parser for frames of the given pcap link type
// (LINKTYPE_* of https://www.tcpdump.org/linktypes.html), of any integer
// type: gopacket's layers.LinkType cannot hold LinkTypeLinuxSLL2.
func NewParser[T LinkTypeInt](linkType T) (*Parser, error) {
	lt := uint32(linkType)
	p := &Parser{decoded: make([]gopacket.LayerType, 0, 16)}
	p.VRRP.Addrs = make([]netip.Addr, 0, 16)
	p.dot1q.l, p.pbb.l, p.sll.l = &p.Link, &p.Link, &p.Link
	p.ip4.c, p.ip6.c, p.ah.c = &p.VRRP.IP, &p.VRRP.IP, &p.VRRP.IP
	p.Neighbor.c, p.Unreachable.c = &p.VRRP.IP, &p.VRRP.IP
	p.p112.p = p
	var first gopacket.LayerType
	switch lt {
	case uint32(layers.LinkTypeEthernet):
		first, p.eth1 = layers.LayerTypeEthernet, true
	case uint32(layers.LinkTypeLinuxSLL):
		first = layers.LayerTypeLinuxSLL
	case LinkTypeLinuxSLL2:
		first, p.sll.v2 = layers.LayerTypeLinuxSLL, true
	case uint32(layers.LinkTypeRaw), uint32(layers.LinkTypeIPv4), uint32(layers.LinkTypeIPv6), linkTypeRawOpenBSD, linkTypeRawBSDOS:
		first, p.raw = layers.LayerTypeIPv4, true
	case uint32(layers.LinkTypeNull), uint32(layers.LinkTypeLoop):
		first = layers.LayerTypeLoopback
	case uint32(layers.LinkTypeFRelay):
		first = LayerTypeFrameRelay
	default:
		return nil, &linkTypeError{lt}
	}
	all := []gopacket.DecodingLayer{&p.eth, &p.sll, &p.pbb, &p.fr, &p.loop, &p.dot1q, &p.ip4, &p.ip6, &p.ah, &p.p112,
		&p.ARP, &p.Neighbor, &p.Unreachable}
	p.dlp = gopacket.NewDecodingLayerParser(first, all...)
	p.dlp.IgnoreUnsupported = true
	if p.raw {
		p.dlp6 = gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, all...)
		p.dlp6.IgnoreUnsupported = true
	}
	return p, nil
}

type linkTypeError struct{ lt uint32 }

func (e *linkTypeError) Error() string {
	return "link type " + LinkTypeName(e.lt) + " is not supported: vrrpdump reads Ethernet (802.1Q, QinQ, 802.1ah), " +
		"Linux cooked v1/v2 (\"any\"), raw IPv4/IPv6, BSD null/loopback and Frame Relay captures; " +
		"capture VRRP on an Ethernet interface or on \"any\""
}

func (e *linkTypeError) Unwrap() error { return ErrLinkType }

// Decode decodes one frame. For KindVRRP a nil error means the advert
// decoded (check VRRP.Problems for "suspicious"); a non-nil error means an
// undecodable advert and says why. For other kinds an error means the frame
// was broken before anything VRRP-related could be read.
func (p *Parser) Decode(data []byte) (Kind, error) {
	if p.eth1 && !p.noFast {
		if kind, err, ok := p.fastPath(data); ok {
			return kind, err
		}
	}
	p.decoded = p.decoded[:0]
	p.Link = Link{}
	p.VRRP.IP = Carrier{}
	p.Neighbor.Type = 0
	p.Unreachable.isVRRP = false
	p.ip4.vrrpErr, p.ip6.vrrpErr, p.ah.vrrpErr = false, false, false
	dlp := p.dlp
	if p.raw && len(data) > 0 && data[0]>>4 == 6 {
		dlp = p.dlp6
	}
	err := dlp.DecodeLayers(data, &p.decoded)
	p.Truncated = dlp.Truncated
	var last gopacket.LayerType
	for _, t := range p.decoded {
		switch t {
		case layers.LayerTypeEthernet:
			// With 802.1ah the customer's header, decoded last, wins.
			p.Link.SrcMAC, p.Link.DstMAC = p.eth.SrcMAC, p.eth.DstMAC
		case layers.LayerTypeVRRP:
			if p.p112.carp {
				return KindCARP, nil
			}
			return KindVRRP, nil
		case layers.LayerTypeARP:
			return KindARP, nil
		case layers.LayerTypeICMPv6:
			if p.Neighbor.Type != 0 {
				return KindNeighbor, nil
			}
		case layers.LayerTypeICMPv4:
			if p.Unreachable.isVRRP {
				return KindUnreachable, nil
			}
		}
		last = t
	}
	if err != nil && (p.ip4.vrrpErr || p.ip6.vrrpErr || p.ah.vrrpErr) {
		// An IP or AH header of protocol 112 that did not decode is an
		// undecodable advert, counted as one, not some other frame.
		p.VRRP.reset()
		field := "IPv4 header"
		switch {
		case p.ah.vrrpErr:
			field = "AH header"
		case p.ip6.vrrpErr:
			field = "IPv6 header"
		}
		return KindVRRP, &DecodeError{Field: field, Offset: 0, Err: ErrIPHeader, Detail: err.Error()}
	}
	if p.carriesVRRP(last) {
		if err == nil {
			// gopacket stops at an empty payload: an IP packet of protocol
			// 112 without a byte of VRRP is still a (truncated) advert.
			p.tf = false
			err = p.VRRP.DecodeFromBytes(nil, &p.tf)
		}
		return KindVRRP, err
	}
	return KindOther, err
}

// carriesVRRP reports whether the layer decoded last announced VRRP next,
// so that an error came from the advert itself.
func (p *Parser) carriesVRRP(last gopacket.LayerType) bool {
	var next gopacket.LayerType
	switch last {
	case layers.LayerTypeIPv4:
		next = p.ip4.NextLayerType()
	case layers.LayerTypeIPv6:
		next = p.ip6.NextLayerType()
	case layers.LayerTypeIPSecAH:
		next = p.ah.NextLayerType()
	default:
		return false
	}
	return next == layers.LayerTypeVRRP
}

// proto112 takes IP protocol 112 in the Parser's DecodingLayerParser and
// hands it to CARP or VRRP: the two share the protocol number and the
// first octet (see IsCARP).
type proto112 struct {
	p    *Parser
	carp bool
}

func (l *proto112) CanDecode() gopacket.LayerClass { return layers.LayerTypeVRRP }
func (l *proto112) LayerType() gopacket.LayerType  { return layers.LayerTypeVRRP }

func (l *proto112) LayerPayload() []byte {
	if l.carp {
		return nil
	}
	return l.p.VRRP.Payload
}

func (l *proto112) NextLayerType() gopacket.LayerType {
	if l.carp {
		return gopacket.LayerTypeZero
	}
	return l.p.VRRP.NextLayerType()
}

func (l *proto112) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	l.carp = IsCARP(data, l.p.VRRP.IP.Length)
	if l.carp {
		l.p.CARP.IP = l.p.VRRP.IP
		return l.p.CARP.DecodeFromBytes(data, df)
	}
	return l.p.VRRP.DecodeFromBytes(data, df)
}
