package dump

import (
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/track"
)

// masked stands for a VRRPv2 password unless --show-auth.
const masked = "********"

// appendClock appends a tcpdump-style time of day, microseconds.
func appendClock(b []byte, t time.Time, loc *time.Location) []byte {
	return t.In(loc).AppendFormat(b, "15:04:05.000000")
}

// advertLine appends one tcpdump-like line for an advert, with the
// verdict at the end:
//
//	02:39:03.456930 eth0 192.0.2.11 > 224.0.0.18: VRRPv2 vrid 51 prio 150 intvl 1s auth simple "********" addrs 192.0.2.100 ttl 255 [ok]
func (pr *printer) advertLine(b []byte, pkt *capture.Packet) []byte {
	return pr.advertBody(pr.appendClock(b, pkt.CI.Timestamp), pkt)
}

// advertBody appends an advert's line after the time of day.
func (pr *printer) advertBody(b []byte, pkt *capture.Packet) []byte {
	p := pkt.P
	v := &p.VRRP
	b = pr.lineHead(b, pkt, &v.IP)
	if pkt.Err != nil {
		b = append(b, "VRRP undecodable: "...)
		b = append(b, pkt.Err.Error()...)
		return append(b, " [malformed]\n"...)
	}
	b = append(b, "VRRP"...)
	b = append(b, v.Version.String()...)
	if v.IP.AH {
		b = append(b, " in AH spi 0x"...)
		b = strconv.AppendUint(b, uint64(v.IP.AHSPI), 16)
	}
	if v.Type != decode.TypeAdvertisement {
		b = append(b, ' ')
		b = append(b, v.Type.String()...)
	}
	b = append(b, " vrid "...)
	b = strconv.AppendUint(b, uint64(v.VRID), 10)
	b = append(b, " prio "...)
	b = strconv.AppendUint(b, uint64(v.Priority), 10)
	b = append(b, " intvl "...)
	b = appendInterval(b, v)
	if v.Version == decode.V2 {
		b = append(b, " auth "...)
		b = append(b, v.AuthType.String()...)
		if v.AuthType == decode.AuthSimple {
			b = append(b, ' ')
			if pr.showAuth {
				b = strconv.AppendQuote(b, v.AuthString())
			} else {
				b = append(b, '"')
				b = append(b, masked...)
				b = append(b, '"')
			}
		}
	}
	b = append(b, " addrs"...)
	if int(v.CountIPAddr) != len(v.Addrs) {
		b = append(b, '(')
		b = strconv.AppendUint(b, uint64(v.CountIPAddr), 10)
		b = append(b, ')')
	}
	for i, a := range v.Addrs {
		if i == 0 {
			b = append(b, ' ')
		} else {
			b = append(b, ',')
		}
		b = a.AppendTo(b)
	}
	b = append(b, " ttl "...)
	b = strconv.AppendUint(b, uint64(v.IP.TTL), 10)
	if v.Version == decode.V3 && v.Family == decode.IPv4 && v.Flavour == decode.FlavourMessageOnly {
		b = append(b, " cksum v2-style"...)
	} else if v.Flavour == decode.FlavourMcastPseudoHeader {
		b = append(b, " cksum mcast-pseudo-header"...)
	}
	return appendVerdict(b, v.Problems)
}

// appendVerdict ends an advert's line with its problems, " [ok]" if none.
func appendVerdict(b []byte, ps decode.Problems) []byte {
	if ps == 0 {
		return append(b, " [ok]\n"...)
	}
	b = append(b, " ["...)
	b = appendProblemIDs(b, ps, false)
	return append(b, "]\n"...)
}

// lineHead appends what follows the time of day on the line of an advert
// (VRRP or CARP): " eth0 vlan 10 192.0.2.11 > 224.0.0.18: ", with -e
// " eth0 02:00:00:00:01:01 > 01:00:5e:00:00:12, 192.0.2.11 > 224.0.0.18: ".
func (pr *printer) lineHead(b []byte, pkt *capture.Packet, c *decode.Carrier) []byte {
	b = append(b, ' ')
	b = append(b, pr.link...)
	if vl := pkt.P.Link.VLAN(); vl != 0 {
		b = append(b, " vlan "...)
		b = strconv.AppendUint(b, uint64(vl), 10)
	}
	if l := &pkt.P.Link; pr.macs && len(l.SrcMAC) == 6 {
		b = append(b, ' ')
		b = appendMAC(b, l.SrcMAC)
		if len(l.DstMAC) == 6 {
			b = append(b, " > "...)
			b = appendMAC(b, l.DstMAC)
		}
		b = append(b, ',')
	}
	b = append(b, ' ')
	b = c.Src.AppendTo(b)
	b = append(b, " > "...)
	b = c.Dst.AppendTo(b)
	return append(b, ": "...)
}

// appendInterval appends the advertised interval the way an operator writes
// it: 1s for v2, 100ms / 1s for v3.
func appendInterval(b []byte, v *decode.VRRP) []byte {
	if v.Version == decode.V2 {
		b = strconv.AppendUint(b, uint64(v.AdverInt), 10)
		return append(b, 's')
	}
	cs := uint64(v.AdverInt)
	if cs%100 == 0 {
		b = strconv.AppendUint(b, cs/100, 10)
		return append(b, 's')
	}
	b = strconv.AppendUint(b, cs*10, 10)
	return append(b, "ms"...)
}

// appendFindingLine appends a finding as lines: the verdict, then cause and
// fix indented. An incident's opening carries its number ("!! ERROR
// split-brain #3"); its closing is one line stamped with its end:
//
//	02:39:45.110211 !! ENDED split-brain #3 [eth0 ipv4 vrid 51] split brain in ipv4 vrid 51 ended after 42.3 s: ...
func appendFindingLine(b []byte, f *track.Finding, loc *time.Location) []byte {
	closing := f.Phase == track.PhaseClose
	if closing {
		b = appendClock(b, f.End, loc)
		b = append(b, " !! ENDED "...)
	} else {
		b = appendClock(b, f.Last, loc)
		b = append(b, " !! "...)
		b = append(b, f.Severity.Word()...)
		b = append(b, ' ')
	}
	b = append(b, f.ID...)
	b = appendIncident(b, f)
	b = append(b, " ["...)
	b = append(b, f.Group.String()...)
	b = append(b, "] "...)
	b = append(b, f.Message...)
	b = append(b, '\n')
	if closing {
		return b
	}
	if f.Cause != "" {
		b = append(b, "    cause: "...)
		b = append(b, f.Cause...)
		b = append(b, '\n')
	}
	if f.Hint != "" {
		b = append(b, "    fix:   "...)
		b = append(b, f.Hint...)
		b = append(b, '\n')
	}
	return b
}

// appendIncident appends " #N" for an incident's opening or closing.
func appendIncident(b []byte, f *track.Finding) []byte {
	if f.Incident == 0 {
		return b
	}
	b = append(b, " #"...)
	return strconv.AppendInt(b, int64(f.Incident), 10)
}

// appendFrom ends a request's line with who asks: "IP (MAC)".
func appendFrom(b []byte, ip netip.Addr, mac net.HardwareAddr) []byte {
	b = ip.AppendTo(b)
	if len(mac) == 6 {
		b = append(b, " ("...)
		b = appendMAC(b, mac)
		b = append(b, ')')
	}
	return append(b, '\n')
}

// neighLine appends a line for an ARP or neighbour message, for --lines.
func (pr *printer) neighLine(b []byte, pkt *capture.Packet) []byte {
	p := pkt.P
	b = pr.appendClock(b, pkt.CI.Timestamp)
	b = append(b, ' ')
	b = append(b, pr.link...)
	b = append(b, ' ')
	var ip netip.Addr
	var mac net.HardwareAddr
	var what string
	switch pkt.Kind {
	case decode.KindARP:
		ip, mac = p.ARP.SenderIP, p.ARP.SenderMAC
		switch {
		case p.ARP.Gratuitous():
			what = "gratuitous ARP"
		case p.ARP.Op == decode.ARPRequest: // as tcpdump: who-has TARGET tell SENDER
			b = append(b, "ARP who-has "...)
			b = p.ARP.TargetIP.AppendTo(b)
			b = append(b, " tell "...)
			return appendFrom(b, ip, mac)
		default:
			what = "ARP reply"
		}
	case decode.KindNeighbor:
		ip, mac = p.Neighbor.Target, p.Neighbor.LLAddr
		switch {
		case p.Neighbor.Type == decode.ICMPv6NeighborSolicitation:
			b = append(b, "NS who-has "...)
			b = ip.AppendTo(b)
			b = append(b, " from "...)
			return appendFrom(b, p.Neighbor.Src, mac)
		case p.Neighbor.Solicited:
			what = "NA"
		default:
			what = "unsolicited NA"
		}
	case decode.KindUnreachable:
		b = p.Unreachable.From.AppendTo(b)
		b = append(b, ": ICMP protocol 112 unreachable for "...)
		b = p.Unreachable.QuotedSrc.AppendTo(b)
		b = append(b, " > "...)
		b = p.Unreachable.QuotedDst.AppendTo(b)
		return append(b, " (no VRRP daemon listening there)\n"...)
	}
	b = append(b, what...)
	b = append(b, ' ')
	b = ip.AppendTo(b)
	if len(mac) == 6 {
		b = append(b, " is-at "...)
		b = appendMAC(b, mac)
	}
	return append(b, '\n')
}
