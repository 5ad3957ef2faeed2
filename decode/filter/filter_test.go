package filter_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"golang.org/x/net/bpf"

	"github.com/vrrpkit/vrrpkit/decode/filter"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
)

// The expressions checked against tcpdump: what people type next to VRRP.
var exprs = []string{
	"host 192.0.2.11", "src host 192.0.2.11", "dst 192.0.2.12", "dst host 224.0.0.18",
	"src or dst host 192.0.2.11", "src and dst net 192.0.2.0/24",
	"net 192.0.2.0/24", "net 192.0.2", "src net 192.0.2.0/25", "net 198.51.100.0 mask 255.255.255.0", "net 0.0.0.0/0",
	"ip", "ip6", "arp", "rarp", "not ip", "! ip6", "ip host 192.0.2.11", "arp host 192.0.2.100", "arp src 192.0.2.11",
	"host fe80::1", "src fe80::1", "dst host ff02::12", "net 2001:db8::/32", "ip6 net fe80::/10", "net 2001:db8:1:2::/63",
	"vrrp", "carp", "proto 112", "ip proto 112", "ip6 proto 112", "ip proto \\icmp", "host ::1", "proto \\ah", "ah", "icmp", "icmp6",
	"igmp", "tcp", "udp", "ether proto 0x0806", "ip proto 51",
	"not host 192.0.2.11", "host 192.0.2.11 or host 192.0.2.12", "host 192.0.2.11 or 192.0.2.12",
	"host 192.0.2.11 or host 192.0.2.12 and vrrp", "not host 192.0.2.11 and 192.0.2.12", "!(host 192.0.2.11 || arp) && ip",
	"ether src 00:00:5e:00:01:33", "ether host 00:00:5e:00:01:33", "ether dst ff:ff:ff:ff:ff:ff",
	"ip[8] = 255", "ip[8] != 255", "ip[6:2] & 0x1fff > 0", "ip6[7] == 255", "icmp6[0] == 135", "icmp[0] = 3 and icmp[1] = 2",
	"vrrp[1] >= 100", "vrrp[0] & 0xf0 == 0x30", "arp[7] = 2", "ether[12:2] = 0x0806", "ip[9] < 17", "ip[9] <= 17",
}

// untaggedFrames are the reference captures' frames and made ones that
// cover what the expressions tell apart, each an Ethernet frame.
func untaggedFrames(t *testing.T) [][]byte {
	t.Helper()
	var frames [][]byte
	for _, path := range refcap.Paths(t, "../..") {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for {
			data, _, err := r.ReadPacketData()
			if err != nil {
				break
			}
			frames = append(frames, data)
		}
		f.Close()
	}
	return append(frames, madeFrames(t)...)
}

var (
	macA    = net.HardwareAddr{2, 0, 0, 0, 0, 0x0b}
	vmac    = net.HardwareAddr{0, 0, 0x5e, 0, 1, 0x33}
	mcast4  = net.HardwareAddr{1, 0, 0x5e, 0, 0, 0x12}
	mcast6  = net.HardwareAddr{0x33, 0x33, 0, 0, 0, 0x12}
	bcast   = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	advert2 = []byte{0x21, 51, 150, 1, 0, 1, 0, 0, 192, 0, 2, 100, 0, 0, 0, 0, 0, 0, 0, 0}
)

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func ip4(t testing.TB, src, dst string, proto layers.IPProtocol, payload []byte, mod ...func(*layers.IPv4)) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 255, Protocol: proto, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	for _, m := range mod {
		m(ip)
	}
	dmac := mcast4
	if !ip.DstIP.IsMulticast() {
		dmac = macA
	}
	return serialize(t, &layers.Ethernet{SrcMAC: vmac, DstMAC: dmac, EthernetType: layers.EthernetTypeIPv4}, ip, gopacket.Payload(payload))
}

func ip6(t *testing.T, src, dst string, next layers.IPProtocol, payload []byte) []byte {
	t.Helper()
	return serialize(t, &layers.Ethernet{SrcMAC: macA, DstMAC: mcast6, EthernetType: layers.EthernetTypeIPv6},
		&layers.IPv6{Version: 6, HopLimit: 255, NextHeader: next, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}, gopacket.Payload(payload))
}

func madeFrames(t *testing.T) [][]byte {
	arp := func(op uint16, et layers.EthernetType, sender, target string) []byte {
		return serialize(t, &layers.Ethernet{SrcMAC: macA, DstMAC: bcast, EthernetType: et},
			&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
				Operation: op, SourceHwAddress: macA, SourceProtAddress: net.ParseIP(sender).To4(),
				DstHwAddress: make([]byte, 6), DstProtAddress: net.ParseIP(target).To4()})
	}
	frag6 := func(inner layers.IPProtocol) []byte {
		return append([]byte{byte(inner), 0, 0, 0, 0, 0, 0, 1}, advert2...)
	}
	withOptions := func(ip *layers.IPv4) {
		ip.Options = []layers.IPv4Option{{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}}} // router alert
	}
	fragment := func(ip *layers.IPv4) { ip.FragOffset = 100 }
	unreach := []byte{3, 2, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 40, 0, 0, 0, 0, 255, 112, 0, 0, 192, 0, 2, 11, 192, 0, 2, 12}
	return [][]byte{
		ip4(t, "192.0.2.11", "224.0.0.18", 112, advert2),
		ip4(t, "192.0.2.12", "224.0.0.18", 112, advert2, func(ip *layers.IPv4) { ip.TTL = 64 }),
		ip4(t, "198.51.100.1", "224.0.0.18", 112, advert2),
		ip4(t, "192.0.2.11", "192.0.2.12", 112, advert2),
		ip4(t, "192.0.2.200", "192.0.2.201", 112, advert2),
		ip4(t, "192.0.2.11", "224.0.0.18", 51, append([]byte{112, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1}, advert2...)),
		ip4(t, "192.0.2.11", "192.0.2.12", 6, make([]byte, 20)),
		ip4(t, "192.0.2.12", "192.0.2.11", 17, make([]byte, 8)),
		ip4(t, "192.0.2.12", "192.0.2.11", 1, unreach),
		ip4(t, "192.0.2.12", "192.0.2.11", 1, unreach, withOptions),
		ip4(t, "192.0.2.12", "192.0.2.11", 1, []byte{8, 0, 0, 0, 0, 0, 0, 0}),
		ip4(t, "192.0.2.11", "224.0.0.18", 112, advert2, fragment),
		ip4(t, "192.0.2.11", "224.0.0.22", 2, make([]byte, 8)),
		arp(1, layers.EthernetTypeARP, "192.0.2.11", "192.0.2.100"),
		arp(2, layers.EthernetTypeARP, "192.0.2.100", "192.0.2.12"),
		arp(1, layers.EthernetType(0x8035), "203.0.113.5", "192.0.2.11"),
		ip6(t, "fe80::1", "ff02::12", 112, advert2),
		ip6(t, "fe80::2", "ff02::12", 112, advert2),
		ip6(t, "2001:db8::1", "ff02::12", 112, advert2),
		ip6(t, "2001:db8:1:3::1", "2001:db8:1:2::9", 112, advert2),
		ip6(t, "fe80::1", "ff02::1", 58, append([]byte{136, 0, 0, 0, 0x20, 0, 0, 0}, make([]byte, 16)...)),
		ip6(t, "fe80::2", "ff02::1:ff00:1", 58, append([]byte{135, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 16)...)),
		ip6(t, "fe80::2", "fe80::1", 58, []byte{128, 0, 0, 0, 0, 0, 0, 0}),
		ip6(t, "fe80::1", "ff02::12", 44, frag6(112)),
		ip6(t, "fe80::1", "ff02::12", 44, frag6(58)),
		ip6(t, "fe80::1", "ff02::12", 51, append([]byte{112, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1}, advert2...)),
		serialize(t, &layers.Ethernet{SrcMAC: macA, DstMAC: net.HardwareAddr{1, 0x80, 0xc2, 0, 0, 0xe}, EthernetType: 0x88cc}, gopacket.Payload(make([]byte, 46))),
		{1, 2, 3}, // a runt
	}
}

// tag returns frame with 802.1Q tags (outermost first) after its MACs.
func tag(frame []byte, tpids []uint16, vids []uint16) []byte {
	if len(frame) < 12 {
		return frame
	}
	out := append([]byte(nil), frame[:12]...)
	for i, tp := range tpids {
		out = binary.BigEndian.AppendUint16(out, tp)
		out = binary.BigEndian.AppendUint16(out, vids[i])
	}
	return append(out, frame[12:]...)
}

// cook returns frame as Linux cooked v1 (SLL) would carry it.
func cook(frame []byte) []byte {
	if len(frame) < 14 {
		return frame
	}
	h := make([]byte, 16)
	binary.BigEndian.PutUint16(h[0:], 0) // to us
	binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:], 6)
	copy(h[6:], frame[6:12])
	copy(h[14:], frame[12:14])
	return append(h, frame[14:]...)
}

// tcpdumpAccepts runs `tcpdump -r FILE -w - EXPR` over frames (written as
// a capture of link type lt) and returns which frames it let through.
func tcpdumpAccepts(t *testing.T, frames [][]byte, lt layers.LinkType, expr string) []bool {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.pcap")
	writePcap(t, path, frames, lt)
	cmd := exec.Command("tcpdump", "-r", path, "-w", "-", expr)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if strings.Contains(stderr.String(), "expression rejects all packets") {
		return make([]bool, len(frames))
	}
	if err != nil {
		t.Fatalf("tcpdump %q: %v\n%s", expr, err, stderr.Bytes())
	}
	r, err := pcapgo.NewReader(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("tcpdump %q wrote no capture: %v", expr, err)
	}
	got := make([]bool, len(frames))
	for {
		_, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		got[ci.Timestamp.Sub(time.Unix(0, 0))/time.Second] = true
	}
	return got
}

// writePcap numbers the frames by their timestamps: frame i at second i.
func writePcap(t *testing.T, path string, frames [][]byte, lt layers.LinkType) {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(int64(i), 0), CaptureLength: len(f), Length: len(f)}
		if err := w.WritePacket(ci, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func needTcpdump(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tcpdump is not installed: scripts/setup.sh installs it")
		}
		t.Skip("tcpdump is not installed (make test installs it)")
	}
}

func matcher(t *testing.T, e filter.Expr, link filter.Link) *filter.Matcher {
	t.Helper()
	prog, err := filter.Compile(e, filter.Target{Link: link})
	if err != nil {
		t.Fatal(err)
	}
	m, err := filter.NewMatcher(prog)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func parse(t *testing.T, expr string) filter.Expr {
	t.Helper()
	e, err := filter.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// libpcapVRRP is the filter vrrpkit gave libpcap before (decode/capture's
// vrrpFilter): VRRP() must let the same frames through.
const libpcapVRRP = "ip proto 112 or ip6 proto 112 or ip proto 51 or arp" +
	" or (icmp6 and (ip6[40] == 135 or ip6[40] == 136))" +
	" or (icmp and icmp[0] == 3 and icmp[1] == 2)"

// TestMatchesTcpdump: on untagged Ethernet and Linux cooked frames, each
// expression alone and behind vrrpkit's own filter lets through exactly
// the frames tcpdump's same expression does.
func TestMatchesTcpdump(t *testing.T) {
	needTcpdump(t)
	eth := untaggedFrames(t)
	var sll [][]byte
	for _, f := range eth {
		sll = append(sll, cook(f))
	}
	for _, link := range []struct {
		l      filter.Link
		lt     layers.LinkType
		frames [][]byte
	}{{filter.Ethernet, layers.LinkTypeEthernet, eth}, {filter.Cooked, layers.LinkTypeLinuxSLL, sll}} {
		for _, expr := range append([]string{libpcapVRRP}, exprs...) {
			e := parse(t, expr)
			for _, withVRRP := range []bool{false, true} {
				tcpExpr := expr
				if withVRRP {
					e = filter.And(filter.VRRP(), e)
					tcpExpr = "(" + libpcapVRRP + ") and (" + expr + ")"
				}
				if strings.Contains(expr, "ether") && !strings.HasPrefix(expr, "ether proto") && link.l != filter.Ethernet {
					if _, err := filter.Compile(e, filter.Target{Link: link.l}); !errors.Is(err, filter.ErrNoEther) {
						t.Errorf("%v %q: %v, want ErrNoEther", link.l, expr, err)
					}
					continue
				}
				m := matcher(t, e, link.l)
				want := tcpdumpAccepts(t, link.frames, link.lt, tcpExpr)
				n := 0
				for i, f := range link.frames {
					if want[i] {
						n++
					}
					if got := m.Match(f); got != want[i] {
						t.Errorf("%v %q: frame %d (% x…): vrrpkit %v, tcpdump %v", link.l, tcpExpr, i, f[:min(len(f), 40)], got, want[i])
					}
				}
				t.Logf("%v %q: %d of %d frames", link.l, tcpExpr, n, len(link.frames))
			}
		}
	}
}

// TestTaggedAsUntagged: a tagged frame (802.1Q, QinQ with 802.1ad or
// 0x9100) is judged by what it carries: the expression's answer for it
// equals the untagged frame's, and "vlan N" tests the tags without moving
// what follows (libpcap's "vlan" shifts it).
func TestTaggedAsUntagged(t *testing.T) {
	frames := untaggedFrames(t)
	for _, expr := range exprs {
		if strings.Contains(expr, "ether") {
			continue // ether[12:2] reads the tag itself
		}
		e := parse(t, expr)
		m := matcher(t, e, filter.Ethernet)
		in10 := matcher(t, filter.And(parse(t, "vlan 10"), e), filter.Ethernet)
		in30 := matcher(t, filter.And(e, parse(t, "vlan 30")), filter.Ethernet)
		anyTag := matcher(t, filter.And(parse(t, "vlan"), e), filter.Ethernet)
		for i, f := range frames {
			want := m.Match(f)
			if anyTag.Match(f) || in10.Match(f) {
				t.Errorf("%q: untagged frame %d matches vlan", expr, i)
			}
			for _, tg := range []struct {
				tpids, vids []uint16
			}{{[]uint16{0x8100}, []uint16{10}}, {[]uint16{0x88a8, 0x8100}, []uint16{20, 10}}, {[]uint16{0x9100, 0x8100}, []uint16{0x2000 | 10, 20}}} {
				tagged := tag(f, tg.tpids, tg.vids)
				if len(f) < 14 {
					continue
				}
				if got := m.Match(tagged); got != want {
					t.Errorf("%q: frame %d tagged %x: %v, untagged %v", expr, i, tg.tpids, got, want)
				}
				if got := in10.Match(tagged); got != want {
					t.Errorf("vlan 10 and %q: frame %d tagged %x %v: %v, want %v", expr, i, tg.tpids, tg.vids, got, want)
				}
				if got := anyTag.Match(tagged); got != want {
					t.Errorf("vlan and %q: frame %d tagged %x: %v, want %v", expr, i, tg.tpids, got, want)
				}
				if in30.Match(tagged) {
					t.Errorf("%q and vlan 30: frame %d tagged %x %v matches", expr, i, tg.tpids, tg.vids)
				}
			}
		}
	}
}

// TestLibpcapProgram: a program tcpdump -ddd compiled, behind VRRP(),
// filters untagged frames as the same expression compiled here.
func TestLibpcapProgram(t *testing.T) {
	needTcpdump(t)
	frames := untaggedFrames(t)
	for _, expr := range []string{"host 192.0.2.11", "ip6 and not src fe80::1", "vrrp[1] >= 100", "icmp6[0] == 135 or arp"} {
		out, err := exec.Command("tcpdump", "-y", "EN10MB", "-ddd", expr).Output()
		if err != nil {
			t.Fatalf("tcpdump -ddd %q: %v", expr, err)
		}
		prog, err := filter.ParseDDD(string(out))
		if err != nil {
			t.Fatal(err)
		}
		lp, err := filter.FromLibpcap(prog, filter.Ethernet)
		if err != nil {
			t.Fatal(err)
		}
		got := matcher(t, filter.And(filter.VRRP(), lp), filter.Ethernet)
		want := matcher(t, filter.And(filter.VRRP(), parse(t, expr)), filter.Ethernet)
		for i, f := range frames {
			if g, w := got.Match(f), want.Match(f); g != w {
				t.Errorf("%q: frame %d: libpcap's program %v, vrrpkit's %v", expr, i, g, w)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		expr, want  string
		unsupported bool
	}{
		{"", "empty expression", false},
		{"host", "an address was expected", false},
		{"host router1", "host names are not resolved", false},
		{"(host 192.0.2.1", "a ( is not closed", false},
		{"host 192.0.2.1)", `unexpected ")"`, false},
		{"port 112", "ports is not covered", true},
		{"udp port 53", "ports is not covered", true},
		{"ip[8] + 1 = 255", "arithmetic is not covered", true},
		{"net 192.0.2.1/24", "non-network bits set", false},
		{"ip6 host 192.0.2.1", "ip6 with an IPv4 address", false},
		{"ip host fe80::1", "ip with an IPv6 address", false},
		{"ether host 192.0.2.1", "not a MAC address", false},
		{"host 02:00:00:00:00:0b", "a MAC address goes with ether host", false},
		{"vlan 5000", "out of range", false},
		{"host 192.0.2.0/24", "a prefix goes with net", false},
		{"ip[2:3] = 1", "the size of a load is 1, 2 or 4", false},
		{"host 192.0.2.1 and", "expression ends where a primitive was expected", false},
		{"host 192.0.2.1 $", "unexpected character", false},
	} {
		_, err := filter.Parse(tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, filter.ErrUnsupported) != tc.unsupported {
			t.Errorf("Parse(%q): %v, want an error containing %q (unsupported: %v)", tc.expr, err, tc.want, tc.unsupported)
		}
	}
}

// TestKernelProgram: a program for the kernel reads the tag the kernel
// kept aside and, for -i any, the EtherType from the metadata; the Go VM
// refuses such loads, so the test looks at the program itself (the lab
// tests run it in the kernel).
func TestKernelProgram(t *testing.T) {
	for _, tc := range []struct {
		link filter.Link
		want []string
	}{
		{filter.Ethernet, []string{"ld #vlan_avail", "ld #vlan_tci", "ldh [12]"}},
		{filter.CookedLive, []string{"ld #proto", "ld #vlan_avail"}},
	} {
		prog, err := filter.Compile(filter.And(filter.VRRP(), parse(t, "host 192.0.2.11")), filter.Target{Link: tc.link, Kernel: true, Snaplen: 4224})
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for _, in := range prog {
			if _, err := in.Assemble(); err != nil {
				t.Fatalf("%v: %v does not assemble: %v", tc.link, in, err)
			}
			text.WriteString(fmtIns(in) + "\n")
		}
		for _, w := range tc.want {
			if !strings.Contains(text.String(), w) {
				t.Errorf("%v: program lacks %q:\n%s", tc.link, w, text.String())
			}
		}
		if !strings.Contains(text.String(), "ret #4224") {
			t.Errorf("%v: accepted frames are not cut to the snap length:\n%s", tc.link, text.String())
		}
	}
}

func fmtIns(in bpf.Instruction) string {
	if s, ok := in.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%#v", in)
}
