package synth

import (
	"cmp"
	"encoding/binary"
	"net"
	"net/netip"
	"slices"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
)

// CARPAdvert is one CARP advert (OpenBSD carp(4), pfSense, OPNsense) in a
// CARP scenario: At seconds after ScenarioStart, from 192.0.2.Host and the
// virtual MAC 00:00:5e:00:01:VHID to 224.0.0.18, with advbase 1 s, its
// advskew and demote, a counter that grows with every advert, and a
// made-up HMAC (the group's password is not needed to follow it).
type CARPAdvert struct {
	At                    float64
	Host                  byte
	VHID, AdvSkew, Demote uint8
}

// CARPScenarios are small CARP captures for the screen's and the
// exporter's tests. In "carp-split", 192.0.2.1 (advskew 0) is the master
// of vhid 7 from 0 to 30 s; 192.0.2.2 (advskew 100) stops hearing it at
// 10 s and advertises as master too, every 1 + 100/256 s, to the end: two
// CARP masters (carp-split).
func CARPScenarios() map[string][]CARPAdvert {
	h1 := CARPAdvert{Host: 1, VHID: 7}
	h2 := CARPAdvert{Host: 2, VHID: 7, AdvSkew: 100}
	return map[string][]CARPAdvert{
		"carp-split": mergeCARP(everyCARP(0, 30, 1, h1), everyCARP(10, 30, 1+100.0/256, h2)),
	}
}

// everyCARP is every for CARP adverts.
func everyCARP(from, to, step float64, a CARPAdvert) []CARPAdvert {
	var out []CARPAdvert
	for _, t := range every(from, to, step, Advert{}) {
		a.At = t.At
		out = append(out, a)
	}
	return out
}

func mergeCARP(parts ...[]CARPAdvert) []CARPAdvert {
	out := slices.Concat(parts...)
	slices.SortStableFunc(out, func(a, b CARPAdvert) int { return cmp.Compare(a.At, b.At) })
	return out
}

// WriteCARPScenario writes ads as an Ethernet pcap at path, from
// ScenarioStart.
func WriteCARPScenario(path string, ads []CARPAdvert) error {
	group := netip.MustParseAddr("224.0.0.18")
	counters := map[byte]uint64{}
	return writeFrames(path, len(ads), func(i int) (float64, []gopacket.SerializableLayer) {
		a := ads[i]
		counters[a.Host]++
		src := netip.AddrFrom4([4]byte{192, 0, 2, a.Host})
		return a.At, []gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: net.HardwareAddr{0, 0, 0x5e, 0, 1, a.VHID}, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 0x12}, EthernetType: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, IHL: 5, TOS: 0x10, TTL: 255, Protocol: 112, SrcIP: src.AsSlice(), DstIP: group.AsSlice()},
			carpLayer{a, 0x5f0a1b2c00000000 + counters[a.Host]}}
	})
}

// carpLayer serializes a CARP advert as OpenBSD's carp_send_ad builds it:
// version 2, type 1, authlen 7, the counter, a 20-byte HMAC, and the
// checksum over the 36 bytes.
type carpLayer struct {
	a       CARPAdvert
	counter uint64
}

func (c carpLayer) LayerType() gopacket.LayerType { return decode.LayerTypeCARP }

func (c carpLayer) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	m, err := b.PrependBytes(36)
	if err != nil {
		return err
	}
	copy(m, []byte{0x21, c.a.VHID, c.a.AdvSkew, 7, c.a.Demote, 1, 0, 0})
	binary.BigEndian.PutUint64(m[8:], c.counter)
	for i := 16; i < 36; i++ {
		m[i] = byte(i) ^ c.a.Host
	}
	binary.BigEndian.PutUint16(m[6:], decode.Checksum(m, decode.FlavourMessageOnly, netip.Addr{}, netip.Addr{}))
	return nil
}
