package track_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/track"
)

// want is one expected finding: id, severity and routers.
type want struct {
	id       string
	severity track.Severity
	routers  string // comma separated, in the finding's order
	family   string // "" for ipv4
}

func (w want) String() string {
	fam := w.family
	if fam == "" {
		fam = "ipv4"
	}
	return fmt.Sprintf("%s %s %s [%s]", fam, w.id, w.severity, w.routers)
}

func have(f track.Finding) want {
	return want{f.ID, f.Severity, strings.Join(f.Routers, ","), f.Group.Family}
}

const (
	e = track.SeverityError
	w = track.SeverityWarning
	i = track.SeverityInfo
)

// expected is what each capture's README note requires, exactly: the set of
// findings (id, severity, routers), nothing more. No capture may have an
// error other than those listed.
var expected = map[string][]want{
	// Steady state; the only remark is the clear-text password.
	"v2-basic": {{"auth-plaintext", w, "192.0.2.11", ""}},
	// Master died (no priority 0): .11 → .12 after 3.610 s; then preemption
	// back to .11. No split brain.
	"v2-failover": {
		{"auth-plaintext", w, "192.0.2.11", ""},
		{"auth-plaintext", w, "192.0.2.12", ""},
		{"failover", i, "192.0.2.11,192.0.2.12", ""},
		{"failover", i, "192.0.2.12,192.0.2.11", ""},
	},
	// Graceful resignation and takeover after Skew_Time.
	"v2-graceful": {
		{"auth-plaintext", w, "192.0.2.11", ""},
		{"auth-plaintext", w, "192.0.2.12", ""},
		{"release", i, "192.0.2.11", ""},
		{"failover", i, "192.0.2.11,192.0.2.12", ""},
	},
	// Split brain from 3.653 with duplicate-VIP GARPs from two MACs.
	"split-brain": {
		{"auth-plaintext", w, "192.0.2.11", ""},
		{"auth-plaintext", w, "192.0.2.12", ""},
		{"split-brain", e, "192.0.2.11,192.0.2.12", ""},
		{"vip-arp-conflict", e, "192.0.2.11,192.0.2.12", ""},
	},
	// Stable VRRPv3 at 100 ms: nothing to report.
	"v3-ipv4": {},
	// Graceful hand-over, link-local first address (conformant).
	"v3-ipv6": {
		{"release", i, "fe80::ff:fe00:101", "ipv6"},
		{"failover", i, "fe80::ff:fe00:101,fe80::ff:fe00:102", "ipv6"},
	},
	// Unicast pair, master death, ICMP unreachable from the dead peer,
	// preemption back.
	"unicast": {
		{"unicast", i, "192.0.2.11", ""},
		{"unicast", i, "192.0.2.12", ""},
		{"failover", i, "192.0.2.11,192.0.2.12", ""},
		{"peer-unreachable", w, "192.0.2.11,192.0.2.12", ""},
		{"failover", i, "192.0.2.12,192.0.2.11", ""},
	},
	// AH-wrapped VRRPv2, graceful hand-over.
	"ah-auth": {
		{"release", i, "192.0.2.11", ""},
		{"failover", i, "192.0.2.11,192.0.2.12", ""},
	},
	// FRR and keepalived interoperate: no checksum mismatch; v4 and v6
	// vrid 5 separate; both send a global first IPv6 address.
	"frr-v3": {
		{"ipv6-first-addr", w, "fe80::3ef2:9bc3:ee3c:6da", "ipv6"},
		{"ipv6-first-addr", w, "fe80::ff:fe00:103", "ipv6"},
		{"release", i, "192.0.2.11", ""},
		{"release", i, "fe80::3ef2:9bc3:ee3c:6da", "ipv6"},
		{"failover", i, "192.0.2.11,192.0.2.13", ""},
		{"failover", i, "fe80::3ef2:9bc3:ee3c:6da,fe80::ff:fe00:103", "ipv6"},
	},
}

func TestCapturesReportWhatREADMERequires(t *testing.T) {
	for _, path := range refcap.Paths(t, "..") {
		name := strings.TrimSuffix(filepath.Base(path), ".pcap")
		t.Run(name, func(t *testing.T) {
			exp, ok := expected[name]
			if !ok {
				t.Fatalf("no expectations for %s", name)
			}
			tr, _, live := replay(t, path, track.Options{})
			var got, wantS []string
			for _, f := range tr.Findings() {
				h := have(f)
				if h.family == "ipv4" {
					h.family = ""
				}
				got = append(got, h.String())
			}
			for _, x := range exp {
				wantS = append(wantS, x.String())
			}
			slices.Sort(got)
			slices.Sort(wantS)
			if !slices.Equal(got, wantS) {
				t.Errorf("findings:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(wantS, "\n      "))
			}
			// Everything in Findings was delivered live too.
			ids := map[string]bool{}
			for _, f := range live {
				ids[f.ID+strings.Join(f.Routers, ",")] = true
			}
			for _, f := range tr.Findings() {
				if !ids[f.ID+strings.Join(f.Routers, ",")] {
					t.Errorf("%s %v not delivered to OnFinding", f.ID, f.Routers)
				}
			}
		})
	}
}

func find(t *testing.T, fs []track.Finding, id, routers string) track.Finding {
	t.Helper()
	for _, f := range fs {
		if f.ID == id && strings.Join(f.Routers, ",") == routers {
			return f
		}
	}
	t.Fatalf("no %s [%s]", id, routers)
	return track.Finding{}
}

// rel is a time in seconds since the capture's first frame, to the ms.
func rel(t0, ts time.Time) float64 {
	return float64(ts.Sub(t0).Round(time.Millisecond).Milliseconds()) / 1000
}

func TestCaptureNumbers(t *testing.T) {
	run := func(name string) (*track.Tracker, time.Time, []track.Finding) {
		tr, t0, _ := replay(t, "../testdata/pcaps/"+name+".pcap", track.Options{})
		return tr, t0, tr.Findings()
	}
	// Tolerance for gaps against the protocol's: 5 ms (timer slack and
	// capture timestamps; keepalived's takeover was measured 1 ms late).
	const tol = 0.005
	near := func(t *testing.T, what string, got, want float64) {
		t.Helper()
		if got < want-tol || got > want+tol {
			t.Errorf("%s = %.4f, want %.3f ± %.3f", what, got, want, tol)
		}
	}

	t.Run("v2-failover", func(t *testing.T) {
		_, t0, fs := run("v2-failover")
		f := find(t, fs, "failover", "192.0.2.11,192.0.2.12")
		near(t, "gap", f.Evidence["gap_s"].(float64), 3.610)
		near(t, "allowed", f.Evidence["allowed_s"].(float64), 3.609)
		near(t, "at", rel(t0, f.First), 10.611)
		f = find(t, fs, "failover", "192.0.2.12,192.0.2.11")
		near(t, "preemption at", rel(t0, f.First), 20.549)
		if f.Evidence["reason"] != "preemption" {
			t.Errorf("reason %v", f.Evidence["reason"])
		}
	})
	t.Run("v2-graceful", func(t *testing.T) {
		_, t0, fs := run("v2-graceful")
		near(t, "release", rel(t0, find(t, fs, "release", "192.0.2.11").First), 7.111)
		f := find(t, fs, "failover", "192.0.2.11,192.0.2.12")
		near(t, "takeover gap", f.Evidence["gap_s"].(float64), 0.609)
		near(t, "skew", f.Evidence["allowed_s"].(float64), 0.609)
		if f.Evidence["reason"] != "release" {
			t.Errorf("reason %v", f.Evidence["reason"])
		}
	})
	t.Run("split-brain", func(t *testing.T) {
		tr, t0, fs := run("split-brain")
		f := find(t, fs, "split-brain", "192.0.2.11,192.0.2.12")
		near(t, "from", rel(t0, f.First), 3.653)
		near(t, "to", rel(t0, f.Last), 18.656)
		for _, s := range []string{"nothing on the wire differs", "one-way loss at 192.0.2.12", "IP protocol 112"} {
			if !strings.Contains(f.Cause, s) {
				t.Errorf("cause lacks %q: %s", s, f.Cause)
			}
		}
		// The fix names the deaf side, the command and what to allow;
		// 192.0.2.11 answers at once, so the loss is one way only.
		wantFix := "on 192.0.2.12: `vrrpdoctor -i lab0`, then allow IP protocol 112 from 192.0.2.11"
		if !strings.HasPrefix(f.Hint, wantFix) || strings.Contains(f.Hint, "run vrrpdoctor on 192.0.2.11 too") {
			t.Errorf("fix %q, want it to start %q", f.Hint, wantFix)
		}
		g := tr.Snapshot()[0]
		if g.State != track.StateSplitBrain || g.Master != "192.0.2.11" {
			t.Errorf("state %s master %s", g.State, g.Master)
		}
		if n := len(g.Routers); n != 2 || g.Routers[0].Count != 20 || g.Routers[1].Count != 16 {
			t.Errorf("routers %d: %+v", n, g.Routers)
		}
	})
	t.Run("v3-ipv4", func(t *testing.T) {
		tr, _, _ := run("v3-ipv4")
		g := tr.Snapshot()[0]
		r := g.Routers[0]
		if g.State != track.StateOK || g.Master != "192.0.2.11" || r.Priority != 150 || r.AdverInt != 100*time.Millisecond ||
			r.Version != 3 || r.AuthType != "" || r.Count != 106 || r.Checksum != "rfc5798" {
			t.Errorf("%+v", g)
		}
		if r.IntervalMean < 99*time.Millisecond || r.IntervalMean > 101*time.Millisecond {
			t.Errorf("mean interval %v", r.IntervalMean)
		}
	})
	t.Run("v2-basic", func(t *testing.T) {
		tr, _, _ := run("v2-basic")
		g := tr.Snapshot()[0]
		r := g.Routers[0]
		if g.Key.VRID != 51 || g.Master != "192.0.2.11" || r.MAC != "02:00:00:00:01:01" || r.TTL != 255 ||
			r.AuthType != "simple" || r.AuthText != "" || r.AdverInt != time.Second || len(r.VIPs) != 1 || r.VIPs[0] != "192.0.2.100" {
			t.Errorf("%+v", r)
		}
		tr, _, _ = replay(t, "../testdata/pcaps/v2-basic.pcap", track.Options{ShowAuth: true})
		if got := tr.Snapshot()[0].Routers[0].AuthText; got != "secret12" {
			t.Errorf("auth text %q", got)
		}
	})
	t.Run("unicast", func(t *testing.T) {
		_, t0, fs := run("unicast")
		f := find(t, fs, "failover", "192.0.2.11,192.0.2.12")
		near(t, "gap", f.Evidence["gap_s"].(float64), 3.610)
		near(t, "back at", rel(t0, find(t, fs, "failover", "192.0.2.12,192.0.2.11").First), 17.005)
		if u := find(t, fs, "peer-unreachable", "192.0.2.11,192.0.2.12"); u.Count != 5 {
			t.Errorf("unreachable count %d", u.Count)
		}
	})
	t.Run("ah-auth", func(t *testing.T) {
		tr, t0, fs := run("ah-auth")
		near(t, "hand-over", rel(t0, find(t, fs, "failover", "192.0.2.11,192.0.2.12").First), 9.590)
		if r := tr.Snapshot()[0].Routers[0]; r.AuthType != "ah" {
			t.Errorf("auth type %s", r.AuthType)
		}
	})
	t.Run("frr-v3", func(t *testing.T) {
		tr, t0, fs := run("frr-v3")
		s := tr.Snapshot()
		if len(s) != 2 || s[0].Key.Family != "ipv4" || s[1].Key.Family != "ipv6" || s[0].Key.VRID != 5 || s[1].Key.VRID != 5 {
			t.Fatalf("groups %+v", s)
		}
		for _, g := range s {
			for _, r := range g.Routers {
				if r.Checksum != "rfc5798" {
					t.Errorf("%s checksum flavour %q", r.Addr, r.Checksum)
				}
			}
			if g.Master != "192.0.2.13" && g.Master != "fe80::ff:fe00:103" {
				t.Errorf("%s master %s", g.Key.Family, g.Master)
			}
		}
		near(t, "v4 hand-over", rel(t0, find(t, fs, "failover", "192.0.2.11,192.0.2.13").First), 14.535)
	})
}
