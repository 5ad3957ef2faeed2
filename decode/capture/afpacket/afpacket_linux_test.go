package afpacket_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/vrrpkit/vrrpkit/decode/capture/afpacket"
	"github.com/vrrpkit/vrrpkit/decode/filter"
	"github.com/vrrpkit/vrrpkit/internal/lab"
)

var advert = []byte{0x21, 51, 150, 1, 0, 1, 0, 0, 192, 0, 2, 100, 0, 0, 0, 0, 0, 0, 0, 0}

// frame is an Ethernet frame from src to VRRP's multicast group (so br0
// itself receives it), carrying IP protocol proto, with 802.1Q tags
// (outermost first) when tags is not empty.
func frame(t *testing.T, src string, proto layers.IPProtocol, tpids, vids []uint16) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		&layers.Ethernet{SrcMAC: net.HardwareAddr{0, 0, 0x5e, 0, 1, 51}, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 0x12}, EthernetType: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, TTL: 255, Protocol: proto, SrcIP: net.ParseIP(src), DstIP: net.IPv4(224, 0, 0, 18)},
		gopacket.Payload(advert))
	if err != nil {
		t.Fatal(err)
	}
	f := buf.Bytes()
	out := append([]byte(nil), f[:12]...)
	for i := range tpids {
		out = binary.BigEndian.AppendUint16(out, tpids[i])
		out = binary.BigEndian.AppendUint16(out, vids[i])
	}
	return append(out, f[12:]...)
}

// TestRing: frames injected on a lab host reach a capture on br0 (and on
// "any") through the TPACKET_V3 ring with the kernel filter deciding,
// tags the kernel took out put back, in order; promiscuous mode is
// joined and released with the socket; the kernel counts what it passed.
func TestRing(t *testing.T) {
	lab.Require(t)
	l := lab.New(t, lab.Config{Name: "afpacket", Hosts: 1})
	sent := [][]byte{
		frame(t, "192.0.2.11", 112, nil, nil),
		frame(t, "192.0.2.12", 112, nil, nil),
		frame(t, "192.0.2.11", 6, nil, nil), // TCP: not vrrpkit's
		frame(t, "192.0.2.11", 112, []uint16{0x8100}, []uint16{10}),
		frame(t, "192.0.2.11", 112, []uint16{0x88a8, 0x8100}, []uint16{20, 10}),
		frame(t, "192.0.2.11", 112, []uint16{0x8100}, []uint16{30}),
	}
	type capture struct {
		iface, expr string
		promisc     bool
		want        []int // indexes into sent, in order
	}
	caps := []capture{
		{"br0", "", true, []int{0, 1, 3, 4, 5}},
		{"br0", "host 192.0.2.11", false, []int{0, 3, 4, 5}},
		{"br0", "vlan 10 and host 192.0.2.11", false, []int{3, 4}},
		{"br0", "not vlan", false, []int{0, 1}},
		{"any", "src 192.0.2.12", false, []int{1, 1}}, // seen on the bridge port and on br0
	}
	hs := make([]*afpacket.Handle, len(caps))
	err := lab.Do(l.Bridge().Name(), func() error {
		for i, c := range caps {
			link := filter.Ethernet
			if c.iface == "any" {
				link = filter.CookedLive
			}
			prog, err := filter.Compile(mustVRRP(c.expr), filter.Target{Link: link, Kernel: true, Snaplen: 4224})
			if err != nil {
				return err
			}
			if hs[i], err = afpacket.Open(c.iface, afpacket.Options{Filter: prog, Promisc: c.promisc, Timeout: 50 * time.Millisecond}); err != nil {
				return err
			}
		}
		br, err := netlink.LinkByName("br0")
		if err != nil {
			return err
		}
		if br.Attrs().Promisc == 0 {
			return errors.New("br0 is not promiscuous with a promiscuous capture open")
		}
		return nil
	})
	for _, h := range hs {
		if h != nil {
			defer h.Close()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := lab.Do(l.Host(1).Name(), func() error { return inject(sent) }); err != nil {
		t.Fatal(err)
	}
	for i, c := range caps {
		h := hs[i]
		var got [][]byte
		deadline := time.Now().Add(5 * time.Second)
		for len(got) < len(c.want) && time.Now().Before(deadline) {
			data, ci, err := h.ReadPacketData()
			if errors.Is(err, afpacket.ErrTimeout) {
				continue
			}
			if err != nil {
				t.Fatalf("%s %q: %v", c.iface, c.expr, err)
			}
			if ci.CaptureLength != len(data) || ci.Length < len(data) || ci.Timestamp.IsZero() {
				t.Errorf("%s %q: capture info %+v for %d bytes", c.iface, c.expr, ci, len(data))
			}
			got = append(got, data)
		}
		// Anything more would have arrived by now.
		for {
			data, _, err := h.ReadPacketData()
			if err != nil {
				break
			}
			got = append(got, data)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s %q: %d frames, want %d", c.iface, c.expr, len(got), len(c.want))
			continue
		}
		for j, w := range c.want {
			want := sent[w]
			if h.LinkType() == layers.LinkTypeLinuxSLL {
				want = cooked(want)
				// The cooked header's first bytes are the packet type and
				// the interface's; compare from the protocol on.
				if !bytes.Equal(ipEnd(got[j])[14:], ipEnd(want)[14:]) || !bytes.Equal(got[j][2:12], []byte{0, 1, 0, 6, 0, 0, 0x5e, 0, 1, 51}) {
					t.Errorf("%s %q frame %d:\n got % x\nwant % x", c.iface, c.expr, j, got[j], want)
				}
				continue
			}
			if !bytes.Equal(ipEnd(got[j]), ipEnd(want)) {
				t.Errorf("%s %q frame %d:\n got % x\nwant % x", c.iface, c.expr, j, got[j], want)
			}
		}
		st, err := h.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Received != uint64(len(c.want)) || st.Dropped != 0 {
			t.Errorf("%s %q: kernel counters %+v, want %d received, none dropped", c.iface, c.expr, st, len(c.want))
		}
	}
	for _, h := range hs {
		h.Close()
	}
	if err := lab.Do(l.Bridge().Name(), func() error {
		br, err := netlink.LinkByName("br0")
		if err == nil && br.Attrs().Promisc != 0 {
			return errors.New("br0 is still promiscuous after the capture closed")
		}
		return err
	}); err != nil {
		t.Error(err)
	}
}

// ipEnd is f up to the end of its IPv4 packet (the Ethernet padding, if
// any, dropped: the kernel trims it from some frames and not others).
func ipEnd(f []byte) []byte {
	for i := 12; i+20 <= len(f); i += 2 {
		if f[i] == 0x08 && f[i+1] == 0 {
			return f[:min(len(f), i+2+int(binary.BigEndian.Uint16(f[i+4:])))]
		}
	}
	return f
}

func mustVRRP(expr string) filter.Expr {
	e := filter.VRRP()
	if expr != "" {
		x, err := filter.Parse(expr)
		if err != nil {
			panic(err)
		}
		e = filter.And(e, x)
	}
	return e
}

// cooked is f as a Linux cooked v1 frame (-i any): a 16-byte header
// ending in the protocol.
func cooked(f []byte) []byte {
	h := make([]byte, 14, 16+len(f))
	return append(append(h, f[12:14]...), f[14:]...)
}

// inject sends frames out of eth0 as they are.
func inject(frames [][]byte) error {
	ifi, err := net.InterfaceByName("eth0")
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for _, f := range frames {
		if err := unix.Sendto(fd, f, 0, &unix.SockaddrLinklayer{Ifindex: ifi.Index, Halen: 6}); err != nil {
			return err
		}
	}
	return nil
}

// TestOpenErrors: a missing interface says how to list them.
func TestOpenErrors(t *testing.T) {
	lab.Require(t)
	_, err := afpacket.Open("nosuch0", afpacket.Options{})
	if !errors.Is(err, afpacket.ErrNoDevice) || err.Error() != "capture on nosuch0: no such interface: list them with `ip -br link`" {
		t.Errorf("Open(nosuch0): %v", err)
	}
}
