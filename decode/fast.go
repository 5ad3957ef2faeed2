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
	if len(data) < 14 {
		return 0, nil, false
	}
	et := binary.BigEndian.Uint16(data[12:14])
	off := 14
	var link Link
	for et == 0x8100 || et == 0x88a8 {
		if len(data) < off+4 || link.NumVLANs == maxVLANs {
			return 0, nil, false
		}
		link.VLANs[link.NumVLANs] = binary.BigEndian.Uint16(data[off:]) & 0x0fff
		link.NumVLANs++
		et = binary.BigEndian.Uint16(data[off+2:])
		off += 4
	}
	ip := data[off:]
	var c Carrier
	var payload []byte
	switch et {
	case 0x0800:
		if len(ip) < 20 || ip[0] != 0x45 || ip[9] != ipProtoVRRP {
			return 0, nil, false
		}
		total := int(binary.BigEndian.Uint16(ip[2:4]))
		if total < 20 || total > len(ip) || binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 {
			return 0, nil, false // truncated, TSO-zero length, or a fragment
		}
		c = Carrier{Family: IPv4, Src: netip.AddrFrom4([4]byte(ip[12:16])), Dst: netip.AddrFrom4([4]byte(ip[16:20])),
			TTL: ip[8], Length: total - 20, addrSum: sum16(0, ip[12:20]), hasAddrSum: true}
		payload = ip[20:total]
	case 0x86dd:
		if len(ip) < 40 || ip[0]>>4 != 6 || ip[6] != ipProtoVRRP {
			return 0, nil, false
		}
		n := int(binary.BigEndian.Uint16(ip[4:6]))
		if n == 0 || n > len(ip)-40 {
			return 0, nil, false
		}
		c = Carrier{Family: IPv6, Src: netip.AddrFrom16([16]byte(ip[8:24])), Dst: netip.AddrFrom16([16]byte(ip[24:40])),
			TTL: ip[7], Length: n, addrSum: sum16(0, ip[8:40]), hasAddrSum: true}
		payload = ip[40 : 40+n]
	default:
		return 0, nil, false
	}
	link.SrcMAC, link.DstMAC = data[6:12], data[0:6]
	p.Link = link
	p.VRRP.IP = c
	p.tf = false
	err = p.VRRP.DecodeFromBytes(payload, &p.tf)
	p.Truncated = bool(p.tf)
	return KindVRRP, err, true
}

// truncFlag is a gopacket.DecodeFeedback that remembers truncation.
type truncFlag bool

func (t *truncFlag) SetTruncated() { *t = true }
