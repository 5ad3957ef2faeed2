package decode_test

import (
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
)

var (
	macH1   = net.HardwareAddr{0x02, 0, 0, 0, 0x01, 0x01}
	mcast4  = net.HardwareAddr{0x01, 0x00, 0x5e, 0, 0, 0x12}
	mcast6  = net.HardwareAddr{0x33, 0x33, 0, 0, 0, 0x12}
	h1v4    = netip.MustParseAddr("192.0.2.11")
	h2v4    = netip.MustParseAddr("192.0.2.12")
	group4  = netip.MustParseAddr("224.0.0.18")
	h1v6    = netip.MustParseAddr("fe80::ff:fe00:101")
	group6  = netip.MustParseAddr("ff02::12")
	vip4    = netip.MustParseAddr("192.0.2.100")
	vip6ll  = netip.MustParseAddr("fe80::53")
	vip6    = netip.MustParseAddr("2001:db8:1::100")
	secret8 = [8]byte{'s', 'e', 'c', 'r', 'e', 't', '1', '2'}
)

// advert builds the adverts the tests use; each is what keepalived sends in
// the reference capture of the same name (see testdata/pcaps/README.md).
func advertV2() *decode.VRRP {
	// 192.0.2.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150,
	// authtype simple, intvl 1s, length 20, addrs: 192.0.2.100 auth "secret12"
	return &decode.VRRP{Version: decode.V2, Type: decode.TypeAdvertisement, VRID: 51, Priority: 150,
		AuthType: decode.AuthSimple, AdverInt: 1, Addrs: []netip.Addr{vip4}, AuthData: secret8,
		IP: decode.Carrier{Family: decode.IPv4, Src: h1v4, Dst: group4, TTL: 255}}
}

func advertV3v4() *decode.VRRP {
	// 192.0.2.11 > 224.0.0.18: VRRPv3, Advertisement, vrid 52, prio 150, intvl 10cs, length 12, addrs: 192.0.2.100
	return &decode.VRRP{Version: decode.V3, Type: decode.TypeAdvertisement, VRID: 52, Priority: 150,
		AdverInt: 10, Addrs: []netip.Addr{vip4},
		IP: decode.Carrier{Family: decode.IPv4, Src: h1v4, Dst: group4, TTL: 255}}
}

func advertV3v6() *decode.VRRP {
	// fe80::ff:fe00:101 > ff02::12: VRRPv3, Advertisement, vrid 53, prio 150, intvl 100cs, length 56,
	// addrs(3): fe80::53,2001:db8:1::100,2001:db8:1::101
	return &decode.VRRP{Version: decode.V3, Type: decode.TypeAdvertisement, VRID: 53, Priority: 150,
		AdverInt: 100, Addrs: []netip.Addr{vip6ll, vip6, netip.MustParseAddr("2001:db8:1::101")},
		IP: decode.Carrier{Family: decode.IPv6, Src: h1v6, Dst: group6, TTL: 255}}
}

// frame wraps an advert in Ethernet and the IP header its Carrier describes,
// computing every checksum. With ah, the advert goes inside an IPsec AH
// header (as keepalived's auth_type AH).
func frame(t testing.TB, v *decode.VRRP, ah bool) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}
	var ls []gopacket.SerializableLayer
	if v.IP.Family == decode.IPv6 {
		dst := mcast6
		ls = append(ls, &layers.Ethernet{SrcMAC: macH1, DstMAC: dst, EthernetType: layers.EthernetTypeIPv6},
			&layers.IPv6{Version: 6, NextHeader: 112, HopLimit: v.IP.TTL, SrcIP: v.IP.Src.AsSlice(), DstIP: v.IP.Dst.AsSlice()})
	} else {
		proto := layers.IPProtocol(112)
		if ah {
			proto = layers.IPProtocolAH
		}
		ls = append(ls, &layers.Ethernet{SrcMAC: macH1, DstMAC: mcast4, EthernetType: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, IHL: 5, TOS: 0xc0, TTL: v.IP.TTL, Protocol: proto,
				SrcIP: v.IP.Src.AsSlice(), DstIP: v.IP.Dst.AsSlice()})
		if ah {
			ls = append(ls, ahHeader{})
		}
	}
	ls = append(ls, v)
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ahHeader is a 24-byte AH with a 12-byte ICV, next header VRRP, SPI
// 0xc000020b, sequence 1, as keepalived sends.
type ahHeader struct{}

func (ahHeader) LayerType() gopacket.LayerType { return layers.LayerTypeIPSecAH }

func (ahHeader) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	h, err := b.PrependBytes(24)
	if err != nil {
		return err
	}
	copy(h, []byte{112, 4, 0, 0, 0xc0, 0, 2, 0x0b, 0, 0, 0, 1})
	for i := 12; i < 24; i++ {
		h[i] = 0xaa
	}
	return nil
}

func mustParser(t testing.TB) *decode.Parser {
	t.Helper()
	p, err := decode.NewParser(layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
