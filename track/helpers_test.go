package track_test

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/track"
)

// t0 is the injected clock's origin.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// adv describes a synthetic advert; zero fields take the defaults of
// keepalived's v2 example: vrid 51, interval 1 s, VIP 192.0.2.100, TTL 255,
// to 224.0.0.18.
type adv struct {
	src      string
	mac      string // default 02:00:00:00:01:<last octet>
	dst      string
	ttl      uint8
	version  decode.Version
	vrid     uint8
	prio     uint8
	adverInt uint16
	vips     []string
	auth     decode.AuthType
	pass     string
	flavour  decode.Flavour
}

func (a adv) defaults() adv {
	if a.version == 0 {
		a.version = decode.V2
	}
	if a.vrid == 0 {
		a.vrid = 51
	}
	if a.adverInt == 0 {
		a.adverInt = 1
		if a.version == decode.V3 {
			a.adverInt = 100
		}
	}
	if a.ttl == 0 {
		a.ttl = 255
	}
	src := netip.MustParseAddr(a.src)
	if a.dst == "" {
		a.dst = "224.0.0.18"
		if src.Is6() {
			a.dst = "ff02::12"
		}
	}
	if a.vips == nil {
		a.vips = []string{"192.0.2.100"}
	}
	if a.mac == "" {
		b := src.AsSlice()
		a.mac = net.HardwareAddr{2, 0, 0, 0, 1, b[len(b)-1] % 16}.String()
	}
	return a
}

// frame builds an Ethernet frame carrying the advert.
func frame(t testing.TB, a adv) []byte {
	t.Helper()
	a = a.defaults()
	src, dst := netip.MustParseAddr(a.src), netip.MustParseAddr(a.dst)
	v := &decode.VRRP{Version: a.version, Type: decode.TypeAdvertisement, VRID: a.vrid, Priority: a.prio,
		AuthType: a.auth, AdverInt: a.adverInt, Flavour: a.flavour}
	copy(v.AuthData[:], a.pass)
	for _, s := range a.vips {
		v.Addrs = append(v.Addrs, netip.MustParseAddr(s))
	}
	v.IP.Src, v.IP.Dst = src, dst
	mac, _ := net.ParseMAC(a.mac)
	eth := &layers.Ethernet{SrcMAC: mac, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 0x12}}
	var ip gopacket.SerializableLayer
	if src.Is4() {
		v.Family, v.IP.Family = decode.IPv4, decode.IPv4
		eth.EthernetType = layers.EthernetTypeIPv4
		ip = &layers.IPv4{Version: 4, TTL: a.ttl, Protocol: 112, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	} else {
		v.Family, v.IP.Family = decode.IPv6, decode.IPv6
		eth.EthernetType = layers.EthernetTypeIPv6
		eth.DstMAC = net.HardwareAddr{0x33, 0x33, 0, 0, 0, 0x12}
		ip = &layers.IPv6{Version: 6, HopLimit: a.ttl, NextHeader: 112, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// garp builds a gratuitous ARP for vip from mac.
func garp(t testing.TB, mac, vip string) []byte {
	t.Helper()
	hw, _ := net.ParseMAC(mac)
	ip := netip.MustParseAddr(vip).AsSlice()
	eth := &layers.Ethernet{SrcMAC: hw, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP}
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6,
		ProtAddressSize: 4, Operation: 1, SourceHwAddress: hw, SourceProtAddress: ip,
		DstHwAddress: make([]byte, 6), DstProtAddress: ip}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, eth, arp); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rig is a tracker with a parser and a record of delivered findings.
type rig struct {
	t  testing.TB
	p  *decode.Parser
	tr *track.Tracker
	// got is every finding in delivery order, with the clock at delivery.
	got []delivered
	now time.Time
}

type delivered struct {
	at time.Time
	f  track.Finding
}

func newRig(t testing.TB, opts track.Options) *rig {
	p, err := decode.NewParser(layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, p: p, tr: track.New(opts)}
	r.tr.OnFinding = func(f track.Finding) { r.got = append(r.got, delivered{r.now, f}) }
	return r
}

// carriesARP feeds an ARP frame of an unrelated host at time 0, so that
// the capture shows it carries ARP and garp-missing is judged.
func (r *rig) carriesARP() {
	r.t.Helper()
	r.feed(at(0), garp(r.t, "02:00:00:00:01:63", "192.0.2.99"))
	r.got = nil
}

func (r *rig) feed(ts time.Time, data []byte) {
	r.t.Helper()
	r.now = ts
	kind, err := r.p.Decode(data)
	r.tr.Observe(ts, "lab0", r.p, kind, err)
}

func (r *rig) advert(s float64, a adv) { r.t.Helper(); r.feed(at(s), frame(r.t, a)) }

// every sends a every step seconds in [from, to].
func (r *rig) every(from, to, step float64, a adv) {
	r.t.Helper()
	for s := from; s <= to+1e-9; s += step {
		r.advert(s, a)
	}
}

func (r *rig) tick(s float64) { r.now = at(s); r.tr.Tick(at(s)) }

// ids returns the delivered findings with the given id.
func (r *rig) ids(id string) []delivered {
	var out []delivered
	for _, d := range r.got {
		if d.f.ID == id {
			out = append(out, d)
		}
	}
	return out
}

// only asserts exactly the given ids were delivered (in any order, repeats
// allowed).
func (r *rig) only(ids ...string) {
	r.t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	seen := map[string]bool{}
	for _, d := range r.got {
		seen[d.f.ID] = true
		if !want[d.f.ID] {
			r.t.Errorf("unexpected finding %s %v: %s %s", d.f.ID, d.f.Routers, d.f.Message, d.f.Cause)
		}
	}
	for id := range want {
		if !seen[id] {
			r.t.Errorf("missing finding %s", id)
		}
	}
}

// capFrame is one frame of a capture.
type capFrame struct {
	ts   time.Time
	data []byte // its own slice
}

// readCapture reads every frame of a pcap file.
func readCapture(t testing.TB, path string) (layers.LinkType, []capFrame) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var frames []capFrame
	for {
		data, ci, err := r.ReadPacketData() // a fresh slice per frame
		if errors.Is(err, io.EOF) {
			return r.LinkType(), frames
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		frames = append(frames, capFrame{ci.Timestamp, data})
	}
}

func newParser(t testing.TB, lt layers.LinkType) *decode.Parser {
	t.Helper()
	p, err := decode.NewParser(lt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
