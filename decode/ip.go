package decode

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// ipv4Layer is gopacket's IPv4 layer that also tells the advert it carries
// where it came from.
type ipv4Layer struct {
	layers.IPv4
	c *Carrier
	// vrrpErr is set when the header of a packet of protocol 112 did not
	// decode (a malformed option, a length shorter than the header): the
	// packet is an undecodable advert, not some other frame.
	vrrpErr bool
}

func (l *ipv4Layer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	l.vrrpErr = false
	if err := l.IPv4.DecodeFromBytes(data, df); err != nil {
		if len(data) >= 20 && data[9] == ipProtoVRRP {
			l.vrrpErr = true
			*l.c = Carrier{Family: IPv4, Src: netip.AddrFrom4([4]byte(data[12:16])),
				Dst: netip.AddrFrom4([4]byte(data[16:20])), TTL: data[8]}
		}
		return err
	}
	*l.c = Carrier{
		Family:            IPv4,
		Src:               netip.AddrFrom4([4]byte(l.SrcIP)),
		Dst:               netip.AddrFrom4([4]byte(l.DstIP)),
		TTL:               l.TTL,
		Length:            int(l.Length) - int(l.IHL)*4,
		Fragment:          l.Flags&layers.IPv4MoreFragments != 0 || l.FragOffset != 0,
		HeaderChecksumBad: fold(sum16(0, l.Contents)) != 0,
	}
	return nil
}

// ipv6Layer is gopacket's IPv6 layer that also tells the advert it carries
// where it came from.
type ipv6Layer struct {
	layers.IPv6
	c       *Carrier
	vrrpErr bool // as ipv4Layer's
}

func (l *ipv6Layer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	l.vrrpErr = false
	if err := l.IPv6.DecodeFromBytes(data, df); err != nil {
		if len(data) >= 40 && data[6] == ipProtoVRRP {
			l.vrrpErr = true
			*l.c = Carrier{Family: IPv6, Src: netip.AddrFrom16([16]byte(data[8:24])),
				Dst: netip.AddrFrom16([16]byte(data[24:40])), TTL: data[7]}
		}
		return err
	}
	n := int(l.Length)
	if l.HopByHop != nil {
		n -= l.HopByHop.ActualLength
	}
	*l.c = Carrier{
		Family: IPv6,
		Src:    netip.AddrFrom16([16]byte(l.SrcIP)),
		Dst:    netip.AddrFrom16([16]byte(l.DstIP)),
		TTL:    l.HopLimit,
		Length: n,
	}
	return nil
}

// AH is the IP Authentication Header (RFC 4302) as keepalived's auth_type AH
// wraps VRRPv2 in it. gopacket's IPSecAH is not a DecodingLayer; this is.
// The ICV cannot be verified without the key.
type AH struct {
	layers.BaseLayer
	NextHeader layers.IPProtocol
	SPI, Seq   uint32
	ICV        []byte
	c          *Carrier
	vrrpErr    bool // as ipv4Layer's: a header of next header 112 did not decode
}

var errAHTruncated = errors.New("ip ah: header truncated")

// CanDecode returns layers.LayerTypeIPSecAH.
func (a *AH) CanDecode() gopacket.LayerClass { return layers.LayerTypeIPSecAH }

// LayerType returns layers.LayerTypeIPSecAH.
func (a *AH) LayerType() gopacket.LayerType { return layers.LayerTypeIPSecAH }

// NextLayerType is the layer of the AH's next header.
func (a *AH) NextLayerType() gopacket.LayerType { return a.NextHeader.LayerType() }

// DecodeFromBytes decodes the header: next header, payload length (in 32-bit
// words minus 2), SPI, sequence and ICV.
func (a *AH) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	a.vrrpErr = false
	n := 0
	if len(data) >= 2 {
		n = (int(data[1]) + 2) * 4
	}
	if len(data) < 12 || n < 12 || n > len(data) {
		a.vrrpErr = len(data) > 0 && data[0] == ipProtoVRRP
		df.SetTruncated()
		return errAHTruncated
	}
	a.NextHeader = layers.IPProtocol(data[0])
	a.SPI = binary.BigEndian.Uint32(data[4:8])
	a.Seq = binary.BigEndian.Uint32(data[8:12])
	a.ICV = data[12:n]
	a.Contents, a.Payload = data[:n], data[n:]
	if a.c != nil {
		a.c.AH, a.c.AHSPI, a.c.AHSeq, a.c.AHICVLen = true, a.SPI, a.Seq, n-12
		if a.c.Length > 0 {
			a.c.Length = max(a.c.Length-n, 0)
		}
	}
	return nil
}

// NextLayerType hands the first fragment of a fragmented advert to VRRP too
// (gopacket stops at fragments), so that it is reported rather than lost.
// Later fragments carry no VRRP header and stay undecoded.
func (l *ipv4Layer) NextLayerType() gopacket.LayerType {
	if l.Flags&layers.IPv4MoreFragments != 0 && l.FragOffset == 0 {
		return l.Protocol.LayerType()
	}
	return l.IPv4.NextLayerType()
}
