package decode

import (
	"encoding/binary"
	"errors"
	"net"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// maxVLANs is how many stacked 802.1Q tags a Link records (QinQ).
const maxVLANs = 2

// Link is what the link layer said about a frame.
type Link struct {
	SrcMAC net.HardwareAddr // aliases the packet; nil if the link type has none
	DstMAC net.HardwareAddr // nil for Linux cooked captures
	// VLANs holds up to two 802.1Q/802.1ad tags, outer first; NumVLANs is
	// how many the frame carried (may exceed maxVLANs).
	VLANs    [maxVLANs]uint16
	NumVLANs int
	// ISID is the 802.1ah (PBB) service instance of the I-TAG, 0 if none.
	ISID uint32
	// IfIndex is the interface index a Linux cooked v2 capture ("-i any")
	// records, 0 if none.
	IfIndex uint32
}

// VLAN returns the innermost recorded VLAN id, 0 for an untagged frame.
func (l *Link) VLAN() uint16 {
	if l.NumVLANs == 0 {
		return 0
	}
	return l.VLANs[min(l.NumVLANs, maxVLANs)-1]
}

// VLANKey packs the recorded tags into one number for map keys: the inner
// tag in the low 16 bits, the outer one above it for QinQ.
func (l *Link) VLANKey() uint32 { return vlanKey(&l.VLANs, l.NumVLANs) }

func vlanKey(vlans *[maxVLANs]uint16, n int) uint32 {
	switch n {
	case 0:
		return 0
	case 1:
		return uint32(vlans[0])
	}
	return uint32(vlans[0])<<16 | uint32(vlans[1])
}

// dot1qLayer records every tag of a stack into the parser's Link.
type dot1qLayer struct {
	layers.Dot1Q
	l *Link
}

func (d *dot1qLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if err := d.Dot1Q.DecodeFromBytes(data, df); err != nil {
		return err
	}
	if d.l.NumVLANs < maxVLANs {
		d.l.VLANs[d.l.NumVLANs] = d.VLANIdentifier
	}
	d.l.NumVLANs++
	return nil
}

// ethertypePBB is the EtherType of the 802.1ah I-TAG (Provider Backbone
// Bridging, MAC-in-MAC).
const ethertypePBB layers.EthernetType = 0x88e7

// nextOf is the layer an EtherType announces, with 802.1ah, which gopacket
// does not know, handed to pbbLayer.
func nextOf(t layers.EthernetType) gopacket.LayerType {
	if t == ethertypePBB {
		return LayerTypePBB
	}
	return t.LayerType()
}

// ethernetLayer is gopacket's Ethernet that also hands 802.1ah on.
type ethernetLayer struct{ layers.Ethernet }

func (e *ethernetLayer) NextLayerType() gopacket.LayerType { return nextOf(e.EthernetType) }

// NextLayerType hands 802.1ah on (a B-TAG is followed by an I-TAG).
func (d *dot1qLayer) NextLayerType() gopacket.LayerType { return nextOf(d.Type) }

// LayerTypePBB is the 802.1ah I-TAG, registered for the Parser.
var LayerTypePBB = gopacket.RegisterLayerType(1114, gopacket.LayerTypeMetadata{Name: "PBB I-TAG"})

// pbbLayer is the 802.1ah (Provider Backbone Bridging) I-TAG: priority,
// drop eligibility, use-customer-address and a 24-bit service instance id
// (I-SID), followed by the customer's whole Ethernet frame (C-DA, C-SA,
// EtherType). The customer frame is what the VRRP router sent; its MACs
// replace the backbone's in Link.
type pbbLayer struct {
	layers.BaseLayer
	l *Link
}

var errPBB = errors.New("802.1ah: I-TAG and customer header truncated")

func (b *pbbLayer) CanDecode() gopacket.LayerClass    { return LayerTypePBB }
func (b *pbbLayer) LayerType() gopacket.LayerType     { return LayerTypePBB }
func (b *pbbLayer) NextLayerType() gopacket.LayerType { return layers.LayerTypeEthernet }
func (b *pbbLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 4+14 {
		df.SetTruncated()
		return errPBB
	}
	b.l.ISID = uint32(data[1])<<16 | uint32(data[2])<<8 | uint32(data[3])
	b.Contents, b.Payload = data[:4], data[4:]
	return nil
}

// sllLayer is Linux cooked capture, v1 (16 bytes: packet type, ARPHRD
// type, address length, 8 address bytes, protocol) or v2 (20 bytes:
// protocol, reserved, interface index, ARPHRD type, packet type, address
// length, 8 address bytes). gopacket's own v1 layer trusts the address
// length; this one does not.
type sllLayer struct {
	layers.BaseLayer
	v2    bool
	proto layers.EthernetType
	l     *Link
}

var errSLL = errors.New("linux cooked capture: header truncated")

func (s *sllLayer) CanDecode() gopacket.LayerClass { return layers.LayerTypeLinuxSLL }
func (s *sllLayer) LayerType() gopacket.LayerType  { return layers.LayerTypeLinuxSLL }

// NextLayerType is the layer of the protocol field; values below 0x0600
// (802.2, 802.3 and other ARPHRD-specific ones) carry no IP.
func (s *sllLayer) NextLayerType() gopacket.LayerType {
	if s.proto < 0x0600 {
		return gopacket.LayerTypeZero
	}
	return nextOf(s.proto)
}

func (s *sllLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	n, aoff := 16, 6
	if s.v2 {
		n, aoff = 20, 12
	}
	if len(data) < n {
		df.SetTruncated()
		return errSLL
	}
	var alen int
	if s.v2 {
		s.proto = layers.EthernetType(binary.BigEndian.Uint16(data[0:2]))
		s.l.IfIndex = binary.BigEndian.Uint32(data[4:8])
		alen = int(data[11])
	} else {
		s.proto = layers.EthernetType(binary.BigEndian.Uint16(data[14:16]))
		alen = int(binary.BigEndian.Uint16(data[4:6]))
	}
	if alen == 6 {
		s.l.SrcMAC = data[aoff : aoff+6]
	}
	s.Contents, s.Payload = data[:n], data[n:]
	return nil
}

// frLayer is Frame Relay (LINKTYPE_FRELAY): a Q.922 address of two to four
// octets, then either RFC 2427 encapsulation (UI control 0x03, optional
// pad, NLPID 0xcc IPv4 / 0x8e IPv6 / 0x80 SNAP) or Cisco's (an EtherType),
// as tcpdump's and Wireshark's dissectors read it.
type frLayer struct {
	layers.BaseLayer
	next gopacket.LayerType
}

var errFR = errors.New("frame relay: header truncated or unknown encapsulation")

// LayerTypeFrameRelay is the Frame Relay header, registered for the Parser.
var LayerTypeFrameRelay = gopacket.RegisterLayerType(1115, gopacket.LayerTypeMetadata{Name: "Frame Relay"})

func (f *frLayer) CanDecode() gopacket.LayerClass    { return LayerTypeFrameRelay }
func (f *frLayer) LayerType() gopacket.LayerType     { return LayerTypeFrameRelay }
func (f *frLayer) NextLayerType() gopacket.LayerType { return f.next }

func (f *frLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	f.next = gopacket.LayerTypeZero
	n := 0 // the address ends with the octet whose EA bit (bit 0) is set
	for n < len(data) && n < 4 {
		n++
		if data[n-1]&1 != 0 {
			break
		}
	}
	if n < 2 || data[n-1]&1 == 0 || len(data) < n+2 {
		df.SetTruncated()
		return errFR
	}
	rest := data[n:]
	if rest[0] == 0x03 { // RFC 2427: UI, [pad], NLPID
		rest = rest[1:]
		if rest[0] == 0 && len(rest) > 1 {
			rest = rest[1:]
		}
		switch rest[0] {
		case 0xcc:
			f.next, rest = layers.LayerTypeIPv4, rest[1:]
		case 0x8e:
			f.next, rest = layers.LayerTypeIPv6, rest[1:]
		case 0x80: // SNAP: OUI, then an EtherType
			if len(rest) < 6 {
				df.SetTruncated()
				return errFR
			}
			f.next, rest = nextOf(layers.EthernetType(binary.BigEndian.Uint16(rest[4:6]))), rest[6:]
		}
	} else { // Cisco: an EtherType
		f.next, rest = nextOf(layers.EthernetType(binary.BigEndian.Uint16(rest[0:2]))), rest[2:]
	}
	f.Contents, f.Payload = data[:len(data)-len(rest)], rest
	return nil
}
