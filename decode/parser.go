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
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// ErrLinkType is returned by NewParser for a link type it cannot decode.
var ErrLinkType = errors.New("unsupported link type")

// Parser decodes frames of one link type: Ethernet (with 802.1Q/QinQ), Linux
// cooked capture (what "-i any" gives) or raw IP. It reuses its layers, so
// each Decode overwrites what the previous one returned, and it allocates
// nothing per advert. A Parser is not safe for concurrent use.
type Parser struct {
	// Link, VRRP, ARP, Neighbor and Unreachable hold the last frame's
	// layers; which are meaningful depends on the Kind Decode returned.
	Link        Link
	VRRP        VRRP
	ARP         ARP
	Neighbor    Neighbor
	Unreachable Unreachable
	// Truncated is set when the frame was shorter than a header announced.
	Truncated bool

	eth     layers.Ethernet
	sll     layers.LinuxSLL
	dot1q   dot1qLayer
	ip4     ipv4Layer
	ip6     ipv6Layer
	ah      AH
	dlp     *gopacket.DecodingLayerParser
	dlp6    *gopacket.DecodingLayerParser // raw links: frames starting with IPv6
	raw     bool
	eth1    bool // Ethernet link: the fast path applies
	noFast  bool // tests: always take the general path
	tf      truncFlag
	decoded []gopacket.LayerType
}

// NewParser returns a parser for frames of the given pcap link type.
func NewParser(lt layers.LinkType) (*Parser, error) {
	p := &Parser{decoded: make([]gopacket.LayerType, 0, 16)}
	p.VRRP.Addrs = make([]netip.Addr, 0, 16)
	p.dot1q.l = &p.Link
	p.ip4.c, p.ip6.c, p.ah.c = &p.VRRP.IP, &p.VRRP.IP, &p.VRRP.IP
	p.Neighbor.c, p.Unreachable.c = &p.VRRP.IP, &p.VRRP.IP
	var first gopacket.LayerType
	switch lt {
	case layers.LinkTypeEthernet:
		first, p.eth1 = layers.LayerTypeEthernet, true
	case layers.LinkTypeLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12: // 12: DLT_RAW on OpenBSD-style files
		first, p.raw = layers.LayerTypeIPv4, true
	default:
		return nil, &linkTypeError{lt}
	}
	all := []gopacket.DecodingLayer{&p.eth, &p.sll, &p.dot1q, &p.ip4, &p.ip6, &p.ah, &p.VRRP,
		&p.ARP, &p.Neighbor, &p.Unreachable}
	p.dlp = gopacket.NewDecodingLayerParser(first, all...)
	p.dlp.IgnoreUnsupported = true
	if p.raw {
		p.dlp6 = gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, all...)
		p.dlp6.IgnoreUnsupported = true
	}
	return p, nil
}

type linkTypeError struct{ lt layers.LinkType }

func (e *linkTypeError) Error() string {
	return "link type " + e.lt.String() + " (" + strconv.Itoa(int(e.lt)) +
		") is not supported: capture on an Ethernet interface, on \"any\" (Linux cooked), or as raw IP"
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
			p.Link.SrcMAC, p.Link.DstMAC = p.eth.SrcMAC, p.eth.DstMAC
		case layers.LayerTypeLinuxSLL:
			if p.sll.AddrLen == 6 {
				p.Link.SrcMAC = p.sll.Addr
			}
		case layers.LayerTypeVRRP:
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
