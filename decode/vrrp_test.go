package decode_test

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
)

// fields is what a round trip must preserve.
var fields = cmp.Options{
	cmpopts.IgnoreFields(decode.VRRP{}, "BaseLayer", "ChecksumStatus", "Flavour", "Problems", "Family", "Trailer"),
	cmpopts.IgnoreFields(decode.Carrier{}, "Length"),
	cmpopts.IgnoreUnexported(decode.Carrier{}),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		v        *decode.VRRP
		ah       bool
		flavour  decode.Flavour
		interval time.Duration
		problems decode.Problems // what the RFCs' receive rules say of it
	}{
		{"v2 simple auth", advertV2(), false, decode.FlavourMessageOnly, time.Second, 0},
		{"v2 inside AH", func() *decode.VRRP { v := advertV2(); v.AuthType, v.AuthData = decode.AuthAH, [8]byte{}; return v }(), true, decode.FlavourMessageOnly, time.Second, 0},
		{"v3 ipv4", advertV3v4(), false, decode.FlavourRFC5798, 100 * time.Millisecond, 0},
		{"v3 ipv6", advertV3v6(), false, decode.FlavourRFC5798, time.Second, 0},
		{"v3 ipv4 no addresses", func() *decode.VRRP { v := advertV3v4(); v.Addrs = nil; return v }(), false, decode.FlavourRFC5798, 100 * time.Millisecond, decode.ProblemNoAddresses},
		{"v3 max interval 40.95s", func() *decode.VRRP { v := advertV3v4(); v.AdverInt = 4095; return v }(), false, decode.FlavourRFC5798, 40950 * time.Millisecond, 0},
		{"priority 0 (resigning) is legal", func() *decode.VRRP { v := advertV3v4(); v.Priority = 0; return v }(), false, decode.FlavourRFC5798, 100 * time.Millisecond, 0},
		{"priority 255 (owner) is legal", func() *decode.VRRP { v := advertV2(); v.Priority = 255; return v }(), false, decode.FlavourMessageOnly, time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := *tc.v
			want.CountIPAddr = uint8(len(want.Addrs))
			want.IP.AH = tc.ah
			if tc.ah {
				want.IP.AHSPI, want.IP.AHSeq, want.IP.AHICVLen = 0xc000020b, 1, 12
			}
			p := mustParser(t)
			kind, err := p.Decode(frame(t, tc.v, tc.ah))
			if kind != decode.KindVRRP || err != nil {
				t.Fatalf("Decode: kind %v, err %v", kind, err)
			}
			got := &p.VRRP
			want.Checksum = tc.v.Checksum // computed by serialisation
			if diff := cmp.Diff(&want, got, fields); diff != "" {
				t.Errorf("decoded advert (-want +got):\n%s", diff)
			}
			if got.Problems != tc.problems || got.ChecksumStatus != decode.ChecksumGood || got.Flavour != tc.flavour {
				t.Errorf("problems %q, checksum %v, flavour %q; want %q, ok, %q", got.Problems, got.ChecksumStatus, got.Flavour,
					tc.problems, tc.flavour)
			}
			if got.Interval() != tc.interval {
				t.Errorf("Interval() = %v, want %v", got.Interval(), tc.interval)
			}
			// And back: encoding the decoded advert gives the same bytes.
			b1, err := tc.v.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			b2, err := got.AppendBinary(nil, false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(hexdump(b1), hexdump(b2)); diff != "" {
				t.Errorf("re-encoded bytes (-want +got):\n%s", diff)
			}
		})
	}
}

// edit returns a frame of v with fn applied to the VRRP message (offset
// into the frame given) and, with fix, the checksum recomputed afterwards.
func edit(t testing.TB, v *decode.VRRP, fix bool, fn func(frame []byte, off int) []byte) []byte {
	t.Helper()
	f := frame(t, v, false)
	off := 14 + 20
	if v.IP.Family == decode.IPv6 {
		off = 14 + 40
	}
	f = fn(f, off)
	if fix {
		// Ethernet pads to 60 bytes: the message ends where IP says.
		end := 14 + int(binary.BigEndian.Uint16(f[14+2:]))
		if v.IP.Family == decode.IPv6 {
			end = off + int(binary.BigEndian.Uint16(f[14+4:]))
		}
		msg := f[off:end]
		fl := decode.FlavourRFC5798
		if v.Version == decode.V2 {
			fl = decode.FlavourMessageOnly
		}
		binary.BigEndian.PutUint16(msg[6:], decode.Checksum(msg, fl, v.IP.Src, v.IP.Dst))
	}
	return f
}

// setIPLen rewrites the IPv4 total length (and header checksum) of a frame
// to announce n bytes of VRRP.
func setIPLen(f []byte, n int) []byte {
	binary.BigEndian.PutUint16(f[14+2:], uint16(20+n))
	binary.BigEndian.PutUint16(f[14+10:], 0)
	var s uint32
	for i := 14; i < 34; i += 2 {
		s += uint32(binary.BigEndian.Uint16(f[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	binary.BigEndian.PutUint16(f[14+10:], ^uint16(s))
	return f
}

func TestProblems(t *testing.T) {
	with := func(v *decode.VRRP, fn func(*decode.VRRP)) *decode.VRRP { fn(v); return v }
	for _, tc := range []struct {
		name    string
		frame   func(t testing.TB) []byte
		want    decode.Problems
		flavour decode.Flavour
	}{
		{"bad checksum", func(t testing.TB) []byte {
			return edit(t, advertV2(), false, func(f []byte, o int) []byte { f[o+7] ^= 0xff; return f })
		}, decode.ProblemBadChecksum, decode.FlavourNone},
		{"multicast ttl 64", func(t testing.TB) []byte {
			return frame(t, with(advertV2(), func(v *decode.VRRP) { v.IP.TTL = 64 }), false)
		}, decode.ProblemBadTTL, decode.FlavourMessageOnly},
		{"multicast hop limit 1", func(t testing.TB) []byte {
			return frame(t, with(advertV3v6(), func(v *decode.VRRP) { v.IP.TTL = 1 }), false)
		}, decode.ProblemBadTTL, decode.FlavourRFC5798},
		{"unicast ttl 63 is not condemned", func(t testing.TB) []byte {
			return frame(t, with(advertV2(), func(v *decode.VRRP) { v.IP.TTL, v.IP.Dst = 63, h2v4 }), false)
		}, 0, decode.FlavourMessageOnly},
		{"unknown type", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.Type = 2 }), false)
		}, decode.ProblemUnknownType, decode.FlavourRFC5798},
		{"zero interval", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.AdverInt = 0 }), false)
		}, decode.ProblemZeroInterval, decode.FlavourRFC5798},
		{"unknown auth type", func(t testing.TB) []byte {
			return frame(t, with(advertV2(), func(v *decode.VRRP) { v.AuthType = 7 }), false)
		}, decode.ProblemUnknownAuthType, decode.FlavourMessageOnly},
		{"ipv6 first address global", func(t testing.TB) []byte {
			return frame(t, with(advertV3v6(), func(v *decode.VRRP) { v.Addrs = v.Addrs[1:] }), false)
		}, decode.ProblemIPv6FirstAddr, decode.FlavourRFC5798},
		{"count says 3, one address", func(t testing.TB) []byte {
			return edit(t, advertV3v4(), true, func(f []byte, o int) []byte { f[o+3] = 3; return f })
		}, decode.ProblemCountMismatch, decode.FlavourRFC5798},
		{"count says 1, two addresses", func(t testing.TB) []byte {
			return edit(t, with(advertV3v4(), func(v *decode.VRRP) { v.Addrs = append(v.Addrs, h2v4) }), true,
				func(f []byte, o int) []byte { f[o+3] = 1; return f })
		}, decode.ProblemCountMismatch | decode.ProblemTrailingBytes, decode.FlavourRFC5798},
		{"5 trailing bytes", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.Trailer = []byte{1, 2, 3, 4, 5} }), false)
		}, decode.ProblemTrailingBytes, decode.FlavourRFC5798},
		{"keepalived hmac trailer", func(t testing.TB) []byte {
			return frame(t, with(advertV2(), func(v *decode.VRRP) { v.Trailer = make([]byte, 28) }), false)
		}, decode.ProblemHMACTrailer, decode.FlavourMessageOnly},
		{"truncated by snap length", func(t testing.TB) []byte {
			f := frame(t, advertV3v6(), false)
			return f[:len(f)-10]
		}, decode.ProblemTruncated, decode.FlavourNone},
		{"v2 over ipv6", func(t testing.TB) []byte {
			return edit(t, with(advertV3v6(), func(v *decode.VRRP) { v.Addrs = nil }), false, func(f []byte, o int) []byte {
				f[o] = 0x21
				f = append(f, 0, 0, 0, 0, 0, 0, 0, 0)
				binary.BigEndian.PutUint16(f[14+4:], 16)
				binary.BigEndian.PutUint16(f[o+6:], 0)
				binary.BigEndian.PutUint16(f[o+6:], decode.Checksum(f[o:], decode.FlavourMessageOnly, netip.Addr{}, netip.Addr{}))
				return f
			})
		}, decode.ProblemVersionFamily | decode.ProblemNoAddresses, decode.FlavourMessageOnly},
		{"fragment", func(t testing.TB) []byte {
			return edit(t, advertV3v4(), false, func(f []byte, o int) []byte { f[14+6] |= 0x20; return setIPLen(f, 12) })
		}, decode.ProblemFragment, decode.FlavourRFC5798},
		{"ethernet padding is not a trailer", func(t testing.TB) []byte {
			return append(frame(t, advertV3v4(), false), make([]byte, 14)...)
		}, 0, decode.FlavourRFC5798},
		{"v3 ipv4 checksum as in v2", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.Flavour = decode.FlavourMessageOnly }), false)
		}, decode.ProblemChecksumFlavour, decode.FlavourMessageOnly},
		{"unicast v3 with pseudo-header of 224.0.0.18", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) {
				v.IP.Dst, v.Flavour = h2v4, decode.FlavourMcastPseudoHeader
			}), false)
		}, decode.ProblemChecksumFlavour, decode.FlavourMcastPseudoHeader},
		// The receive rules of RFC 3768 7.1 and RFC 5798 5 and 7.1, and the
		// IP-level ones the kernel applies first, one case each.
		{"vrid 0", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.VRID = 0 }), false)
		}, decode.ProblemBadVRID, decode.FlavourRFC5798},
		{"vrid 255 is legal", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.VRID = 255 }), false)
		}, 0, decode.FlavourRFC5798},
		{"v2 without addresses", func(t testing.TB) []byte {
			return frame(t, with(advertV2(), func(v *decode.VRRP) { v.Addrs = nil }), false)
		}, decode.ProblemNoAddresses, decode.FlavourMessageOnly},
		{"source 0.0.0.0", func(t testing.TB) []byte {
			return frame(t, with(advertV2(), func(v *decode.VRRP) { v.IP.Src = netip.IPv4Unspecified() }), false)
		}, decode.ProblemBadSource, decode.FlavourMessageOnly},
		{"source 127.0.0.1", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.IP.Src = netip.MustParseAddr("127.0.0.1") }), false)
		}, decode.ProblemBadSource, decode.FlavourRFC5798},
		{"multicast source", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.IP.Src = group4 }), false)
		}, decode.ProblemBadSource, decode.FlavourRFC5798},
		{"broadcast source", func(t testing.TB) []byte {
			return frame(t, with(advertV2(), func(v *decode.VRRP) { v.IP.Src = netip.MustParseAddr("255.255.255.255") }), false)
		}, decode.ProblemBadSource, decode.FlavourMessageOnly},
		{"ipv6 source ::1", func(t testing.TB) []byte {
			return frame(t, with(advertV3v6(), func(v *decode.VRRP) { v.IP.Src = netip.IPv6Loopback() }), false)
		}, decode.ProblemBadSource, decode.FlavourRFC5798},
		{"ipv6 source global, not link-local", func(t testing.TB) []byte {
			return frame(t, with(advertV3v6(), func(v *decode.VRRP) { v.IP.Src = netip.MustParseAddr("2001:db8:1::11") }), false)
		}, decode.ProblemSourceNotLinkLocal, decode.FlavourRFC5798},
		{"multicast group 224.0.0.5", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.IP.Dst = netip.MustParseAddr("224.0.0.5") }), false)
		}, decode.ProblemBadGroup, decode.FlavourRFC5798},
		{"multicast group ff02::1", func(t testing.TB) []byte {
			return frame(t, with(advertV3v6(), func(v *decode.VRRP) { v.IP.Dst = netip.MustParseAddr("ff02::1") }), false)
		}, decode.ProblemBadGroup, decode.FlavourRFC5798},
		{"ipv4 header checksum wrong", func(t testing.TB) []byte {
			return edit(t, advertV2(), false, func(f []byte, o int) []byte { f[14+11] ^= 0x01; return f })
		}, decode.ProblemBadIPChecksum, decode.FlavourMessageOnly},
		{"v3 reserved bits set (warning only)", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.Reserved = 0x5 }), false)
		}, decode.ProblemReservedBits, decode.FlavourRFC5798},
		{"ipv4 options (router alert) are fine", func(t testing.TB) []byte {
			return withIPOptions(frame(t, advertV2(), false), []byte{0x94, 0x04, 0, 0})
		}, 0, decode.FlavourMessageOnly},
		{"unicast v3 rfc5798", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.IP.Dst = h2v4 }), false)
		}, 0, decode.FlavourRFC5798},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParser(t)
			kind, err := p.Decode(tc.frame(t))
			if kind != decode.KindVRRP || err != nil {
				t.Fatalf("Decode: kind %v, err %v; want a decoded advert", kind, err)
			}
			if p.VRRP.Problems != tc.want {
				t.Errorf("problems %q, want %q", p.VRRP.Problems, tc.want)
			}
			if p.VRRP.Flavour != tc.flavour {
				t.Errorf("flavour %q, want %q", p.VRRP.Flavour, tc.flavour)
			}
		})
	}
}

// withIPOptions inserts IPv4 options (a multiple of 4 bytes) after the
// 20-byte header of an Ethernet frame, fixing the lengths and checksum.
func withIPOptions(f, opts []byte) []byte {
	out := append(append(append([]byte{}, f[:34]...), opts...), f[34:]...)
	out[14] = 0x45 + byte(len(opts)/4)
	binary.BigEndian.PutUint16(out[16:], binary.BigEndian.Uint16(f[16:])+uint16(len(opts)))
	binary.BigEndian.PutUint16(out[24:], 0)
	var s uint32
	for i := 14; i < 34+len(opts); i += 2 {
		s += uint32(binary.BigEndian.Uint16(out[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	binary.BigEndian.PutUint16(out[24:], ^uint16(s))
	return out
}

func TestUndecodable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame func(t testing.TB) []byte
		want  error
	}{
		{"version 4", func(t testing.TB) []byte {
			return edit(t, advertV3v4(), true, func(f []byte, o int) []byte { f[o] = 0x41; return f })
		}, decode.ErrVersion},
		{"version 0", func(t testing.TB) []byte {
			return edit(t, advertV3v4(), true, func(f []byte, o int) []byte { f[o] = 0x01; return f })
		}, decode.ErrVersion},
		{"5 bytes of vrrp", func(t testing.TB) []byte {
			return edit(t, advertV3v4(), false, func(f []byte, o int) []byte { return setIPLen(f[:o+5], 5) })
		}, decode.ErrTruncated},
		{"malformed ipv4 option", func(t testing.TB) []byte {
			// tcpdump: "options (unknown 69 [bad length 83])", as in its
			// vrrp-vrrp_print-oobr test; gopacket refuses the header.
			return withIPOptions(frame(t, advertV2(), false), []byte{0x45, 0x53, 0, 0})
		}, decode.ErrIPHeader},
		{"AH around VRRP cut inside the AH header", func(t testing.TB) []byte {
			v := advertV2()
			v.AuthType, v.AuthData = decode.AuthAH, [8]byte{}
			f := frame(t, v, true)
			return setIPLen(f[:14+20+10], 10)
		}, decode.ErrIPHeader},
		{"ipv4 header length beyond the packet", func(t testing.TB) []byte {
			f := frame(t, advertV2(), false)
			f[14] = 0x4f
			return f
		}, decode.ErrIPHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParser(t)
			kind, err := p.Decode(tc.frame(t))
			if kind != decode.KindVRRP || !errors.Is(err, tc.want) {
				t.Fatalf("Decode: kind %v, err %v; want KindVRRP and %v", kind, err, tc.want)
			}
			var de *decode.DecodeError
			if !errors.As(err, &de) || de.Field == "" {
				t.Errorf("error %v does not name the field", err)
			}
		})
	}
}

// Encapsulations of an Ethernet frame f, for the link layer tests and
// fuzz seeds.

// tagged adds 802.1Q tags (802.1ad for the outer one of two or more).
func tagged(f []byte, vids ...uint16) []byte {
	out := append([]byte{}, f[:12]...)
	for i, vid := range vids {
		tpid := uint16(0x8100)
		if i == 0 && len(vids) > 1 {
			tpid = 0x88a8
		}
		out = binary.BigEndian.AppendUint16(out, tpid)
		out = binary.BigEndian.AppendUint16(out, vid)
	}
	return append(out, f[12:]...)
}

// sll is Linux cooked v1: packet type 2 (multicast), ARPHRD_ETHER,
// address length 6, address, pad, protocol.
func sll(f []byte) []byte {
	h := []byte{0, 2, 0, 1, 0, 6}
	h = append(h, f[6:12]...)
	h = append(h, 0, 0)
	return append(h, f[12:]...)
}

// sll2 is Linux cooked v2: protocol, reserved, ifindex 7, ARPHRD_ETHER,
// packet type 2 (multicast), address length 6, address, pad.
func sll2(f []byte) []byte {
	h := []byte{f[12], f[13], 0, 0, 0, 0, 0, 7, 0, 1, 2, 6}
	h = append(h, f[6:12]...)
	h = append(h, 0, 0)
	return append(h, f[14:]...)
}

// pbb is 802.1ah: backbone MACs, an 802.1ad B-TAG, the I-TAG (EtherType
// 0x88e7, I-SID), then the customer's frame as it was, as zeek's pbb.pcap
// has it.
func pbb(f []byte, bvid uint16, isid uint32) []byte {
	out := []byte{0x02, 0xbb, 0, 0, 0, 2, 0x02, 0xbb, 0, 0, 0, 1, 0x88, 0xa8}
	out = binary.BigEndian.AppendUint16(out, bvid)
	out = append(out, 0x88, 0xe7, 0, byte(isid>>16), byte(isid>>8), byte(isid))
	return append(out, f...)
}

// null is BSD null/loopback: the address family in 4 bytes, host order
// (DLT_NULL) or network order (DLT_LOOP), then the IP packet.
func null(f []byte, af uint32, bigEndian bool) []byte {
	h := binary.LittleEndian.AppendUint32(nil, af)
	if bigEndian {
		h = binary.BigEndian.AppendUint32(nil, af)
	}
	return append(h, f[14:]...)
}

func TestLinkLayers(t *testing.T) {
	plain := frame(t, advertV2(), false)
	tag := tagged
	v6 := frame(t, advertV3v6(), false)
	for _, tc := range []struct {
		name    string
		lt      int
		data    []byte
		vlan    uint16
		numVLAN int
		dstMAC  bool
		srcMAC  bool
		isid    uint32
		ifindex uint32
	}{
		{"ethernet", 1, plain, 0, 0, true, true, 0, 0},
		{"802.1Q", 1, tag(plain, 10), 10, 1, true, true, 0, 0},
		{"QinQ", 1, tag(plain, 100, 10), 10, 2, true, true, 0, 0},
		{"802.1ah PBB", 1, pbb(plain, 4051, 2014011), 4051, 1, true, true, 2014011, 0},
		{"802.1ah PBB with a customer tag", 1, pbb(tag(plain, 20), 4051, 7), 20, 2, true, true, 7, 0},
		{"linux cooked v1 (-i any)", 113, sll(plain), 0, 0, false, true, 0, 0},
		{"linux cooked v2 (-i any, libpcap 1.10)", decode.LinkTypeLinuxSLL2, sll2(plain), 0, 0, false, true, 0, 7},
		{"linux cooked v2, 802.1Q", decode.LinkTypeLinuxSLL2, sll2(tag(plain, 10)), 10, 1, false, true, 0, 7},
		{"raw ipv4 (101)", 101, plain[14:], 0, 0, false, false, 0, 0},
		{"raw ipv6 (101)", 101, v6[14:], 0, 0, false, false, 0, 0},
		{"raw ipv4 (228)", 228, plain[14:], 0, 0, false, false, 0, 0},
		{"raw ipv6 (229)", 229, v6[14:], 0, 0, false, false, 0, 0},
		{"raw ip, OpenBSD's 12", 12, plain[14:], 0, 0, false, false, 0, 0},
		{"bsd null, host order", 0, null(plain, 2, false), 0, 0, false, false, 0, 0},
		{"bsd null, ipv6 as FreeBSD", 0, null(v6, 28, false), 0, 0, false, false, 0, 0},
		{"openbsd loop, network order", 108, null(plain, 2, true), 0, 0, false, false, 0, 0},
		{"openbsd loop, ipv6", 108, null(v6, 24, true), 0, 0, false, false, 0, 0},
		{"frame relay, cisco encapsulation", 107, append([]byte{0x18, 0x41, 0x08, 0x00}, plain[14:]...), 0, 0, false, false, 0, 0},
		{"frame relay, rfc 2427 nlpid", 107, append([]byte{0x18, 0x41, 0x03, 0xcc}, plain[14:]...), 0, 0, false, false, 0, 0},
		{"frame relay, rfc 2427 snap ipv6", 107, append([]byte{0x18, 0x41, 0x03, 0x00, 0x80, 0, 0, 0, 0x86, 0xdd}, v6[14:]...), 0, 0, false, false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decode.NewParser(tc.lt)
			if err != nil {
				t.Fatal(err)
			}
			kind, err := p.Decode(tc.data)
			if kind != decode.KindVRRP || err != nil || !p.VRRP.Valid() {
				t.Fatalf("Decode: kind %v, err %v, problems %q", kind, err, p.VRRP.Problems)
			}
			if p.Link.VLAN() != tc.vlan || p.Link.NumVLANs != tc.numVLAN {
				t.Errorf("VLAN %d (%d tags), want %d (%d)", p.Link.VLAN(), p.Link.NumVLANs, tc.vlan, tc.numVLAN)
			}
			if tc.srcMAC && p.Link.SrcMAC.String() != macH1.String() || !tc.srcMAC && p.Link.SrcMAC != nil {
				t.Errorf("source MAC %v, want %v", p.Link.SrcMAC, macH1)
			}
			if (p.Link.DstMAC != nil) != tc.dstMAC {
				t.Errorf("destination MAC %v", p.Link.DstMAC)
			}
			if p.Link.ISID != tc.isid || p.Link.IfIndex != tc.ifindex {
				t.Errorf("I-SID %d, ifindex %d; want %d, %d", p.Link.ISID, p.Link.IfIndex, tc.isid, tc.ifindex)
			}
			// The same frame cut anywhere never panics.
			for n := range tc.data {
				p.Decode(tc.data[:n])
			}
		})
	}
}

// TestUnsupportedLinkType: a link type vrrpdump cannot read names itself
// as tcpdump and tshark name it, and says what vrrpdump reads.
func TestUnsupportedLinkType(t *testing.T) {
	for _, tc := range []struct {
		lt   int
		want string
	}{
		{6, `link type IEEE802 (6, tcpdump "Token ring", tshark "Token Ring") is not supported: vrrpdump reads Ethernet`},
		{127, `link type IEEE802_11_RADIO (127, tcpdump "802.11 plus radiotap header", tshark "IEEE 802.11 plus radiotap radio header") is not supported`},
		{147, `link type LINKTYPE 147 (see https://www.tcpdump.org/linktypes.html) is not supported`},
	} {
		_, err := decode.NewParser(tc.lt)
		if !errors.Is(err, decode.ErrLinkType) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("NewParser(%d) = %v\nwant ErrLinkType starting %s", tc.lt, err, tc.want)
		}
	}
	// gopacket's 8-bit link type works as well as an int.
	if _, err := decode.NewParser(layers.LinkTypeLinuxSLL); err != nil {
		t.Error(err)
	}
}

// TestGopacketParser shows the layer in a plain gopacket DecodingLayerParser
// with gopacket's own IPv4 layer: it takes the LayerTypeVRRP slot.
func TestGopacketParser(t *testing.T) {
	var (
		eth  layers.Ethernet
		ip4  layers.IPv4
		vrrp decode.VRRP
	)
	dlp := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &vrrp)
	var decoded []gopacket.LayerType
	if err := dlp.DecodeLayers(frame(t, advertV2(), false), &decoded); err != nil {
		t.Fatal(err)
	}
	if len(decoded) != 3 || decoded[2] != layers.LayerTypeVRRP {
		t.Fatalf("decoded %v", decoded)
	}
	// Without the IP header's help v2's message-only checksum still verifies.
	if vrrp.VRID != 51 || vrrp.ChecksumStatus != decode.ChecksumGood || vrrp.Family != decode.IPv4 {
		t.Errorf("vrid %d, checksum %v, family %v", vrrp.VRID, vrrp.ChecksumStatus, vrrp.Family)
	}
	// gopacket.NewPacket with our registered layer type.
	pkt := gopacket.NewPacket(frame(t, advertV3v6(), false)[54:], decode.LayerTypeVRRP, gopacket.Default)
	v, ok := pkt.Layer(decode.LayerTypeVRRP).(*decode.VRRP)
	if !ok || v.Family != decode.IPv6 || len(v.Addrs) != 3 {
		t.Fatalf("NewPacket: %v", pkt)
	}
}

func TestNeighbourMessages(t *testing.T) {
	p := mustParser(t)
	garp := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 1, 2, 0x08, 0x06,
		0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 1, 2, 192, 0, 2, 100, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 192, 0, 2, 100}
	if k, err := p.Decode(garp); k != decode.KindARP || err != nil || !p.ARP.Gratuitous() ||
		p.ARP.SenderIP != vip4 || p.ARP.SenderMAC.String() != "02:00:00:00:01:02" {
		t.Errorf("gratuitous ARP: kind %v err %v %+v", k, err, p.ARP)
	}
	// Unsolicited NA for 2001:db8:1::100 with target link-layer option.
	na := &layers.ICMPv6NeighborAdvertisement{Flags: 0x20, TargetAddress: vip6.AsSlice(),
		Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptTargetAddress, Data: macH1}}}
	ip6 := &layers.IPv6{Version: 6, NextHeader: layers.IPProtocolICMPv6, HopLimit: 255, SrcIP: h1v6.AsSlice(),
		DstIP: netip.MustParseAddr("ff02::1").AsSlice()}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(136, 0)}
	_ = icmp.SetNetworkLayerForChecksum(ip6)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true},
		&layers.Ethernet{SrcMAC: macH1, DstMAC: mcast6, EthernetType: layers.EthernetTypeIPv6}, ip6, icmp, na); err != nil {
		t.Fatal(err)
	}
	if k, err := p.Decode(buf.Bytes()); k != decode.KindNeighbor || err != nil || p.Neighbor.Solicited ||
		!p.Neighbor.Override || p.Neighbor.Target != vip6 || p.Neighbor.LLAddr.String() != macH1.String() {
		t.Errorf("unsolicited NA: kind %v err %v %+v", k, err, p.Neighbor)
	}
}
