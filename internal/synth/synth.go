// Package synth builds synthetic VRRP traffic for benchmarks and load tests:
// many healthy groups, each a master advertising at its interval, as whole
// Ethernet frames. Groups beyond VRID 255 are told apart by 802.1Q VLAN.
// Addresses come from the documentation ranges only.
package synth

import (
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
)

// Config describes the traffic.
type Config struct {
	Groups   int            // number of groups, at least 1
	Version  decode.Version // V2 or V3 (default V3)
	Interval time.Duration  // advert interval of every group (default 1 s; v3 allows 10 ms)
	Start    time.Time      // timestamp of the first advert
}

// Group returns the VLAN and VRID of group i (0-based): VRIDs 1..255 on
// VLAN 1, then on VLAN 2, and so on.
func Group(i int) (vlan uint16, vrid uint8) { return uint16(i/255 + 1), uint8(i%255 + 1) }

// Frames returns one Ethernet frame per group, each a valid advert from the
// group's master (192.0.2.11 prio 150) for VIP 203.0.113.(vrid).
func (c Config) Frames() ([][]byte, error) {
	if c.Version == 0 {
		c.Version = decode.V3
	}
	ival := c.interval()
	out := make([][]byte, c.Groups)
	for i := range out {
		vlan, vrid := Group(i)
		src, dst := netip.AddrFrom4([4]byte{192, 0, 2, 11}), netip.AddrFrom4([4]byte{224, 0, 0, 18})
		v := &decode.VRRP{Version: c.Version, Type: decode.TypeAdvertisement, VRID: vrid, Priority: 150,
			Addrs: []netip.Addr{netip.AddrFrom4([4]byte{203, 0, 113, vrid})},
			IP:    decode.Carrier{Family: decode.IPv4, Src: src, Dst: dst, TTL: 255}}
		if c.Version == decode.V2 {
			v.AdverInt = uint16(max(ival/time.Second, 1))
		} else {
			v.AdverInt = uint16(max(ival/(10*time.Millisecond), 1))
		}
		buf := gopacket.NewSerializeBuffer()
		err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true},
			&layers.Ethernet{SrcMAC: net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, 0x01, vrid},
				DstMAC: net.HardwareAddr{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}, EthernetType: layers.EthernetTypeDot1Q},
			&layers.Dot1Q{VLANIdentifier: vlan, Type: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, IHL: 5, TOS: 0xc0, TTL: 255, Protocol: 112, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()},
			v)
		if err != nil {
			return nil, err
		}
		out[i] = buf.Bytes()
	}
	return out, nil
}

func (c Config) interval() time.Duration {
	if c.Interval <= 0 {
		return time.Second
	}
	return c.Interval
}

// Each calls fn for n adverts in time order: round k sends every group once,
// spread evenly over the interval.
func (c Config) Each(n int, fn func(ts time.Time, frame []byte) error) error {
	frames, err := c.Frames()
	if err != nil {
		return err
	}
	step := c.interval() / time.Duration(len(frames))
	for k := 0; k < n; k++ {
		g := k % len(frames)
		round := k / len(frames)
		ts := c.Start.Add(time.Duration(round)*c.interval() + time.Duration(g)*step)
		if err := fn(ts, frames[g]); err != nil {
			return err
		}
	}
	return nil
}

// WritePcap writes n adverts (as Each orders them) to a pcap file at path.
func (c Config) WritePcap(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := pcapfile.NewWriter(f, layers.LinkTypeEthernet, 65535)
	if err != nil {
		return err
	}
	err = c.Each(n, func(ts time.Time, frame []byte) error {
		return w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}, frame)
	})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
