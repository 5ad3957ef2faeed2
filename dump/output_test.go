package dump_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/internal/golden"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
)

// run is vrrpdump on args without a terminal, times of day in UTC; it
// returns stdout, stderr and Run's error.
func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = dump.Run(context.Background(), args, dump.Env{Stdout: &o, Stderr: &e, Location: time.UTC})
	return o.String(), e.String(), err
}

// TestOutputGoldens pins --lines, --json and --summary of every reference
// capture: the NDJSON is documented as stable, and the text modes are what
// users read. Each run's result must match its summary: ErrErrorFinding
// exactly when an error-severity finding was printed, nothing on stderr.
func TestOutputGoldens(t *testing.T) {
	for _, path := range refcap.Paths(t, "..") {
		for _, mode := range []string{"lines", "json", "summary"} {
			name := refcap.Name(path) + "." + mode
			t.Run(name, func(t *testing.T) {
				out, errOut, err := run(t, "-r", path, "--"+mode)
				if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
					t.Fatalf("vrrpdump -r %s --%s: %v", path, mode, err)
				}
				if errOut != "" {
					t.Errorf("stderr: %s", errOut)
				}
				errorFinding := strings.Contains(out, map[string]string{
					"lines": "!! ERROR ", "json": `"severity":"error"`, "summary": "\nERROR "}[mode])
				if errorFinding != errors.Is(err, dump.ErrErrorFinding) {
					t.Errorf("an error finding printed: %v, but Run returned %v", errorFinding, err)
				}
				golden.File(t, filepath.Join("testdata", t.Name()+".golden"), []byte(out))
				if mode == "json" {
					// With a report the reader decodes every frame (no
					// capture.Options.Lazy): the objects must not change.
					decoded, _, _ := run(t, "-r", path, "--json", "--report", filepath.Join(t.TempDir(), "r.html"))
					if decoded != out {
						t.Errorf("--json prints other objects when every frame is decoded (--report):\n%s", firstDiff(decoded, out))
					}
				}
			})
		}
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(al), len(bl))
}

// object is one NDJSON line, kept raw to check which keys are present.
type object map[string]json.RawMessage

func (o object) str(k string) string {
	var s string
	json.Unmarshal(o[k], &s)
	return s
}

func (o object) num(k string) int {
	var n int
	json.Unmarshal(o[k], &n)
	return n
}

func readNDJSON(t *testing.T, out string) []object {
	t.Helper()
	var objs []object
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var o object
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", len(objs)+1, err, sc.Text())
		}
		objs = append(objs, o)
	}
	return objs
}

// TestJSONAgreesWithTshark reads every reference capture with --json and
// compares every advert object, field by field, with tshark's reading of
// the same frame (NAME.truth.tsv): the frame numbers, addresses, header
// fields, the interval in ms, the checksum's status and flavour. It also
// checks the documented keys of each kind, and that the summary is last.
func TestJSONAgreesWithTshark(t *testing.T) {
	keys := map[string][]string{
		"advert": {"frame", "time", "link", "vlan", "src_mac", "src", "dst", "ttl", "version", "type", "vrid", "priority",
			"count", "auth_type", "interval_ms", "checksum", "checksum_flavour", "addrs", "problems"},
		"finding": {"id", "severity", "group", "routers", "first", "last", "count", "message", "cause", "hint"},
		"summary": {"source", "frames", "stats", "groups", "findings", "exit"},
	}
	for _, path := range refcap.Paths(t, "..") {
		t.Run(refcap.Name(path), func(t *testing.T) {
			truth := refcap.Truth(t, path)
			out, _, err := run(t, "-r", path, "--json")
			if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
				t.Fatal(err)
			}
			objs := readNDJSON(t, out)
			seen := map[int]bool{}
			for i, o := range objs {
				kind := o.str("kind")
				want, ok := keys[kind]
				if !ok {
					t.Fatalf("object %d: kind %q", i+1, kind)
				}
				for _, k := range want {
					if _, ok := o[k]; !ok {
						t.Errorf("%s object %d lacks %q", kind, i+1, k)
					}
				}
				if (kind == "summary") != (i == len(objs)-1) {
					t.Errorf("object %d of %d is a %s: the summary comes last, once", i+1, len(objs), kind)
				}
				switch kind {
				case "finding":
					for _, k := range []string{"first", "last"} {
						if _, err := time.Parse(time.RFC3339Nano, o.str(k)); err != nil {
							t.Errorf("finding %s %s: %v", o.str("id"), k, err)
						}
					}
				case "summary":
					if got, want := o.num("exit"), map[bool]int{false: 0, true: 1}[errors.Is(err, dump.ErrErrorFinding)]; got != want {
						t.Errorf("summary exit %d, Run says %d", got, want)
					}
				case "advert":
					n := o.num("frame")
					row, ok := truth[n]
					if !ok {
						t.Errorf("advert at frame %d, where tshark sees no VRRP", n)
						continue
					}
					seen[n] = true
					if diff := compareAdvert(o, row); diff != "" {
						t.Errorf("frame %d: %s", n, diff)
					}
				}
			}
			for n := range truth {
				if !seen[n] {
					t.Errorf("tshark's VRRP frame %d has no advert object", n)
				}
			}
		})
	}
}

// compareAdvert returns the fields of advert o that differ from tshark's
// row, or "".
func compareAdvert(o object, row map[string]string) string {
	var diffs []string
	check := func(key, got, want string) {
		if got != want {
			diffs = append(diffs, fmt.Sprintf("%s %s, tshark %s", key, got, want))
		}
	}
	raw := func(k string) string { return string(o[k]) }
	check("src_mac", o.str("src_mac"), row["src_mac"])
	check("src", o.str("src"), row["src_ip"])
	check("dst", o.str("dst"), row["dst_ip"])
	check("ttl", raw("ttl"), row["ttl_hlim"])
	vlan := row["vlan"]
	if vlan == "" {
		vlan = "0"
	}
	check("vlan", raw("vlan"), vlan)
	check("version", raw("version"), row["version"])
	check("type", raw("type"), row["type"])
	check("vrid", raw("vrid"), row["vrid"])
	check("priority", raw("priority"), row["prio"])
	check("count", raw("count"), row["addr_count"])
	auth := map[string]string{"": "none", "0": "none", "1": "simple", "2": "ah"}[row["auth_type"]]
	check("auth_type", o.str("auth_type"), auth)
	var ms int
	if row["version"] == "2" {
		s, _ := strconv.Atoi(row["adver_int_v2_s"])
		ms = 1000 * s
	} else {
		cs, _ := strconv.Atoi(row["adver_int_v3_cs"])
		ms = 10 * cs
	}
	check("interval_ms", raw("interval_ms"), strconv.Itoa(ms))
	check("checksum", o.str("checksum"), map[string]string{"good": "ok", "bad": "bad"}[row["checksum_status"]])
	// tshark checks v2 over the message, v3 with the RFC 5798 pseudo-header,
	// and with vrrp.v3_checksum_as_in_v2 the v3 IPv4 message alone.
	flavour := ""
	switch {
	case row["version"] == "2" && row["checksum_status"] == "good":
		flavour = "message-only"
	case row["checksum_status"] == "good":
		flavour = "rfc5798"
	case row["checksum_status_v2calc"] == "good":
		flavour = "message-only"
	}
	check("checksum_flavour", o.str("checksum_flavour"), flavour)
	var addrs []string
	json.Unmarshal(o["addrs"], &addrs)
	check("addrs", strings.Join(addrs, ","), row["addrs"])
	// Where tshark finds nothing wrong, the only problem is the one it does
	// not check: a v3 IPv6 advert whose first address is not link-local
	// (RFC 5798 5.2.9; FRR lists its global VIP first).
	var problems []string
	json.Unmarshal(o["problems"], &problems)
	if row["expert"] == "" && row["malformed"] == "" {
		var want []string
		if first, _, _ := strings.Cut(row["addrs"], ","); row["version"] == "3" && strings.Contains(first, ":") && !strings.HasPrefix(first, "fe80:") {
			want = []string{"ipv6-first-addr"}
		}
		if !slices.Equal(problems, want) {
			diffs = append(diffs, fmt.Sprintf("problems %v, want %v (tshark sees nothing wrong)", problems, want))
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, o.str("time")); err != nil {
		diffs = append(diffs, "time: "+err.Error())
	}
	return strings.Join(diffs, "; ")
}

// TestAuthMasked: the v2 password keepalived sends ("secret12") appears in
// no output unless --show-auth, and then in every mode.
func TestAuthMasked(t *testing.T) {
	const pass = "secret12"
	path := filepath.Join("..", "testdata", "pcaps", "v2-basic.pcap")
	for _, mode := range []string{"--lines", "--json", "--summary"} {
		out, _, err := run(t, "-r", path, mode)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if strings.Contains(out, pass) {
			t.Errorf("%s shows the password without --show-auth", mode)
		}
		out, _, err = run(t, "-r", path, mode, "--show-auth")
		if err != nil {
			t.Fatalf("%s --show-auth: %v", mode, err)
		}
		if !strings.Contains(out, pass) {
			t.Errorf("%s --show-auth does not show the password:\n%s", mode, out)
		}
	}
}

// TestCountAndWrite: -c stops after N adverts, and -w keeps every frame
// read until then in a pcap that reads back to the same adverts, with the
// same frame numbers.
func TestCountAndWrite(t *testing.T) {
	path := filepath.Join("..", "testdata", "pcaps", "v2-failover.pcap")
	saved := filepath.Join(t.TempDir(), "first.pcap")
	out, _, err := run(t, "-r", path, "-c", "10", "-w", saved, "--json")
	if err != nil {
		t.Fatal(err)
	}
	adverts := func(out string) []string {
		var a []string
		for l := range strings.Lines(out) {
			if strings.HasPrefix(l, `{"kind":"advert"`) {
				a = append(a, strings.Replace(l, filepath.Base(saved), filepath.Base(path), 1))
			}
		}
		return a
	}
	first := adverts(out)
	if len(first) != 10 {
		t.Fatalf("-c 10 printed %d adverts", len(first))
	}
	again, _, err := run(t, "-r", saved, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if got := adverts(again); !slices.Equal(got, first) {
		t.Errorf("the -w file reads back to\n%s\nwant\n%s", strings.Join(got, ""), strings.Join(first, ""))
	}
}

// TestDefaultMode: with -r and no mode vrrpdump prints the summary.
func TestDefaultMode(t *testing.T) {
	path := filepath.Join("..", "testdata", "pcaps", "v2-basic.pcap")
	def, _, err := run(t, "-r", path)
	if err != nil {
		t.Fatal(err)
	}
	sum, _, _ := run(t, "-r", path, "--summary")
	if def != sum {
		t.Errorf("-r without a mode:\n%s\nwant the summary:\n%s", def, sum)
	}
}

// TestBadCommandLines: each mistake is a usage error (exit status 2) whose
// message says what to do; an unreadable file is an error naming it.
func TestBadCommandLines(t *testing.T) {
	if _, err := os.Stat("no-such.pcap"); err == nil {
		t.Fatal("no-such.pcap exists here")
	}
	pcap := filepath.Join("..", "testdata", "pcaps", "v2-basic.pcap")
	for _, tc := range []struct {
		args  []string
		usage bool
		says  string
	}{
		{nil, true, "-i IFACE (live) or -r FILE (offline)"},
		{[]string{"-i", "eth0", "-r", pcap}, true, "-i IFACE (live) or -r FILE (offline)"},
		{[]string{"-r", pcap, "--lines", "--json"}, true, "choose one of --lines, --json, --summary, --tui"},
		{[]string{"-r", pcap, "-c", "-1"}, true, "-c: takes a positive count"},
		{[]string{"-r", pcap, "host", "router1"}, false, "host names are not resolved (give the address)"},
		{[]string{"-r", pcap, "host", "192.0.2.11", "and", "("}, false, "expression ends where a primitive was expected"},
		{[]string{"-r", pcap, "--metrics", "127.0.0.1:0"}, true, "--metrics: applies to live capture (-i) only"},
		{[]string{"-i", "eth0", "-i", "eth1"}, true, "-i: several interfaces need --metrics"},
		{[]string{"-r", pcap, "--frobnicate"}, true, "--frobnicate: no such flag"},
		{[]string{"-r", pcap, "--tui", "--report", "x.html"}, true, "--report: applies to the text outputs"},
		{[]string{"-r", "no-such.pcap"}, false, "no-such.pcap"},
		{[]string{"-r", pcap, "--tui"}, false, "built without the TUI"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := run(t, tc.args...)
			if err == nil {
				t.Fatal("no error")
			}
			var ue *cli.UsageError
			if errors.As(err, &ue) != tc.usage || errors.Is(err, dump.ErrErrorFinding) || errors.Is(err, cli.ErrHelp) {
				t.Errorf("error %v: usage %v, want %v", err, errors.As(err, &ue), tc.usage)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
		})
	}
}
