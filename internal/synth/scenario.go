package synth

import (
	"net"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
)

// Advert is one VRRPv2 advert of vrid 51 in a scenario: At seconds after
// the start, from 192.0.2.Host (MAC 02:00:00:00:01:Host) to 224.0.0.18,
// with its priority, interval (seconds, default 1) and addresses (default
// 192.0.2.100).
type Advert struct {
	At    float64
	Host  byte
	Prio  uint8
	Intvl uint8
	VIPs  []string
}

// ScenarioStart is when every scenario starts.
var ScenarioStart = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

// Scenarios are small captures of a keepalived-like pair (192.0.2.11
// priority 150, 192.0.2.12 priority 100) in which incidents open and
// close, for golden tests of every output.
func Scenarios() map[string][]Advert {
	h11 := Advert{Host: 11, Prio: 150}
	h12 := Advert{Host: 12, Prio: 100}
	return map[string][]Advert{
		// 192.0.2.12 stops hearing 192.0.2.11 from 5 s to 15 s: it
		// becomes master at 8.6 s (Master_Down_Interval) and goes back to
		// backup when it hears 192.0.2.11 again (its advert at 16 s).
		"split-brain-ends": merge(every(0, 30, 1, h11), every(8.6, 15.6, 1, h12)),
		// The master dies at 5 s: 192.0.2.12 takes over after its
		// Master_Down_Interval; 192.0.2.11 comes back at 20 s and preempts.
		"failover": merge(every(0, 5, 1, h11), every(8.61, 20.61, 1, h12), every(20, 30, 1, h11)),
		// The master resigns at 5 s and 192.0.2.12 takes over after
		// Skew_Time; nothing speaks from 15 s to 25 s (master-down), then
		// 192.0.2.12 comes back.
		"release": merge(every(0, 4, 1, h11), []Advert{{At: 5, Host: 11, Prio: 0}}, every(5.61, 14.61, 1, h12), every(25, 30, 1, h12)),
		// 192.0.2.12 preempts at 5 s with one more address and an interval
		// of 2 s; at 15 s its configuration is fixed.
		"mismatch": merge(every(0, 5, 1, h11),
			every(5.2, 13.2, 2, Advert{Host: 12, Prio: 200, Intvl: 2, VIPs: []string{"192.0.2.100", "192.0.2.101"}}),
			every(15.2, 30.2, 1, Advert{Host: 12, Prio: 200})),
	}
}

// every is a's adverts from..to (inclusive) every step seconds.
func every(from, to, step float64, a Advert) []Advert {
	var out []Advert
	for s := from; s <= to+1e-9; s += step {
		a.At = s
		out = append(out, a)
	}
	return out
}

func merge(parts ...[]Advert) []Advert {
	out := slices.Concat(parts...)
	slices.SortStableFunc(out, func(a, b Advert) int {
		switch {
		case a.At < b.At:
			return -1
		case a.At > b.At:
			return 1
		}
		return 0
	})
	return out
}

// WriteScenario writes ads as an Ethernet pcap at path, from ScenarioStart.
func WriteScenario(path string, ads []Advert) error {
	group := netip.MustParseAddr("224.0.0.18")
	return writeFrames(path, len(ads), func(i int) (float64, []gopacket.SerializableLayer) {
		a := ads[i]
		src := netip.AddrFrom4([4]byte{192, 0, 2, a.Host})
		v := &decode.VRRP{Version: decode.V2, Type: decode.TypeAdvertisement, VRID: 51, Priority: a.Prio, AdverInt: uint16(max(a.Intvl, 1)),
			IP: decode.Carrier{Family: decode.IPv4, Src: src, Dst: group, TTL: 255}}
		vips := a.VIPs
		if vips == nil {
			vips = []string{"192.0.2.100"}
		}
		for _, s := range vips {
			v.Addrs = append(v.Addrs, netip.MustParseAddr(s))
		}
		return a.At, []gopacket.SerializableLayer{
			&layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 1, a.Host}, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 0x12}, EthernetType: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, IHL: 5, TOS: 0xc0, TTL: 255, Protocol: 112, SrcIP: src.AsSlice(), DstIP: group.AsSlice()}, v}
	})
}

// writeFrames writes n Ethernet frames as a pcap at path: frame i is at
// seconds after ScenarioStart and made of layers, as frame returns them.
func writeFrames(path string, n int, frame func(i int) (at float64, layers []gopacket.SerializableLayer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close() // on early returns; the end checks the close
	w, err := pcapfile.NewWriter(f, layers.LinkTypeEthernet, 65535)
	if err != nil {
		return err
	}
	for i := range n {
		at, ls := frame(i)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}, ls...); err != nil {
			return err
		}
		ts := ScenarioStart.Add(time.Duration(at * float64(time.Second)))
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, buf.Bytes()); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
