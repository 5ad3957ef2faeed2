package dump_test

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/golden"
)

// writePcap writes frames as a classic pcap file of the given link type
// (any width: gopacket's writer cannot hold LINKTYPE_LINUX_SLL2), one
// second apart from 2026-11-01 10:00:00 UTC.
func writePcap(t *testing.T, linkType uint32, frames ...[]byte) string {
	t.Helper()
	b := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, linkType)
	start := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for i, f := range frames {
		ts := start.Add(time.Duration(i) * time.Second)
		b = binary.LittleEndian.AppendUint32(b, uint32(ts.Unix()))
		b = binary.LittleEndian.AppendUint32(b, uint32(ts.Nanosecond()/1000))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	path := filepath.Join(t.TempDir(), "capture.pcap")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	encSrc   = netip.MustParseAddr("192.0.2.11")
	encGroup = netip.MustParseAddr("224.0.0.18")
	encMAC   = net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, 0x01, 51}
)

// ethIPv4 is an Ethernet frame from encMAC carrying payload as IP
// protocol 112 from src to 224.0.0.18, TTL 255, checksums computed.
func ethIPv4(t *testing.T, src netip.Addr, payload gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true},
		&layers.Ethernet{SrcMAC: encMAC, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 0x12}, EthernetType: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, IHL: 5, TOS: 0xc0, TTL: 255, Protocol: 112, SrcIP: src.AsSlice(), DstIP: encGroup.AsSlice()},
		payload)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// vrrp51 is keepalived's VRRPv2 advert for vrid 51, VIP 192.0.2.100.
func vrrp51() *decode.VRRP {
	return &decode.VRRP{Version: decode.V2, Type: decode.TypeAdvertisement, VRID: 51, Priority: 150, AdverInt: 1,
		Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.100")},
		IP:    decode.Carrier{Family: decode.IPv4, Src: encSrc, Dst: encGroup, TTL: 255}}
}

// carpAd is a CARP advert as OpenBSD's carp_send_ad builds it, with a
// made-up HMAC.
type carpAd struct{ vhid, advskew, advbase, demote byte }

func (c carpAd) LayerType() gopacket.LayerType { return decode.LayerTypeCARP }

func (c carpAd) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	m, err := b.PrependBytes(36)
	if err != nil {
		return err
	}
	copy(m, []byte{0x21, c.vhid, c.advskew, 7, c.demote, c.advbase, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9})
	for i := 16; i < 36; i++ {
		m[i] = byte(i)
	}
	binary.BigEndian.PutUint16(m[6:], decode.Checksum(m, decode.FlavourMessageOnly, netip.Addr{}, netip.Addr{}))
	return nil
}

// TestEncapsulations pins --lines and --json for adverts in each link layer
// and encapsulation vrrpdump reads besides plain Ethernet, and for CARP:
// the same VRRPv2 advert must read the same in each.
func TestEncapsulations(t *testing.T) {
	v2 := ethIPv4(t, encSrc, vrrp51())
	pbb := func(f []byte) []byte {
		out := []byte{0x02, 0xbb, 0, 0, 0, 2, 0x02, 0xbb, 0, 0, 0, 1, 0x88, 0xa8, 0x0f, 0xd3, 0x88, 0xe7, 0, 0x1e, 0xbb, 0x2b}
		return append(out, f...)
	}
	sll2 := func(f []byte) []byte {
		h := []byte{f[12], f[13], 0, 0, 0, 0, 0, 3, 0, 1, 2, 6}
		return append(append(append(h, f[6:12]...), 0, 0), f[14:]...)
	}
	for _, tc := range []struct {
		name     string
		linkType uint32
		frames   [][]byte
	}{
		{"carp", 1, [][]byte{
			ethIPv4(t, encSrc, carpAd{vhid: 51, advbase: 1}),
			ethIPv4(t, netip.MustParseAddr("192.0.2.12"), carpAd{vhid: 51, advskew: 100, advbase: 1, demote: 1}),
			v2, // VRRP vrid 51 beside CARP vhid 51: the same virtual MAC
		}},
		{"pbb", 1, [][]byte{pbb(v2)}},
		{"sll2", decode.LinkTypeLinuxSLL2, [][]byte{sll2(v2)}},
		{"raw", 101, [][]byte{v2[14:]}},
		{"null", 0, [][]byte{append([]byte{2, 0, 0, 0}, v2[14:]...)}},
	} {
		for _, mode := range []string{"lines", "json"} {
			t.Run(tc.name+"."+mode, func(t *testing.T) {
				out, errOut, err := run(t, "-r", writePcap(t, tc.linkType, tc.frames...), "--"+mode)
				if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
					t.Fatalf("%v\n%s", err, errOut)
				}
				golden.File(t, filepath.Join("testdata", t.Name()+".golden"), []byte(out))
			})
		}
	}
}

// TestUnsupportedLinkTypeNamed: a capture of a link type vrrpdump cannot
// read fails naming it as tcpdump and tshark do.
func TestUnsupportedLinkTypeNamed(t *testing.T) {
	_, _, err := run(t, "-r", writePcap(t, 105, []byte{0x08, 0}), "--summary")
	want := `link type IEEE802_11 (105, tcpdump "802.11", tshark "IEEE 802.11 Wireless LAN") is not supported`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to contain %s", err, want)
	}
}
