package path

import (
	"net"
	"net/netip"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

var (
	macA = net.HardwareAddr{0x02, 0, 0, 0, 0x01, 0x01}
	macB = net.HardwareAddr{0x02, 0, 0, 0, 0x01, 0x02}
)

func testPlan(t testing.TB, count int) PlanConfig {
	t.Helper()
	return PlanConfig{
		VRID: 200, Count: count, MAC: macA,
		IPv4: &Endpoint{Primary: netip.MustParseAddr("192.0.2.11"), UnicastSrc: netip.MustParseAddr("192.0.2.11"), Peer: netip.MustParseAddr("192.0.2.12")},
		IPv6: &Endpoint{Primary: netip.MustParseAddr("fe80::1"), UnicastSrc: netip.MustParseAddr("2001:db8:1::11"), Peer: netip.MustParseAddr("2001:db8:1::12")},
	}
}

// wrap puts a kernel-sent VRRP message into the Ethernet frame the kernel
// would send, TTL as given.
func wrap(t testing.TB, f Frame, ttl uint8, src net.HardwareAddr) []byte {
	t.Helper()
	if !f.Kind.Kernel() {
		return f.Data
	}
	g := f
	g.SrcMAC, g.DstMAC = src, groupMAC(f.Family)
	if !f.Dst.IsMulticast() {
		g.DstMAC = macB
	}
	b, err := ipFrame(g, layers.IPProtocol(112), gopacket.Payload(f.Data))
	if err != nil {
		t.Fatal(err)
	}
	if ttl != 255 {
		if f.Family == decode.IPv6 {
			b[14+7] = ttl
		} else {
			b[14+8] = ttl
			b[14+10], b[14+11] = 0, 0
			sum := uint32(0)
			for i := 14; i < 34; i += 2 {
				sum += uint32(b[i])<<8 | uint32(b[i+1])
			}
			for sum > 0xffff {
				sum = sum>>16 + sum&0xffff
			}
			c := ^uint16(sum)
			b[14+10], b[14+11] = byte(c>>8), byte(c)
		}
	}
	return b
}

// TestPlanRoundTrip: every frame of a plan is valid on the wire (decoded by
// decode.Parser, checksums good) and the Recognizer reads back its id and
// what the run sends.
func TestPlanRoundTrip(t *testing.T) {
	c := testPlan(t, 2)
	frames, err := Plan(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * (5 + 4); len(frames) != want {
		t.Fatalf("plan has %d frames, want %d", len(frames), want)
	}
	r := NewRecognizer()
	p, _ := decode.NewParser(layers.LinkTypeEthernet)
	ids := map[ID]bool{}
	for _, f := range frames {
		t.Run(f.ID.String(), func(t *testing.T) {
			if ids[f.ID] {
				t.Fatalf("id %s twice in the plan", f.ID)
			}
			ids[f.ID] = true
			b := wrap(t, f, 255, macA)
			kind, err := p.Decode(b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			// A unicast IPv6 advert to a global peer comes from a global
			// address, as keepalived's unicast_src_ip sends it (a
			// link-local source would not cross a router).
			allowed := decode.Problems(0)
			if f.Kind == KindUnicast && f.Family == decode.IPv6 {
				allowed = decode.ProblemSourceNotLinkLocal
			}
			if kind == decode.KindVRRP && (p.VRRP.ChecksumStatus != decode.ChecksumGood || p.VRRP.Problems&^allowed != 0) {
				t.Errorf("advert not valid: checksum %s problems %s", p.VRRP.ChecksumStatus, p.VRRP.Problems)
			}
			s, ok := r.Frame(b)
			if !ok {
				t.Fatalf("not recognised: %x", b)
			}
			if s.ID != f.ID {
				t.Errorf("id %s, want %s", s.ID, f.ID)
			}
			if f.ID.Kind != KindProbe || f.Family == decode.IPv6 {
				if s.Sends != c.Sends() {
					t.Errorf("sends %b, want %b", s.Sends, c.Sends())
				}
			}
			if f.Kind.Advert() {
				ps, ok := r.Packet(probe.Packet{Src: f.Src, Dst: f.Dst, TTL: 255, Data: advertBytes(t, f)})
				if !ok || ps.ID != f.ID {
					t.Errorf("raw socket: recognised %v as %s, want %s", ok, ps.ID, f.ID)
				}
			}
			if vm := probe.VirtualMAC(f.Family, 200).String(); !f.Kind.Kernel() && s.SrcMAC.String() != vm {
				t.Errorf("source MAC %s, want the virtual MAC %s", s.SrcMAC, vm)
			}
		})
	}
}

// advertBytes returns the VRRP message of an advert frame.
func advertBytes(t testing.TB, f Frame) []byte {
	if f.Kind.Kernel() {
		return f.Data
	}
	p, _ := decode.NewParser(layers.LinkTypeEthernet)
	if _, err := p.Decode(f.Data); err != nil {
		t.Fatal(err)
	}
	return p.VRRP.Contents
}

// TestRecognizerIgnores: real adverts, gratuitous ARP and ordinary NS are
// not test frames.
func TestRecognizerIgnores(t *testing.T) {
	cfg := &probe.Config{VRID: 51, Priority: 1, Version: decode.V3, Interval: 1e9,
		VIPs: []netip.Addr{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("203.0.113.1")}, Primary: netip.MustParseAddr("192.0.2.11")}
	msg, err := probe.AppendAdvert(nil, cfg, 100, probe.Group4)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRecognizer()
	if s, ok := r.Packet(probe.Packet{Src: cfg.Primary, Dst: probe.Group4, TTL: 255, Data: msg}); ok {
		t.Errorf("priority 100 advert recognised as %s", s.ID)
	}
	// The same with priority 1 and the addresses of a test advert is one:
	// the id is in the addresses, priority 1 marks it.
	msg, _ = probe.AppendAdvert(nil, cfg, 1, probe.Group4)
	if _, ok := r.Packet(probe.Packet{Src: cfg.Primary, Dst: probe.Group4, TTL: 255, Data: msg}); !ok {
		t.Errorf("test-shaped advert not recognised")
	}
	garp := Frame{ID: ID{Family: decode.IPv4}, SrcMAC: probe.VirtualMAC(decode.IPv4, 51), DstMAC: layers.EthernetBroadcast,
		Src: netip.MustParseAddr("203.0.113.7"), Dst: netip.MustParseAddr("203.0.113.7")}
	b, err := probeFrame(garp, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := r.Frame(b); ok {
		t.Errorf("gratuitous ARP recognised as %s", s.ID)
	}
}

// TestPlanErrors: a plan that cannot be built says which field is wrong.
func TestPlanErrors(t *testing.T) {
	for name, c := range map[string]PlanConfig{
		"vrid 0":    {Count: 1, MAC: macA, IPv4: &Endpoint{Primary: netip.MustParseAddr("192.0.2.1")}},
		"count 0":   {VRID: 1, MAC: macA, IPv4: &Endpoint{Primary: netip.MustParseAddr("192.0.2.1")}},
		"no family": {VRID: 1, Count: 1, MAC: macA},
		"no mac":    {VRID: 1, Count: 1, IPv4: &Endpoint{Primary: netip.MustParseAddr("192.0.2.1")}},
	} {
		if _, err := Plan(c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Without a peer address there is no unicast advert.
	c := testPlan(t, 1)
	c.IPv4.Peer, c.IPv6 = netip.Addr{}, nil
	frames, err := Plan(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if f.Kind == KindUnicast {
			t.Errorf("unicast advert without a peer: %s", f.ID)
		}
	}
	if c.Sends() != SendsIPv4 {
		t.Errorf("sends %b, want IPv4 only", c.Sends())
	}
}

func TestPickVRID(t *testing.T) {
	var u VRIDs
	u[255], u[254], u[51] = true, true, true
	if v, err := PickVRID(&u, 0); err != nil || v != 253 {
		t.Errorf("PickVRID = %d, %v; want 253", v, err)
	}
	if _, err := PickVRID(&u, 51); err == nil {
		t.Errorf("vrid 51 in use, no error")
	}
	if v, err := PickVRID(&u, 52); err != nil || v != 52 {
		t.Errorf("PickVRID(52) = %d, %v", v, err)
	}
	for i := range u {
		u[i] = true
	}
	if _, err := PickVRID(&u, 0); err == nil {
		t.Errorf("all in use, no error")
	}
}
