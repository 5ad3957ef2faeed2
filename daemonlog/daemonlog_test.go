package daemonlog_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/daemonlog"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/internal/refcap/replay"
	"github.com/vrrpkit/vrrpkit/report"
	"github.com/vrrpkit/vrrpkit/track"
)

// The reference captures' NAME.log (testdata/pcaps/README.md) hold the real
// keepalived 2.2.7 and FRR 8.4 log lines of each scenario, each prefixed with
// the epoch it was read at. exportLog turns one daemon's lines back into
// the files a user would have: a journalctl export (-o json or
// -o short-iso-precise), a syslog file, keepalived's console log or FRR's
// log file.

type logLine struct {
	epoch float64
	text  string // as the daemon wrote it (keepalived: with its console stamp)
}

func sourceLines(t *testing.T, scenario, source string) []logLine {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "pcaps", scenario+".log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []logLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.SplitN(sc.Text(), "\t", 4)
		if len(cols) < 4 || cols[2] != source {
			continue
		}
		ep, err := strconv.ParseFloat(cols[0], 64)
		if err != nil {
			t.Fatalf("%s.log: %v", scenario, err)
		}
		out = append(out, logLine{ep, cols[3]})
	}
	if len(out) == 0 {
		t.Fatalf("%s.log has no lines of %s", scenario, source)
	}
	return out
}

// message strips keepalived's console stamp or FRR's file stamp.
func message(text string) (ident, msg string) {
	if i := strings.Index(text, " VRRP: "); i > 0 && text[4] == '/' {
		return "vrrpd", text[i+len(" VRRP: "):]
	}
	if i := strings.Index(text, ": "); i > 0 && len(text) > 25 && text[24] == ':' {
		return "Keepalived_vrrp", text[i+2:]
	}
	return "", text
}

func exportLog(t *testing.T, lines []logLine, format, host string) string {
	t.Helper()
	var b strings.Builder
	for _, l := range lines {
		ts := time.UnixMicro(int64(math.Round(l.epoch * 1e6))).UTC()
		ident, msg := message(l.text)
		switch format {
		case "journal-json":
			j, _ := json.Marshal(map[string]string{"__REALTIME_TIMESTAMP": strconv.FormatInt(ts.UnixMicro(), 10),
				"_HOSTNAME": host, "SYSLOG_IDENTIFIER": ident, "_PID": "4242", "MESSAGE": msg, "PRIORITY": "6"})
			b.Write(j)
		case "journal-short-iso":
			fmt.Fprintf(&b, "%s %s %s[4242]: %s", ts.Format("2006-01-02T15:04:05.000000-07:00"), host, ident, msg)
		case "syslog":
			fmt.Fprintf(&b, "%s %s %s[4242]: %s", ts.Format("Jan _2 15:04:05"), host, ident, msg)
		default: // as the daemon wrote it
			b.WriteString(l.text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func readLog(t *testing.T, name, body string) *daemonlog.Log {
	t.Helper()
	l, err := daemonlog.Read(strings.NewReader(body), name, daemonlog.Options{Location: time.UTC, Year: 2026})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestFormats: one keepalived log read from each format gives the same
// events (times to the format's precision).
func TestFormats(t *testing.T) {
	lines := sourceLines(t, "split-brain", "h2/keepalived")
	want := readLog(t, "h2", exportLog(t, lines, "journal-json", "h2"))
	if want.Format != "journal-json" {
		t.Errorf("format %q", want.Format)
	}
	kinds := map[daemonlog.Kind]int{}
	for _, e := range want.Events {
		kinds[e.Kind]++
	}
	if kinds[daemonlog.KindTransition] < 2 || kinds[daemonlog.KindDaemon] < 1 {
		t.Errorf("events by kind %v: want the BACKUP and MASTER transitions and the start", kinds)
	}
	if want.Own == nil || want.Own[0] != "192.0.2.12" {
		t.Errorf("own addresses %v, want 192.0.2.12 (Assigned address)", want.Own)
	}
	for _, tc := range []struct {
		format    string
		precision time.Duration
	}{{"journal-short-iso", time.Microsecond}, {"syslog", time.Second}, {"keepalived-console", time.Second}} {
		t.Run(tc.format, func(t *testing.T) {
			got := readLog(t, "h2", exportLog(t, lines, tc.format, "h2"))
			if got.Format != tc.format {
				t.Errorf("format %q, want %q", got.Format, tc.format)
			}
			if len(got.Events) != len(want.Events) {
				t.Fatalf("%d events, want %d", len(got.Events), len(want.Events))
			}
			for i, e := range got.Events {
				w := want.Events[i]
				if e.Kind != w.Kind || e.State != w.State || e.Field != w.Field || e.Instance != w.Instance || e.Text != w.Text {
					t.Errorf("event %d: %+v, want %+v", i, e, w)
				}
				if d := e.Time.Sub(w.Time); d < -tc.precision || d > tc.precision {
					t.Errorf("event %d at %s, want %s", i, e.Time, w.Time)
				}
			}
		})
	}
}

// TestMessages: each kind of line keepalived 2.2 and FRR 8 write.
func TestMessages(t *testing.T) {
	for _, tc := range []struct {
		line  string
		kind  daemonlog.Kind
		field string
		check func(e daemonlog.Event) bool
	}{
		{"Nov 22 02:40:33 h2 Keepalived_vrrp[1]: (VI_51) Entering MASTER STATE", daemonlog.KindTransition, "", func(e daemonlog.Event) bool { return e.State == "MASTER" && e.Instance == "VI_51" }},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_51) Received advert from 192.0.2.12 with lower priority 100, ours 150, forcing new election", daemonlog.KindComplaint, "priority", func(e daemonlog.Event) bool {
			return e.Peer == "192.0.2.12" && e.Theirs == "100" && e.Mine == "150"
		}},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_54) received lower priority (100) advert from 192.0.2.12 - discarding", daemonlog.KindComplaint, "priority", func(e daemonlog.Event) bool { return e.Peer == "192.0.2.12" }},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) Master received advert from 192.0.2.13 with higher priority 200, ours 150", daemonlog.KindComplaint, "priority", func(e daemonlog.Event) bool { return e.Higher }},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec", daemonlog.KindComplaint, "adver_int", func(e daemonlog.Event) bool { return e.Mine == "1" && e.Theirs == "2" }},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1): advertisement interval mismatch mine=1 sec rcved=3 sec", daemonlog.KindComplaint, "adver_int", func(e daemonlog.Event) bool { return e.Theirs == "3" }},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) received an invalid passwd!", daemonlog.KindComplaint, "auth_data", nil},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) received a 0 auth, expecting 1!", daemonlog.KindComplaint, "auth_type", func(e daemonlog.Event) bool { return e.Theirs == "0" && e.Mine == "1" }},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) invalid TTL/HL. Received 64 and expect 255", daemonlog.KindComplaint, "ttl", nil},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) wrong version. Received 3 and expect 2", daemonlog.KindComplaint, "version", nil},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) received an unexpected ip number count 2, expected 1!", daemonlog.KindComplaint, "vips", nil},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) Invalid VRRPv3 checksum", daemonlog.KindComplaint, "checksum", nil},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) sent 0 priority", daemonlog.KindRelease, "", nil},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) Backup received priority 0 advertisement", daemonlog.KindRelease, "", nil},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) Receive advertisement timeout", daemonlog.KindTimeout, "", nil},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: VRRP_Script(chk_nginx) failed (exited with status 1)", daemonlog.KindScript, "", func(e daemonlog.Event) bool { return e.State == "failed" }},
		{"Nov 22 02:40:34 h1 Keepalived_vrrp[1]: (VI_1) Changing effective priority from 150 to 100", daemonlog.KindScript, "", nil},
		{"Nov 22 02:40:34 h1 Keepalived[1]: Reloading ...", daemonlog.KindReload, "", nil},
		{"2026-11-22T02:44:34.123456+00:00 h1 vrrpd[9]: [W23ZH-NY264] [CORE] [VRID 5] [IPv6] Backup -> Master", daemonlog.KindTransition, "", func(e daemonlog.Event) bool {
			return e.State == "MASTER" && e.VRID == 5 && e.Family == "ipv6" && e.Time.Nanosecond() == 123456000
		}},
		{"2026/11/22 02:44:34 VRRP: [XXXXX-YYYYY] [CORE] [VRID 7] [IPv4] Received advertisement from 192.0.2.13 w/ priority 250; switching to Backup", daemonlog.KindComplaint, "priority", func(e daemonlog.Event) bool {
			return e.Higher && e.Peer == "192.0.2.13" && e.VRID == 7
		}},
	} {
		t.Run(tc.line[strings.LastIndex(tc.line, ": ")+2:], func(t *testing.T) {
			l := readLog(t, "x", tc.line+"\n")
			if len(l.Events) != 1 {
				t.Fatalf("%d events", len(l.Events))
			}
			e := l.Events[0]
			if e.Kind != tc.kind || e.Field != tc.field || tc.check != nil && !tc.check(e) {
				t.Errorf("%+v", e)
			}
		})
	}
	if _, err := daemonlog.Read(strings.NewReader("hello\nworld\n"), "x", daemonlog.Options{}); err == nil {
		t.Error("a file with no daemon lines reads without error")
	}
}

// wireOf reads a reference capture as vrrpdump does and returns the wire
// view Match and Compare take.
func wireOf(t *testing.T, scenario string) daemonlog.Wire {
	t.Helper()
	path := filepath.Join("..", "testdata", "pcaps", scenario+".pcap")
	tr := track.New(track.Options{})
	rec := report.NewRecorder()
	tr.OnFinding = rec.Finding
	var last time.Time
	replay.Frames(t, path, func(p *capture.Packet) {
		last = p.CI.Timestamp
		tr.Observe(last, "eth0", p.P, p.Kind, p.Err)
		rec.Frame(last, "eth0", p.P, p.Kind, p.Err)
	})
	tr.End(last)
	return rec.Wire(tr.Overview())
}

func ids(fs []track.Finding) map[string][]track.Finding {
	out := map[string][]track.Finding{}
	for _, f := range fs {
		out[f.ID] = append(out[f.ID], f)
	}
	return out
}

// TestCompareSplitBrain: h2 (iptables dropping protocol 112) logs MASTER
// while h1's adverts are on the wire.
func TestCompareSplitBrain(t *testing.T) {
	w := wireOf(t, "split-brain")
	h1 := readLog(t, "h1", exportLog(t, sourceLines(t, "split-brain", "h1/keepalived"), "journal-json", "h1"))
	h2 := readLog(t, "h2", exportLog(t, sourceLines(t, "split-brain", "h2/keepalived"), "journal-short-iso", "h2"))
	daemonlog.Match([]*daemonlog.Log{h1, h2}, w)
	if h1.Router != "192.0.2.11" || h2.Router != "192.0.2.12" {
		t.Fatalf("matched h1 to %q (%s), h2 to %q (%s)", h1.Router, h1.MatchedBy, h2.Router, h2.MatchedBy)
	}
	for _, e := range h2.Events {
		if e.Kind == daemonlog.KindTransition && (e.VRID != 51 || e.Family != "ipv4") {
			t.Errorf("h2's %q placed in vrid %d %q, want 51 ipv4 (its instance announced 192.0.2.100)", e.Text, e.VRID, e.Family)
		}
	}
	fs := ids(daemonlog.Compare([]*daemonlog.Log{h1, h2}, w))
	un := fs["log-unheard-master"]
	if len(un) != 1 || un[0].Routers[0] != "192.0.2.12" || un[0].Routers[1] != "192.0.2.11" || un[0].Severity != track.SeverityError {
		t.Fatalf("log-unheard-master: %+v", un)
	}
	lags := fs["log-transition-lag"]
	if len(lags) != 2 {
		t.Fatalf("%d transition lags, want h1's and h2's: %+v", len(lags), lags)
	}
	for _, f := range lags {
		if lag := f.Evidence["lag_s"].(float64); lag < -0.05 || lag > 0.05 {
			t.Errorf("%s: lag %.3f s between keepalived's log line and its first advert (both on one host's clock: milliseconds)", f.Routers[0], lag)
		}
	}
	if len(fs["log-master-silent"]) != 0 {
		t.Errorf("log-master-silent: %+v", fs["log-master-silent"])
	}
}

// TestCompareFailover: a crash and a preemption are not unheard masters.
func TestCompareFailover(t *testing.T) {
	w := wireOf(t, "v2-failover")
	h1 := readLog(t, "h1", exportLog(t, sourceLines(t, "v2-failover", "h1/keepalived"), "journal-json", "h1"))
	h2 := readLog(t, "192.0.2.12", exportLog(t, sourceLines(t, "v2-failover", "h2/keepalived"), "journal-json", "h2"))
	daemonlog.Match([]*daemonlog.Log{h1, h2}, w)
	if h2.Router != "192.0.2.12" || !strings.Contains(h2.MatchedBy, "name") {
		t.Errorf("h2: %q by %s", h2.Router, h2.MatchedBy)
	}
	fs := ids(daemonlog.Compare([]*daemonlog.Log{h1, h2}, w))
	if len(fs["log-unheard-master"]) != 0 {
		t.Errorf("a failover after a crash and a preemption flagged: %+v", fs["log-unheard-master"])
	}
	if n := len(fs["log-transition-lag"]); n < 2 {
		t.Errorf("%d transition lags, want h2's takeover and h1's preemption", n)
	}
}

// TestMatchFRR: FRR names no address of its own; its MASTER transitions
// are followed by its first adverts.
func TestMatchFRR(t *testing.T) {
	w := wireOf(t, "frr-v3")
	h1 := readLog(t, "h1", exportLog(t, sourceLines(t, "frr-v3", "h1/frr-vrrpd"), "frr", "h1"))
	if h1.Format != "frr" {
		t.Errorf("format %q", h1.Format)
	}
	daemonlog.Match([]*daemonlog.Log{h1}, w)
	if h1.Router != "192.0.2.11" {
		t.Errorf("FRR h1 matched to %q (%s)", h1.Router, h1.MatchedBy)
	}
	// Its IPv6 adverts come from vrrp6-5's random link-local address
	// (testdata/pcaps/README.md): the IPv6 events go to that router.
	if v6 := h1.ByFamily["ipv6"]; v6 != "fe80::3ef2:9bc3:ee3c:6da" {
		t.Errorf("FRR h1's IPv6 router: %q", v6)
	}
	for _, e := range h1.Events {
		if e.Family == "ipv6" && e.Router != h1.ByFamily["ipv6"] {
			t.Errorf("IPv6 event %q given router %q", e.Text, e.Router)
		}
	}
}
