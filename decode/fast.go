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
	if IsCARP(pk.Payload, pk.IP.Length) {
		p.CARP.IP = pk.IP
		p.CARP.DecodeFromBytes(pk.Payload, &p.tf) // cannot fail: IsCARP saw 8 bytes
		p.Truncated = bool(p.tf)
		return KindCARP, nil, true
	}
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
// of a frame Decode found valid decodes the same: Repeats uses that to
// tell repeats, which the tracker does not decode (track.Tracker.Read).
func Peek(data []byte, pk *Peeked) bool {
	var w walked
	if !walk(data, &w) {
		return false
	}
	pk.Link = Link{VLANs: w.vlans, NumVLANs: w.nvlans, SrcMAC: data[6:12], DstMAC: data[0:6]}
	if w.family == IPv4 {
		pk.IP = Carrier{Family: IPv4, Src: netip.AddrFrom4([4]byte(w.src)), Dst: netip.AddrFrom4([4]byte(w.dst)),
			TTL: w.ttl, Length: len(w.payload), addrSum: sum16(0, w.addrs), hasAddrSum: true}
	} else {
		pk.IP = Carrier{Family: IPv6, Src: netip.AddrFrom16([16]byte(w.src)), Dst: netip.AddrFrom16([16]byte(w.dst)),
			TTL: w.ttl, Length: len(w.payload), addrSum: sum16(0, w.addrs), hasAddrSum: true}
	}
	pk.Payload = w.payload
	return true
}

// walked is what walk finds: slices into the frame.
type walked struct {
	vlans    [maxVLANs]uint16
	nvlans   int
	family   Family
	ttl      uint8
	src, dst []byte
	addrs    []byte // src and dst, adjacent in the IP header
	payload  []byte
}

// walk reads the Ethernet, VLAN and IP headers of a frame the fast path
// takes: Ethernet, up to two 802.1Q/802.1ad tags, IPv4 without options and
// not a fragment, its header checksum right, or IPv6 without extension
// headers; protocol 112, complete.
func walk(data []byte, w *walked) bool {
	if len(data) < 14 {
		return false
	}
	et := binary.BigEndian.Uint16(data[12:14])
	off := 14
	for et == 0x8100 || et == 0x88a8 {
		if len(data) < off+4 || w.nvlans == maxVLANs {
			return false
		}
		w.vlans[w.nvlans] = binary.BigEndian.Uint16(data[off:]) & 0x0fff
		w.nvlans++
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
		if fold(sum16(0, ip[:20])) != 0 {
			return false // a bad header checksum: the general path flags it
		}
		w.family, w.ttl = IPv4, ip[8]
		w.src, w.dst, w.addrs = ip[12:16], ip[16:20], ip[12:20]
		w.payload = ip[20:total]
	case 0x86dd:
		if len(ip) < 40 || ip[0]>>4 != 6 || ip[6] != ipProtoVRRP {
			return false
		}
		n := int(binary.BigEndian.Uint16(ip[4:6]))
		if n == 0 || n > len(ip)-40 {
			return false
		}
		w.family, w.ttl = IPv6, ip[7]
		w.src, w.dst, w.addrs = ip[8:24], ip[24:40], ip[8:40]
		w.payload = ip[40 : 40+n]
	default:
		return false
	}
	return true
}

// truncFlag is a gopacket.DecodeFeedback that remembers truncation.
type truncFlag bool

func (t *truncFlag) SetTruncated() { *t = true }
