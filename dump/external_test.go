package dump_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/dump"
)

// externalDir holds the peers' VRRP captures (tcpdump, nDPI, PcapPlusPlus,
// zeek, scapy, gopacket, holo, pkt) with their expected readings, beside
// the repository as CI has it (see its SOURCES.md). They are third-party
// data: read in place, never copied into the project.
var externalDir = filepath.Join("..", "..", "shared", "external")

// disagreement is a frame where vrrpdump reads a capture differently from
// a peer (tshark, tcpdump's expected output, a peer's test assertion), with
// the rule that makes vrrpdump right. The test checks that vrrpdump reads
// the frame as stated and skips that peer's fields there.
type disagreement struct {
	peer string // "tshark", "tcpdump" or "expect"
	// reads is vrrpdump's reading: "carp", "undecodable", or the
	// advert's problems joined by commas.
	reads string
	why   string
}

// brokenOption is why vrrpdump reads tcpdump's fuzzed Frame Relay frames
// as undecodable.
const brokenOption = "IPv4 option 69 claims 83 bytes of a 28-byte header: the kernel drops the packet " +
	"(ip_options_compile) before VRRP sees it, so vrrpdump counts an undecodable advert; tcpdump and tshark " +
	"print the VRRP fields behind the broken header"

// disagreements, by "FILE#FRAME" ("FILE#*": every VRRP frame of the file).
var disagreements = map[string][]disagreement{
	"icmp-icmp_print-oobr-1.pcap#2": {
		{"tshark", "undecodable", "the file's snap length (37) leaves 3 bytes of the VRRP message: libpcap cuts " +
			"each record to the snap length, so vrrpdump reads 3 bytes and counts an undecodable (truncated) " +
			"advert; tshark ignores the snap length and dissects bytes the capture does not vouch for"},
		{"tcpdump", "undecodable", "the snap length leaves 3 of the 8 header bytes: tcpdump prints version, vrid " +
			"and priority then [|vrrp]; vrrpdump does not judge a header it does not have, it counts an " +
			"undecodable (truncated) advert"}},
	"vrrp-vrrp_print-oobr-2.pcap#*": {{"tcpdump", "undecodable",
		"snap length 41 leaves 7 of the 8 header bytes of each VRRPv3 first fragment (records of 54 bytes): " +
			"tcpdump prints what it has then [|vrrp]; vrrpdump counts an undecodable (truncated) advert; tshark " +
			"does not dissect IP fragments at all"}},
	"vrrp-vrrp_print-oobr.pcap#*":   {{"tshark", "undecodable", brokenOption}, {"tcpdump", "undecodable", brokenOption}},
	"icmp-icmp_print-oobr-2.pcap#1": {{"tshark", "undecodable", brokenOption}},
	"icmp-icmp_print-oobr-2.pcap#2": {{"tshark", "undecodable", brokenOption + " (tcpdump rejects this record's header)"}},
	"fuzz-2020-02-16-11740.pcap#161": {{"tshark", "undecodable",
		"VRRP version 7 is undefined: RFC 3768 7.1 and RFC 5798 7.1 receivers MUST verify the version and discard; " +
			"tshark dissects the fields of any version"}},
	"carp_uts.pcap#1": {{"tshark", "undecodable",
		"version 4, type 4 (scapy's CARP() defaults): neither VRRP nor CARP has a version 4; tshark dissects it anyway"}},
	"carp_uts.pcap#2": {{"tshark", "carp",
		"a CARP advert as OpenBSD sends it (version 2, type 1, authlen 7, 36 bytes, virtual MAC 00:00:5e:00:01:01): " +
			"tshark's CARP heuristic is off by default, so it reads advskew 0 as priority 0 and the counter and HMAC " +
			"as seven VRRP addresses"}},
	"vrrp_uts-build.pcap#1": {{"tshark", "no-addresses,bad-source",
		"scapy's IP()/VRRP() defaults: no virtual address (a virtual router has at least one, RFC 5798 5.2.5, " +
			"RFC 3768 6.1) and source 127.0.0.1, a loopback address the kernel drops on any real interface " +
			"(RFC 1122 3.2.1.3); tshark checks neither"}},
	"vrrp_uts-chksums.pcap#2": {{"tshark", "undecodable",
		"VRRP version 1 was never published; receivers MUST verify the version (RFC 3768 7.1)"}},
	"vrrp_uts-chksums.pcap#3": {{"tshark", "ipv6-first-addr,source-not-link-local",
		"VRRPv3 over IPv6 from 2001:db8::1: the source MUST be the interface's link-local address (RFC 5798 " +
			"5.1.2.1) and the first virtual address should be link-local (5.2.9); tshark checks neither"}},
	"VRRP-V2.pcap#1": {{"tshark", "count-mismatch",
		"PcapPlusPlus builds VRRPv2 without the 8-byte Authentication Data of RFC 3768 5.1: 20 bytes for 3 " +
			"addresses where 28 are due, so the count disagrees with the length (RFC 3768 7.1); keepalived's length " +
			"check drops it. tshark reads the addresses and stops"}},
}

// TestExternalCaptures reads every capture of ../shared/external without
// failing (exit 2), and compares every VRRP frame with tshark's reading,
// with tcpdump's expected output (.out, per TESTLIST) and with the peers'
// test assertions (expect.tsv); where vrrpdump disagrees, disagreements
// says why vrrpdump is right.
func TestExternalCaptures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(externalDir, "*", "*.pcap"))
	ng, _ := filepath.Glob(filepath.Join(externalDir, "*", "*.pcapng"))
	files = append(files, ng...)
	if len(files) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("no captures in %s: CI has shared/ beside its clone", externalDir)
		}
		t.Skipf("no captures in %s (shared/ is not beside this checkout)", externalDir)
	}
	tshark, err := exec.LookPath("tshark")
	if err != nil && os.Getenv("CI") != "" {
		t.Fatal("tshark is not installed: make setup installs it")
	}
	expect := readExpect(t)
	tcpdumpOut := readTestlist(t)
	used := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(filepath.Base(filepath.Dir(path))+"/"+name, func(t *testing.T) {
			out, errOut, err := run(t, "-r", path, "--json", "--show-auth")
			if err != nil && !errors.Is(err, dump.ErrErrorFinding) && !errors.Is(err, dump.ErrPartial) {
				t.Fatalf("vrrpdump -r %s: %v (exit 2)\n%s", path, err, errOut)
			}
			objs := readNDJSON(t, out)
			frames := map[int]object{}
			for _, o := range objs {
				if k := o.str("kind"); k == "advert" || k == "carp" {
					frames[o.num("frame")] = o
				}
			}
			// skip reports whether peer's reading of frame n is a known
			// disagreement, after checking vrrpdump reads it as stated.
			skip := func(peer string, n int) bool {
				key := name + "#" + strconv.Itoa(n)
				ds := disagreements[key]
				if ds == nil {
					key = name + "#*"
					ds = disagreements[key]
				}
				for _, d := range ds {
					if d.peer != peer {
						continue
					}
					used[key+"/"+peer] = true
					if got := reading(frames[n]); got != d.reads {
						t.Errorf("frame %d: vrrpdump reads %q, the disagreement with %s says %q (%s)", n, got, peer, d.reads, d.why)
					}
					return true
				}
				return false
			}
			if tshark != "" {
				for _, row := range tsharkRows(t, tshark, path) {
					n, _ := strconv.Atoi(row["frame.number"])
					if skip("tshark", n) {
						continue
					}
					o, ok := frames[n]
					if !ok {
						t.Errorf("frame %d: tshark reads VRRP, vrrpdump printed nothing", n)
						continue
					}
					if d := compareTshark(o, row); d != "" {
						t.Errorf("frame %d: %s", n, d)
					}
				}
			}
			for _, ref := range tcpdumpOut[name] {
				for n, fields := range readTcpdumpOut(t, ref) {
					if skip("tcpdump", n) {
						continue
					}
					o, ok := frames[n]
					if !ok {
						t.Errorf("frame %d: tcpdump's %s reads VRRP, vrrpdump printed nothing", n, filepath.Base(ref))
						continue
					}
					for k, want := range fields {
						if got := field(o, k); got != want {
							t.Errorf("frame %d: %s %q, tcpdump's %s says %q", n, k, got, filepath.Base(ref), want)
						}
					}
				}
			}
			for _, e := range expect[name] {
				switch {
				case e.field == "adverts":
					n := 0
					for _, o := range objs {
						if o.str("kind") == "advert" {
							n++
						}
					}
					if strconv.Itoa(n) != e.value {
						t.Errorf("%d advert objects, %s says %s", n, e.source, e.value)
					}
				case e.field == "finding-absent":
					for _, o := range objs {
						if o.str("kind") == "finding" && o.str("id") == e.value {
							t.Errorf("finding %s: %s (%s)", e.value, o.str("message"), e.source)
						}
					}
				default:
					n, _ := strconv.Atoi(e.frame)
					if skip("expect", n) {
						continue
					}
					if got := field(frames[n], e.field); got != e.value {
						t.Errorf("frame %d: %s %q, %s says %q", n, e.field, got, e.source, e.value)
					}
				}
			}
		})
	}
	for key, ds := range disagreements {
		for _, d := range ds {
			if !used[key+"/"+d.peer] && tshark != "" {
				t.Errorf("disagreement %s with %s is not met by any frame: remove it", key, d.peer)
			}
		}
	}
}

// reading sums up how vrrpdump read a frame, in disagreement's terms.
func reading(o object) string {
	switch {
	case o == nil:
		return "nothing"
	case o.str("kind") == "carp":
		return "carp"
	case o["error"] != nil:
		return "undecodable"
	}
	var ps []string
	json.Unmarshal(o["problems"], &ps)
	return strings.Join(ps, ",")
}

// field is an advert object's field as text: strings unquoted, lists
// joined by commas, numbers as written.
func field(o object, k string) string {
	raw, ok := o[k]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var l []string
	if json.Unmarshal(raw, &l) == nil {
		return strings.Join(l, ",")
	}
	return string(raw)
}

// tsharkFields are read for every VRRP frame.
var tsharkFields = []string{"frame.number", "vrrp.version", "vrrp.type", "vrrp.virt_rtr_id", "vrrp.prio",
	"vrrp.addr_count", "vrrp.auth_type", "vrrp.adver_int", "vrrp.short_adver_int", "vrrp.checksum.status",
	"vrrp.ip_addr", "vrrp.ipv6_addr", "vrrp.auth_string", "_ws.malformed"}

// tsharkRows is tshark's reading of every VRRP frame of a capture.
func tsharkRows(t *testing.T, tshark, path string) []map[string]string {
	t.Helper()
	args := []string{"-n", "-r", path, "-Y", "vrrp", "-T", "fields", "-E", "separator=/t"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(tshark, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", path, err, stderr.String())
	}
	var rows []map[string]string
	for line := range strings.Lines(string(out)) {
		vals := strings.Split(strings.TrimRight(line, "\n"), "\t")
		row := map[string]string{}
		for i, f := range tsharkFields {
			if i < len(vals) {
				row[f] = vals[i]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// compareTshark returns how an advert object differs from tshark's row.
func compareTshark(o object, row map[string]string) string {
	var diffs []string
	check := func(key, got, want string) {
		if got != want {
			diffs = append(diffs, fmt.Sprintf("%s %q, tshark %q", key, got, want))
		}
	}
	if o.str("kind") != "advert" || o["error"] != nil {
		return "vrrpdump reads " + reading(o) + ", tshark a VRRP advert"
	}
	check("version", field(o, "version"), row["vrrp.version"])
	check("type", field(o, "type"), row["vrrp.type"])
	check("vrid", field(o, "vrid"), row["vrrp.virt_rtr_id"])
	check("priority", field(o, "priority"), row["vrrp.prio"])
	check("count", field(o, "count"), row["vrrp.addr_count"])
	if row["vrrp.version"] == "2" {
		check("auth_type", field(o, "auth_type"), map[string]string{"0": "none", "1": "simple", "2": "ah"}[row["vrrp.auth_type"]])
		s, _ := strconv.Atoi(row["vrrp.adver_int"])
		check("interval_ms", field(o, "interval_ms"), strconv.Itoa(1000*s))
		if row["vrrp.auth_string"] != "" {
			check("auth", field(o, "auth"), row["vrrp.auth_string"])
		}
	} else {
		cs, _ := strconv.Atoi(row["vrrp.short_adver_int"])
		check("interval_ms", field(o, "interval_ms"), strconv.Itoa(10*cs))
	}
	addrs := row["vrrp.ip_addr"]
	if addrs == "" {
		addrs = row["vrrp.ipv6_addr"]
	}
	check("addrs", field(o, "addrs"), addrs)
	// tshark: 1 good, 0 bad, 2 or nothing unverified.
	check("checksum", field(o, "checksum"), map[string]string{"1": "ok", "0": "bad"}[row["vrrp.checksum.status"]]+
		map[bool]string{true: "unverified"}[row["vrrp.checksum.status"] != "1" && row["vrrp.checksum.status"] != "0"])
	if row["_ws.malformed"] == "" && row["vrrp.checksum.status"] == "1" {
		if p := field(o, "problems"); p != "" {
			diffs = append(diffs, "problems "+p+", tshark sees nothing wrong")
		}
	}
	return strings.Join(diffs, "; ")
}

// expectRow is one assertion of a peer's test (expect.tsv).
type expectRow struct{ frame, field, value, source string }

// readExpect reads every expect.tsv, by capture file name.
func readExpect(t *testing.T) map[string][]expectRow {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(externalDir, "*", "expect.tsv"))
	out := map[string][]expectRow{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "#") || strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			c := strings.Split(sc.Text(), "\t")
			if len(c) < 5 {
				t.Fatalf("%s: %q has %d columns, want 5", p, sc.Text(), len(c))
			}
			out[c[0]] = append(out[c[0]], expectRow{c[1], c[2], c[3], filepath.Base(filepath.Dir(p)) + " " + c[4]})
		}
		f.Close()
	}
	return out
}

// readTestlist maps each tcpdump test capture to its expected outputs
// (tcpdump's tests/TESTLIST: name, capture, output, options).
func readTestlist(t *testing.T) map[string][]string {
	t.Helper()
	dir := filepath.Join(externalDir, "the-tcpdump-group-tcpdump")
	data, err := os.ReadFile(filepath.Join(dir, "TESTLIST"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) >= 3 {
			out[f[1]] = append(out[f[1]], filepath.Join(dir, f[2]))
		}
	}
	return out
}

var (
	tcpdumpFrame = regexp.MustCompile(`^\s*(\d+)\s+\d{4}-\d\d-\d\d `)
	tcpdumpVRRP  = []struct {
		re    *regexp.Regexp
		field func(m []string) (string, string)
	}{
		{regexp.MustCompile(`VRRPv(\d+)`), func(m []string) (string, string) { return "version", m[1] }},
		{regexp.MustCompile(`vrid (\d+)`), func(m []string) (string, string) { return "vrid", m[1] }},
		{regexp.MustCompile(`prio (\d+)`), func(m []string) (string, string) { return "priority", m[1] }},
		{regexp.MustCompile(`authtype (\w+)`), func(m []string) (string, string) { return "auth_type", m[1] }},
		{regexp.MustCompile(`intvl (\d+)(s|cs)`), func(m []string) (string, string) {
			n, _ := strconv.Atoi(m[1])
			return "interval_ms", strconv.Itoa(map[string]int{"s": 1000, "cs": 10}[m[2]] * n)
		}},
		{regexp.MustCompile(`addrs(?:\(\d+\))?: ([0-9a-f.:,]+)`), func(m []string) (string, string) { return "addrs", m[1] }},
		{regexp.MustCompile(`auth "([^"]*)"`), func(m []string) (string, string) { return "auth", m[1] }},
	}
)

// readTcpdumpOut reads tcpdump's expected output: for each frame with a
// VRRP line, the fields it shows, in vrrpdump's NDJSON terms.
func readTcpdumpOut(t *testing.T, path string) map[int]map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[int]string{}
	n := 0
	for line := range strings.Lines(string(data)) {
		if m := tcpdumpFrame.FindStringSubmatch(line); m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		texts[n] += line
	}
	out := map[int]map[string]string{}
	for n, text := range texts {
		_, vrrp, ok := strings.Cut(text, ": VRRPv")
		if !ok {
			continue
		}
		vrrp = "VRRPv" + vrrp
		fields := map[string]string{}
		for _, f := range tcpdumpVRRP {
			if m := f.re.FindStringSubmatch(vrrp); m != nil {
				k, v := f.field(m)
				fields[k] = v
			}
		}
		out[n] = fields
	}
	return out
}
