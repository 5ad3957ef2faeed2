package decode_test

import (
	"encoding/binary"
	"errors"
	"net/netip"
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
	}{
		{"v2 simple auth", advertV2(), false, decode.FlavourMessageOnly, time.Second},
		{"v2 inside AH", func() *decode.VRRP { v := advertV2(); v.AuthType, v.AuthData = decode.AuthAH, [8]byte{}; return v }(), true, decode.FlavourMessageOnly, time.Second},
		{"v3 ipv4", advertV3v4(), false, decode.FlavourRFC5798, 100 * time.Millisecond},
		{"v3 ipv6", advertV3v6(), false, decode.FlavourRFC5798, time.Second},
		{"v3 ipv4 no addresses", func() *decode.VRRP { v := advertV3v4(); v.Addrs = nil; return v }(), false, decode.FlavourRFC5798, 100 * time.Millisecond},
		{"v3 max interval 40.95s", func() *decode.VRRP { v := advertV3v4(); v.AdverInt = 4095; return v }(), false, decode.FlavourRFC5798, 40950 * time.Millisecond},
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
			if !got.Valid() || got.ChecksumStatus != decode.ChecksumGood || got.Flavour != tc.flavour {
				t.Errorf("problems %q, checksum %v, flavour %q; want valid, ok, %q", got.Problems, got.ChecksumStatus, got.Flavour, tc.flavour)
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
		}, decode.ProblemVersionFamily, decode.FlavourMessageOnly},
		{"fragment", func(t testing.TB) []byte {
			return edit(t, advertV3v4(), false, func(f []byte, o int) []byte { f[14+6] |= 0x20; return setIPLen(f, 12) })
		}, decode.ProblemFragment, decode.FlavourRFC5798},
		{"ethernet padding is not a trailer", func(t testing.TB) []byte {
			return append(frame(t, advertV3v4(), false), make([]byte, 14)...)
		}, 0, decode.FlavourRFC5798},
		{"v3 ipv4 checksum as in v2", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) { v.Flavour = decode.FlavourMessageOnly }), false)
		}, 0, decode.FlavourMessageOnly},
		{"unicast v3 with pseudo-header of 224.0.0.18", func(t testing.TB) []byte {
			return frame(t, with(advertV3v4(), func(v *decode.VRRP) {
				v.IP.Dst, v.Flavour = h2v4, decode.FlavourMcastPseudoHeader
			}), false)
		}, 0, decode.FlavourMcastPseudoHeader},
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

func TestLinkLayers(t *testing.T) {
	plain := frame(t, advertV2(), false)
	tag := func(f []byte, vids ...uint16) []byte {
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
	sll := func(f []byte) []byte {
		// packet type 2 (multicast), ARPHRD_ETHER, address length 6, address, pad, protocol.
		h := []byte{0, 2, 0, 1, 0, 6}
		h = append(h, f[6:12]...)
		h = append(h, 0, 0)
		return append(h, f[12:]...)
	}
	for _, tc := range []struct {
		name    string
		lt      layers.LinkType
		data    []byte
		vlan    uint16
		numVLAN int
		dstMAC  bool
	}{
		{"ethernet", layers.LinkTypeEthernet, plain, 0, 0, true},
		{"802.1Q", layers.LinkTypeEthernet, tag(plain, 10), 10, 1, true},
		{"QinQ", layers.LinkTypeEthernet, tag(plain, 100, 10), 10, 2, true},
		{"linux cooked (-i any)", layers.LinkTypeLinuxSLL, sll(plain), 0, 0, false},
		{"raw ipv4", layers.LinkTypeRaw, plain[14:], 0, 0, false},
		{"raw ipv6", layers.LinkTypeRaw, frame(t, advertV3v6(), false)[14:], 0, 0, false},
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
			if tc.lt != layers.LinkTypeRaw && p.Link.SrcMAC.String() != macH1.String() {
				t.Errorf("source MAC %v, want %v", p.Link.SrcMAC, macH1)
			}
			if (p.Link.DstMAC != nil) != tc.dstMAC {
				t.Errorf("destination MAC %v", p.Link.DstMAC)
			}
		})
	}
	if _, err := decode.NewParser(layers.LinkTypeTokenRing); !errors.Is(err, decode.ErrLinkType) {
		t.Errorf("NewParser(token ring) = %v, want ErrLinkType", err)
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
