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
// skip decoding repeats (Repeats, track.Tracker.ObserveTagged).
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
// not a fragment or IPv6 without extension headers, protocol 112, complete.
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

// Head is what identifies a frame's advert as a repeat of an earlier one:
// the fields of Peeked without pointers, the IP payload copied in, so that
// two frames that decode the same have equal Heads (see Repeats).
type Head struct {
	VLAN     uint32 // Link.VLANKey
	Family   Family
	TTL      uint8
	Len      uint8 // bytes of Payload used
	SrcMAC   [6]byte
	Src, Dst [16]byte // IPv4 addresses in the first 4 bytes
	Payload  [48]byte // the IP payload: a VRRP message of up to 9 IPv4 or 2 IPv6 addresses
}

// PeekHead fills h for a frame Peek takes whose IP payload fits in
// h.Payload; it returns false otherwise (FuzzPeekHead compares the two).
func PeekHead(data []byte, h *Head) bool {
	var w walked
	return walk(data, &w) && h.set(data, &w)
}

// set fills h from a walked frame, with copies of known sizes where it
// can (Repeats.See makes one per frame); false when the payload does not
// fit.
func (h *Head) set(data []byte, w *walked) bool {
	if len(w.payload) > len(h.Payload) {
		return false
	}
	h.VLAN = vlanKey(&w.vlans, w.nvlans)
	h.Family, h.TTL = w.family, w.ttl
	if w.family == IPv4 {
		*(*[4]byte)(h.Src[:4]) = [4]byte(w.src)
		*(*[4]byte)(h.Dst[:4]) = [4]byte(w.dst)
	} else {
		h.Src, h.Dst = [16]byte(w.src), [16]byte(w.dst)
	}
	h.Len = uint8(copy(h.Payload[:], w.payload))
	h.SrcMAC = [6]byte(data[6:12])
	return true
}

// SrcAddr and DstAddr are the IP addresses.
func (h *Head) SrcAddr() netip.Addr { return h.addr(&h.Src) }
func (h *Head) DstAddr() netip.Addr { return h.addr(&h.Dst) }

func (h *Head) addr(b *[16]byte) netip.Addr {
	if h.Family == IPv4 {
		return netip.AddrFrom4([4]byte(b[:4]))
	}
	return netip.AddrFrom16(*b)
}
