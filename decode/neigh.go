package decode

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// ARP is an Ethernet/IPv4 ARP message (RFC 826), the way VIP owners announce
// themselves. Other hardware or protocol types are not decoded.
type ARP struct {
	layers.BaseLayer
	Op        uint16 // 1 request, 2 reply
	SenderMAC net.HardwareAddr
	SenderIP  netip.Addr
	TargetMAC net.HardwareAddr
	TargetIP  netip.Addr
}

// ARP operations.
const (
	ARPRequest uint16 = 1
	ARPReply   uint16 = 2
)

var errARP = errors.New("arp: not a 28-byte ethernet/ipv4 message")

// Gratuitous reports whether the message announces the sender's own address
// (sender IP equals target IP, request or reply), as a new VRRP master does.
func (a *ARP) Gratuitous() bool { return a.SenderIP == a.TargetIP }

// CanDecode returns layers.LayerTypeARP.
func (a *ARP) CanDecode() gopacket.LayerClass { return layers.LayerTypeARP }

// NextLayerType returns gopacket.LayerTypeZero.
func (a *ARP) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes decodes a 28-byte Ethernet/IPv4 ARP message.
func (a *ARP) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 28 {
		df.SetTruncated()
		return errARP
	}
	if binary.BigEndian.Uint16(data[0:2]) != 1 || binary.BigEndian.Uint16(data[2:4]) != 0x0800 ||
		data[4] != 6 || data[5] != 4 {
		return errARP
	}
	a.Op = binary.BigEndian.Uint16(data[6:8])
	a.SenderMAC = data[8:14]
	a.SenderIP = netip.AddrFrom4([4]byte(data[14:18]))
	a.TargetMAC = data[18:24]
	a.TargetIP = netip.AddrFrom4([4]byte(data[24:28]))
	a.Contents, a.Payload = data[:28], data[28:]
	return nil
}

// ICMPv6 types this package decodes.
const (
	ICMPv6NeighborSolicitation  = 135
	ICMPv6NeighborAdvertisement = 136
)

// Neighbor is an IPv6 neighbour solicitation or advertisement (RFC 4861
// sections 4.3, 4.4): the IPv6 counterpart of ARP. An unsolicited NA is what
// a new VRRPv3 IPv6 master sends for each VIP.
type Neighbor struct {
	layers.BaseLayer
	Type      uint8 // ICMPv6NeighborSolicitation or ICMPv6NeighborAdvertisement
	Src, Dst  netip.Addr
	Router    bool // NA R flag
	Solicited bool // NA S flag
	Override  bool // NA O flag
	Target    netip.Addr
	// LLAddr is the source (NS) or target (NA) link-layer address option,
	// nil when absent.
	LLAddr net.HardwareAddr
	c      *Carrier
}

var errNeighbor = errors.New("icmpv6: truncated neighbour message")

// CanDecode returns layers.LayerTypeICMPv6.
func (n *Neighbor) CanDecode() gopacket.LayerClass { return layers.LayerTypeICMPv6 }

// NextLayerType returns gopacket.LayerTypeZero.
func (n *Neighbor) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes decodes NS and NA messages; any other ICMPv6 type leaves
// Type 0 and returns nil.
func (n *Neighbor) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	*n = Neighbor{c: n.c}
	if len(data) < 4 {
		df.SetTruncated()
		return errNeighbor
	}
	t := data[0]
	if t != ICMPv6NeighborSolicitation && t != ICMPv6NeighborAdvertisement {
		return nil
	}
	if len(data) < 24 {
		df.SetTruncated()
		return errNeighbor
	}
	n.Type = t
	if n.c != nil {
		n.Src, n.Dst = n.c.Src, n.c.Dst
	}
	if t == ICMPv6NeighborAdvertisement {
		n.Router, n.Solicited, n.Override = data[4]&0x80 != 0, data[4]&0x40 != 0, data[4]&0x20 != 0
	}
	n.Target = netip.AddrFrom16([16]byte(data[8:24]))
	want := byte(1) // source link-layer address
	if t == ICMPv6NeighborAdvertisement {
		want = 2 // target link-layer address
	}
	for opts := data[24:]; len(opts) >= 2; {
		l := int(opts[1]) * 8
		if l == 0 || l > len(opts) {
			break
		}
		if opts[0] == want && l >= 8 {
			n.LLAddr = opts[2:8]
		}
		opts = opts[l:]
	}
	n.Contents = data
	return nil
}

// Unreachable is an ICMP destination-unreachable (protocol unreachable)
// message that quotes a VRRP packet: the kernel of a host whose VRRP daemon
// is not running answering a unicast advert.
type Unreachable struct {
	layers.BaseLayer
	From      netip.Addr // who sent the ICMP error
	QuotedSrc netip.Addr // the advert's source
	QuotedDst netip.Addr // the advert's destination
	isVRRP    bool
	c         *Carrier
}

// CanDecode returns layers.LayerTypeICMPv4.
func (u *Unreachable) CanDecode() gopacket.LayerClass { return layers.LayerTypeICMPv4 }

// NextLayerType returns gopacket.LayerTypeZero.
func (u *Unreachable) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

// DecodeFromBytes recognises ICMP type 3 code 2 quoting IP protocol 112; any
// other ICMP message is left unrecognised without an error.
func (u *Unreachable) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	*u = Unreachable{c: u.c}
	// type 3, code 2, checksum, unused, then the quoted IPv4 header.
	if len(data) < 8+20 || data[0] != 3 || data[1] != 2 {
		return nil
	}
	q := data[8:]
	if q[0]>>4 != 4 || q[9] != ipProtoVRRP {
		return nil
	}
	u.isVRRP = true
	if u.c != nil {
		u.From = u.c.Src
	}
	u.QuotedSrc = netip.AddrFrom4([4]byte(q[12:16]))
	u.QuotedDst = netip.AddrFrom4([4]byte(q[16:20]))
	u.Contents = data
	return nil
}
