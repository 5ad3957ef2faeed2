package dump_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/golden"
)

// advertAt is one VRRPv2 advert of vrid 51 in a scenario: seconds after
// the start, the router (last byte of 192.0.2.x), its priority, interval
// and addresses.
type advertAt struct {
	at    float64
	host  byte
	prio  uint8
	intvl uint8
	vips  []string
}

// scenarioPcap writes the adverts as a pcap from 2026-11-01 10:00:00 UTC,
// each router with its own MAC 02:00:00:00:01:HOST.
func scenarioPcap(t *testing.T, name string, ads []advertAt) string {
	t.Helper()
	b := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 1)
	start := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for _, a := range ads {
		src := netip.AddrFrom4([4]byte{192, 0, 2, a.host})
		v := &decode.VRRP{Version: decode.V2, Type: decode.TypeAdvertisement, VRID: 51, Priority: a.prio, AdverInt: uint16(a.intvl),
			IP: decode.Carrier{Family: decode.IPv4, Src: src, Dst: encGroup, TTL: 255}}
		if v.AdverInt == 0 {
			v.AdverInt = 1
		}
		vips := a.vips
		if vips == nil {
			vips = []string{"192.0.2.100"}
		}
		for _, s := range vips {
			v.Addrs = append(v.Addrs, netip.MustParseAddr(s))
		}
		buf := gopacket.NewSerializeBuffer()
		err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true},
			&layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 1, a.host}, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 0x12}, EthernetType: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, IHL: 5, TOS: 0xc0, TTL: 255, Protocol: 112, SrcIP: src.AsSlice(), DstIP: encGroup.AsSlice()}, v)
		if err != nil {
			t.Fatal(err)
		}
		f := buf.Bytes()
		ts := start.Add(time.Duration(a.at * float64(time.Second)))
		b = binary.LittleEndian.AppendUint32(b, uint32(ts.Unix()))
		b = binary.LittleEndian.AppendUint32(b, uint32(ts.Nanosecond()/1000))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	path := filepath.Join(t.TempDir(), name+".pcap")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// every is host's adverts from..to (inclusive) every step seconds.
func every(from, to, step float64, a advertAt) []advertAt {
	var out []advertAt
	for s := from; s <= to+1e-9; s += step {
		a.at = s
		out = append(out, a)
	}
	return out
}

// merge orders adverts by time.
func merge(parts ...[]advertAt) []advertAt {
	var out []advertAt
	for _, p := range parts {
		out = append(out, p...)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].at < out[j-1].at; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// incidentScenarios are small captures where incidents open and close.
func incidentScenarios() map[string][]advertAt {
	h11 := advertAt{host: 11, prio: 150}
	h12 := advertAt{host: 12, prio: 100}
	return map[string][]advertAt{
		// 192.0.2.12 stops hearing 192.0.2.11 from 5 s to 15 s: it
		// becomes master at 8.6 s (Master_Down_Interval) and goes back to
		// backup when it hears 192.0.2.11 again.
		"split-brain-ends": merge(every(0, 30, 1, h11), every(8.6, 15.6, 1, h12)),
		// The master dies at 5 s: 192.0.2.12 takes over after its
		// Master_Down_Interval; 192.0.2.11 comes back at 20 s and preempts.
		"failover": merge(every(0, 5, 1, h11), every(8.61, 20.61, 1, h12), every(20, 30, 1, h11)),
		// The master resigns at 5 s and 192.0.2.12 takes over after
		// Skew_Time; nothing speaks from 15 s to 25 s (master-down), then
		// 192.0.2.12 comes back.
		"release": merge(every(0, 4, 1, h11), []advertAt{{at: 5, host: 11, prio: 0}}, every(5.61, 14.61, 1, h12), every(25, 30, 1, h12)),
		// 192.0.2.12 preempts at 5 s with one more address and an interval
		// of 2 s; at 15 s its configuration is fixed.
		"mismatch": merge(every(0, 5, 1, h11),
			every(5.2, 13.2, 2, advertAt{host: 12, prio: 200, intvl: 2, vips: []string{"192.0.2.100", "192.0.2.101"}}),
			every(15.2, 30.2, 1, advertAt{host: 12, prio: 200})),
	}
}

// TestIncidentGoldens pins --lines, --json and --summary of captures whose
// incidents open and close: the opening with its number, cause and the
// fix computed from it; the closing with its duration and how it ended;
// the adverts of the routers involved marked while it lasts; the summary's
// INCIDENTS with start, end and duration.
func TestIncidentGoldens(t *testing.T) {
	for name, ads := range incidentScenarios() {
		path := scenarioPcap(t, name, ads)
		for _, mode := range []string{"lines", "json", "summary"} {
			t.Run(name+"."+mode, func(t *testing.T) {
				out, errOut, err := run(t, "-r", path, "--"+mode)
				if err != nil && !errors.Is(err, dump.ErrErrorFinding) || errOut != "" {
					t.Fatalf("%v %s", err, errOut)
				}
				golden.File(t, filepath.Join("testdata", t.Name()+".golden"), []byte(out))
			})
		}
		// --lines --summary: the lines, then the summary.
		both, _, _ := run(t, "-r", path, "--lines", "--summary")
		lines, _, _ := run(t, "-r", path, "--lines")
		summary, _, _ := run(t, "-r", path, "--summary")
		if both != lines+"\n"+summary {
			t.Errorf("%s: --lines --summary is not the lines, then the summary:\n%s", name, both)
		}
	}
}

// Every closing in the NDJSON pairs with an opening of the same id and
// incident number, the same start, and ends after it; the split brain
// lasts from 192.0.2.12's first advert as master to the advert of
// 192.0.2.11 that made it a backup.
func TestIncidentsPairInNDJSON(t *testing.T) {
	for name, ads := range incidentScenarios() {
		out, _, err := run(t, "-r", scenarioPcap(t, name, ads), "--json")
		if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
			t.Fatal(err)
		}
		type key struct {
			id string
			n  int
		}
		opened := map[key]string{}
		closes := 0
		for _, o := range readNDJSON(t, out) {
			if o.str("kind") != "finding" || o.str("phase") == "" {
				continue
			}
			k := key{o.str("id"), o.num("incident")}
			if k.n == 0 {
				t.Errorf("%s: %s %s without an incident number", name, k.id, o.str("phase"))
			}
			switch o.str("phase") {
			case "open":
				if _, dup := opened[k]; dup {
					t.Errorf("%s: %v opened twice", name, k)
				}
				opened[k] = o.str("start")
			case "close":
				closes++
				start, ok := opened[k]
				if !ok || start != o.str("start") {
					t.Errorf("%s: close of %v without its opening (start %q, opened %q)", name, k, o.str("start"), start)
				}
				s, _ := time.Parse(time.RFC3339Nano, start)
				e, _ := time.Parse(time.RFC3339Nano, o.str("end"))
				if !e.After(s) && !e.Equal(s) {
					t.Errorf("%s: %v ends %v before it starts %v", name, k, e, s)
				}
				if name == "split-brain-ends" && k.id == "split-brain" && e.Sub(s) != 7400*time.Millisecond {
					t.Errorf("split brain lasted %v, want 7.4s (8.6 s to 192.0.2.11's advert at 16 s)", e.Sub(s))
				}
				delete(opened, k)
			}
		}
		if closes == 0 && name != "failover" { // failovers are events
			t.Errorf("%s: no incident closed", name)
		}
		if len(opened) != 0 {
			t.Errorf("%s: still open at the end: %v", name, opened)
		}
	}
	if !strings.Contains(incidentLines(t), "split brain in ipv4 vrid 51 ended after 7.400 s: 192.0.2.12 went back to backup at 192.0.2.11's next advert") {
		t.Error("the split brain's close line is missing")
	}
}

func incidentLines(t *testing.T) string {
	out, _, _ := run(t, "-r", scenarioPcap(t, "split-brain-ends", incidentScenarios()["split-brain-ends"]), "--lines")
	return out
}

// The summary's findings wrap at spaces to the terminal's width (100
// columns when not a terminal): no finding line is longer, none is cut
// inside a word, and the words are all there.
func TestSummaryWraps(t *testing.T) {
	path := filepath.Join("..", "testdata", "pcaps", "split-brain.pcap")
	for _, width := range []int{0, 80, 120} {
		var o bytes.Buffer
		err := dump.Run(context.Background(), []string{"-r", path, "--summary"}, dump.Env{Stdout: &o, Stderr: &o, Location: time.UTC, Width: width})
		if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
			t.Fatal(err)
		}
		want := width
		if want == 0 {
			want = 100
		}
		_, findings, _ := strings.Cut(o.String(), "\nFINDINGS\n")
		for _, l := range strings.Split(findings, "\n") {
			if n := utf8.RuneCountInString(l); n > want && strings.Contains(strings.TrimSpace(l), " ") {
				t.Errorf("width %d: a line of %d columns: %s", width, n, l)
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(findings), " "), "one-way loss at 192.0.2.12") {
			t.Errorf("width %d: words lost:\n%s", width, findings)
		}
	}
}
