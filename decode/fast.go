package decode

import (
	"encoding/binary"
	"net/netip"
)

// fastPath decodes the frames that make up nearly all VRRP traffic —
// Ethernet, up to two 802.1Q/802.1ad tags, IPv4 without options or IPv6
// without extension headers, protocol 112, complete in the capture —
// without going through gopacket's layer dispatch, which costs more than
// the advert itself. Anything else, it declines (ok false) and Decode takes
// the general path. FuzzFastPath checks that both paths agree on every input.
func (p *Parser) fastPath(data []byte) (kind Kind, err error, ok bool) {
	var pk Peeked
	if !Peek(data, &pk) {
		return 0, nil, false
	}
	p.Link = pk.Link
	p.VRRP.IP = pk.IP
	p.tf = false
	err = p.VRRP.DecodeFromBytes(pk.Payload, &p.tf)
	p.Truncated = bool(p.tf)
	return KindVRRP, err, true
}

// Peeked is what Peek reads of a frame: everything but the VRRP message.
type Peeked struct {
	Link Link    // SrcMAC and DstMAC point into the frame
	IP   Carrier // as Decode fills VRRP.IP
	// Payload is the IP payload (by the IP header's length): the VRRP
	// message and whatever follows it.
	Payload []byte
}

// Peek reads the link and IP headers of a frame that Decode's fast path
// takes (see fastPath), without looking at the VRRP message; it returns
// false for any other frame. A frame whose headers and payload equal those
// of a frame Decode found valid decodes the same: the tracker uses that to
// skip decoding repeats (track.Tracker.ObserveFrames).
func Peek(data []byte, pk *Peeked) bool {
	if len(data) < 14 {
		return false
	}
	et := binary.BigEndian.Uint16(data[12:14])
	off := 14
	pk.Link = Link{}
	link := &pk.Link
	for et == 0x8100 || et == 0x88a8 {
		if len(data) < off+4 || link.NumVLANs == maxVLANs {
			return false
		}
		link.VLANs[link.NumVLANs] = binary.BigEndian.Uint16(data[off:]) & 0x0fff
		link.NumVLANs++
		et = binary.BigEndian.Uint16(data[off+2:])
		off += 4
	}
	ip := data[off:]
	switch et {
	case 0x0800:
		if len(ip) < 20 || ip[0] != 0x45 || ip[9] != ipProtoVRRP {
			return false
		}
		total := int(binary.BigEndian.Uint16(ip[2:4]))
		if total < 20 || total > len(ip) || binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 {
			return false // truncated, TSO-zero length, or a fragment
		}
		pk.IP = Carrier{Family: IPv4, Src: netip.AddrFrom4([4]byte(ip[12:16])), Dst: netip.AddrFrom4([4]byte(ip[16:20])),
			TTL: ip[8], Length: total - 20, addrSum: sum16(0, ip[12:20]), hasAddrSum: true}
		pk.Payload = ip[20:total]
	case 0x86dd:
		if len(ip) < 40 || ip[0]>>4 != 6 || ip[6] != ipProtoVRRP {
			return false
		}
		n := int(binary.BigEndian.Uint16(ip[4:6]))
		if n == 0 || n > len(ip)-40 {
			return false
		}
		pk.IP = Carrier{Family: IPv6, Src: netip.AddrFrom16([16]byte(ip[8:24])), Dst: netip.AddrFrom16([16]byte(ip[24:40])),
			TTL: ip[7], Length: n, addrSum: sum16(0, ip[8:40]), hasAddrSum: true}
		pk.Payload = ip[40 : 40+n]
	default:
		return false
	}
	link.SrcMAC, link.DstMAC = data[6:12], data[0:6]
	return true
}

// truncFlag is a gopacket.DecodeFeedback that remembers truncation.
type truncFlag bool

func (t *truncFlag) SetTruncated() { *t = true }
