package track_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/timers"
	"github.com/vrrpkit/vrrpkit/track"
)

var (
	h1 = adv{src: "192.0.2.11", prio: 150}
	h2 = adv{src: "192.0.2.12", prio: 100}
)

func with(a adv, f func(*adv)) adv { f(&a); return a }

// Split brain appears at the second master's first advert, when that one
// has the lower priority.
func TestSplitBrainAtSecondMastersFirstAdvert(t *testing.T) {
	r := newRig(t, track.Options{})
	r.every(0, 2, 1, h1)
	if len(r.ids("split-brain")) != 0 {
		t.Fatal("split brain with one router")
	}
	r.advert(2.5, h2)
	sb := r.ids("split-brain")
	if len(sb) != 1 {
		t.Fatalf("split-brain delivered %d times, want 1 at 2.5 s", len(sb))
	}
	if !sb[0].at.Equal(at(2.5)) || !sb[0].f.First.Equal(at(2.5)) {
		t.Errorf("split-brain delivered at %v first %v, want %v", sb[0].at, sb[0].f.First, at(2.5))
	}
	if got := strings.Join(sb[0].f.Routers, ","); got != "192.0.2.11,192.0.2.12" {
		t.Errorf("routers %s", got)
	}
	if !strings.Contains(sb[0].f.Cause, "nothing on the wire differs") || !strings.Contains(sb[0].f.Cause, "one-way loss at 192.0.2.12") {
		t.Errorf("cause %q", sb[0].f.Cause)
	}
}

// A higher-priority newcomer preempts: the old master may send one more
// advert already in flight, and stops; that is not a split brain. If it goes
// on advertising, it is.
func TestPreemptionGrace(t *testing.T) {
	r := newRig(t, track.Options{})
	r.carriesARP()
	r.every(0, 5, 1, h2)
	r.advert(5.3, h1)
	r.advert(6.0, h2) // in flight
	r.every(6.3, 9.3, 1, h1)
	r.only("failover", "garp-missing")
	if fo := r.ids("failover"); len(fo) != 1 || fo[0].f.Evidence["reason"] != "preemption" {
		t.Errorf("failover: %+v", fo)
	}

	r.advert(10, h2) // the preempted master keeps advertising
	sb := r.ids("split-brain")
	if len(sb) != 1 || !sb[0].f.First.Equal(at(10)) {
		t.Fatalf("split-brain %+v, want one at 10 s", sb)
	}
}

// Each field an RFC receiver discards on is named as the cause.
func TestSplitBrainCause(t *testing.T) {
	for _, tc := range []struct {
		name  string
		a, b  adv
		field string
	}{
		{"auth-data", with(h1, func(a *adv) { a.auth, a.pass = decode.AuthSimple, "secret12" }),
			with(h2, func(a *adv) { a.auth, a.pass = decode.AuthSimple, "other123" }), "auth_data"},
		{"auth-type", with(h1, func(a *adv) { a.auth, a.pass = decode.AuthSimple, "secret12" }), h2, "auth_type"},
		{"interval", h1, with(h2, func(a *adv) { a.adverInt = 2 }), "adver_int"},
		{"version", h1, with(h2, func(a *adv) { a.version = decode.V3 }), "version"},
		{"ttl", h1, with(h2, func(a *adv) { a.ttl = 64 }), "ttl"},
		{"flavour", with(h1, func(a *adv) { a.version = decode.V3 }),
			with(h2, func(a *adv) { a.version, a.flavour = decode.V3, decode.FlavourMessageOnly }), "checksum_flavour"},
		{"vips", h1, with(h2, func(a *adv) { a.vips = []string{"192.0.2.100", "192.0.2.101"} }), "vips"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, track.Options{})
			step := 1.0
			if tc.a.version == decode.V3 {
				step = 1 // 100 cs
			}
			r.every(0, 1, step, tc.a)
			r.advert(1.5, tc.b)
			sb := r.ids("split-brain")
			if len(sb) != 1 {
				t.Fatalf("no split brain; got %+v", r.got)
			}
			fields, _ := sb[0].f.Evidence["fields"].([]string)
			found := false
			for _, f := range fields {
				found = found || f == tc.field
			}
			if !found {
				t.Errorf("fields %v, want %s; cause %q", fields, tc.field, sb[0].f.Cause)
			}
			if strings.Contains(sb[0].f.Cause, "secret12") {
				t.Errorf("cause shows the password without ShowAuth: %q", sb[0].f.Cause)
			}
		})
	}
}

// master-down fires exactly at last advert + Master_Down_Interval, on Tick.
func TestMasterDownAtMasterDownInterval(t *testing.T) {
	r := newRig(t, track.Options{})
	r.every(0, 4, 1, h1)
	// No backup was heard: the slowest possible backup, priority 1.
	mdi := timers.MasterDownInterval(decode.V2, 1, time.Second)
	if mdi != 3*time.Second+255*time.Second/256 {
		t.Fatalf("MDI %v", mdi)
	}
	due := at(4).Add(mdi)
	r.now = due.Add(-time.Millisecond)
	r.tr.Tick(r.now)
	if len(r.ids("master-down")) != 0 {
		t.Fatal("master-down before Master_Down_Interval")
	}
	r.now = due
	r.tr.Tick(due)
	md := r.ids("master-down")
	if len(md) != 1 || !md[0].f.First.Equal(due) || !md[0].at.Equal(due) {
		t.Fatalf("master-down %+v, want one at %v", md, due)
	}
	if s := r.tr.Snapshot(); len(s) != 1 || s[0].State != track.StateDown || s[0].Master != "" || s[0].LastMaster != "192.0.2.11" {
		t.Errorf("state %+v", s)
	}
}

// With a backup heard before, its priority sets the Master_Down_Interval.
func TestMasterDownUsesKnownBackup(t *testing.T) {
	r := newRig(t, track.Options{})
	r.every(0, 2, 1, h2)
	r.every(2.5, 6.5, 1, h1) // preempts
	due := at(6.5).Add(timers.MasterDownInterval(decode.V2, 100, time.Second))
	r.tick(6.5 + 3.5)
	if len(r.ids("master-down")) != 0 {
		t.Fatal("early master-down")
	}
	r.now = due
	r.tr.Tick(due)
	if md := r.ids("master-down"); len(md) != 1 || !md[0].f.First.Equal(due) {
		t.Fatalf("master-down %+v want at %v", md, due)
	}
}

func TestFailoverAfterSilence(t *testing.T) {
	r := newRig(t, track.Options{})
	r.every(0, 7, 1, h1)
	r.every(10.61, 14.61, 1, h2)
	fo := r.ids("failover")
	if len(fo) != 1 {
		t.Fatalf("failover %+v", fo)
	}
	ev := fo[0].f.Evidence
	if ev["gap_s"] != 3.61 || ev["allowed_s"] != 3.609375 || ev["reason"] != "master-silent" {
		t.Errorf("evidence %v", ev)
	}
	if len(r.ids("master-down")) != 0 || len(r.ids("late-advert")) != 0 {
		t.Errorf("unexpected: %+v", r.got)
	}
}

func TestReleaseAndSkewTakeover(t *testing.T) {
	r := newRig(t, track.Options{})
	r.carriesARP()
	r.every(0, 5, 1, h1)
	r.advert(5.1, with(h1, func(a *adv) { a.prio = 0 }))
	if rel := r.ids("release"); len(rel) != 1 || !rel[0].at.Equal(at(5.1)) {
		t.Fatalf("release %+v", rel)
	}
	r.every(5.709, 8, 1, h2)
	fo := r.ids("failover")
	if len(fo) != 1 || fo[0].f.Evidence["reason"] != "release" || fo[0].f.Evidence["allowed_s"] != 0.609375 {
		t.Fatalf("failover %+v", fo)
	}
	r.only("release", "failover", "garp-missing")
}

// Three master changes within 60 s raise flapping at the third.
func TestFlapping(t *testing.T) {
	r := newRig(t, track.Options{})
	r.every(0, 9, 1, h2)
	r.every(10, 19, 1, h1)                                // change 1: preemption
	r.advert(19.5, with(h1, func(a *adv) { a.prio = 0 })) // resigns
	r.every(20.1, 29.1, 1, h2)                            // change 2
	r.every(30, 31, 1, h1)                                // change 3
	fl := r.ids("flapping")
	if len(fl) != 1 || !fl[0].f.First.Equal(at(30)) {
		t.Fatalf("flapping %+v", fl)
	}
}

func TestConfigMismatches(t *testing.T) {
	v3 := func(a adv) adv { a.version = decode.V3; return a }
	for _, tc := range []struct {
		name string
		a, b adv
		id   string
	}{
		{"interval", h1, with(h2, func(a *adv) { a.adverInt = 2 }), "interval-mismatch"},
		{"vips", h1, with(h2, func(a *adv) { a.vips = []string{"192.0.2.100", "192.0.2.101"} }), "vip-mismatch"},
		{"auth", with(h1, func(a *adv) { a.auth, a.pass = decode.AuthSimple, "aaaaaaaa" }),
			with(h2, func(a *adv) { a.auth, a.pass = decode.AuthSimple, "bbbbbbbb" }), "auth-mismatch"},
		{"version", h1, v3(h2), "version-mismatch"},
		{"owner", with(h1, func(a *adv) { a.prio = 255 }), with(h2, func(a *adv) { a.prio = 255 }), "owner-conflict"},
		{"flavour", v3(h1), with(v3(h2), func(a *adv) { a.flavour = decode.FlavourMessageOnly }), "checksum-flavour-mismatch"},
		{"collision", h1, with(h2, func(a *adv) { a.vips = []string{"198.51.100.1"} }), "vrid-collision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, track.Options{})
			r.advert(0, tc.a)
			r.advert(0.5, tc.b)
			got := r.ids(tc.id)
			if len(got) != 1 || strings.Join(got[0].f.Routers, ",") != "192.0.2.11,192.0.2.12" {
				t.Fatalf("%s: %+v (all: %+v)", tc.id, got, r.got)
			}
			if got[0].f.Severity != severityOf(tc.id) {
				t.Errorf("severity %s", got[0].f.Severity)
			}
			if tc.id == "vrid-collision" && len(r.ids("split-brain"))+len(r.ids("vip-mismatch")) != 0 {
				t.Errorf("a VRID collision is not a split brain or VIP mismatch: %+v", r.got)
			}
			// Two masters of unrelated VIPs are not a split brain: the
			// group's state names the collision. (The other pairs here are
			// split brains: the second router advertises as master.)
			if s := r.tr.Snapshot(); tc.id == "vrid-collision" && (len(s) != 1 || s[0].State != track.StateCollision) {
				t.Errorf("groups %+v, want one in state %s", s, track.StateCollision)
			}
			if strings.Contains(got[0].f.Message, "aaaaaaaa") {
				t.Errorf("password in message: %s", got[0].f.Message)
			}
		})
	}
}

func severityOf(id string) track.Severity {
	for _, r := range track.Catalog() {
		if r.ID == id {
			return r.Severity
		}
	}
	return ""
}

func TestDuplicateSource(t *testing.T) {
	r := newRig(t, track.Options{})
	r.advert(0, h1)
	r.advert(1, with(h1, func(a *adv) { a.mac = "02:00:00:00:09:09" }))
	if d := r.ids("duplicate-source"); len(d) != 1 || d[0].f.Routers[0] != "192.0.2.11" {
		t.Fatalf("duplicate-source %+v", d)
	}
}

// TTL is checked on multicast adverts only; unicast adverts are reported.
func TestTTLMulticastOnly(t *testing.T) {
	r := newRig(t, track.Options{})
	r.advert(0, with(h1, func(a *adv) { a.ttl = 64 }))
	if len(r.ids("bad-ttl")) != 1 {
		t.Fatalf("bad-ttl on multicast: %+v", r.got)
	}
	r = newRig(t, track.Options{})
	r.advert(0, with(h1, func(a *adv) { a.ttl, a.dst = 64, "192.0.2.12" }))
	r.only("unicast")
}

func TestAuthPlaintextShowAuth(t *testing.T) {
	a := with(h1, func(a *adv) { a.auth, a.pass = decode.AuthSimple, "secret12" })
	r := newRig(t, track.Options{})
	r.advert(0, a)
	if f := r.ids("auth-plaintext"); len(f) != 1 || strings.Contains(f[0].f.Message, "secret12") {
		t.Fatalf("%+v", f)
	}
	if s := r.tr.Snapshot(); s[0].Routers[0].AuthText != "" || s[0].Routers[0].AuthFingerprint == "" {
		t.Errorf("snapshot auth: %+v", s[0].Routers[0])
	}
	r = newRig(t, track.Options{ShowAuth: true})
	r.advert(0, a)
	if f := r.ids("auth-plaintext"); len(f) != 1 || !strings.Contains(f[0].f.Message, "secret12") {
		t.Fatalf("%+v", f)
	}
	if s := r.tr.Snapshot(); s[0].Routers[0].AuthText != "secret12" {
		t.Errorf("snapshot auth text %q", s[0].Routers[0].AuthText)
	}
}

// A new master that sends no GARP within a second is reported at that
// second; one that does is not. Only on a capture that carries ARP: a
// capture filtered to VRRP cannot show a GARP, and the tracker says that
// it could not judge (Notes) instead.
func TestGARPMissing(t *testing.T) {
	r := newRig(t, track.Options{})
	r.carriesARP()
	r.every(0, 3, 1, h2)
	r.every(3.5, 6.5, 1, h1) // preempts, no GARP
	g := r.ids("garp-missing")
	if len(g) != 1 || !g[0].f.First.Equal(at(4.5)) {
		t.Fatalf("garp-missing %+v", g)
	}
	if n := r.tr.Notes(); len(n) != 0 {
		t.Errorf("notes %q on a capture with ARP", n)
	}

	// VRRP only: not raised, and Notes says why.
	r = newRig(t, track.Options{})
	r.every(0, 3, 1, h2)
	r.every(3.5, 6.5, 1, h1)
	if g := r.ids("garp-missing"); len(g) != 0 {
		t.Fatalf("garp-missing %+v on a capture without ARP", g)
	}
	n := r.tr.Notes()
	if len(n) != 1 || !strings.Contains(n[0], "lab0 ipv4: the capture holds no ARP") ||
		!strings.Contains(n[0], "garp-missing (1 takeover not judged), vip-arp-conflict and stale-garp cannot be judged") {
		t.Errorf("notes %q", n)
	}
	// An ARP frame later shows that the capture carries ARP: the check
	// that waited is raised then, as of its own time.
	r.feed(at(20), garp(t, "02:00:00:00:01:63", "192.0.2.99"))
	if g := r.ids("garp-missing"); len(g) != 1 || !g[0].f.First.Equal(at(4.5)) || !g[0].at.Equal(at(20)) {
		t.Fatalf("garp-missing %+v after the first ARP", g)
	}
	if n := r.tr.Notes(); len(n) != 0 {
		t.Errorf("notes %q after an ARP", n)
	}

	r = newRig(t, track.Options{})
	r.every(0, 3, 1, h2)
	r.advert(3.5, h1)
	r.feed(at(3.501), garp(t, "02:00:00:00:01:0b", "192.0.2.100"))
	r.every(4.5, 6.5, 1, h1)
	if g := r.ids("garp-missing"); len(g) != 0 {
		t.Fatalf("garp-missing despite GARP: %+v", g)
	}
}

// FRR vrrpd announces its addresses when it takes over but sends its first
// IPv6 advert one Advertisement_Interval later (seen with FRR 8.4 in the
// lab: unsolicited NA 1.0003 s before the first advert). That announcement
// counts; one from long before the takeover does not.
func TestGARPBeforeFirstAdvert(t *testing.T) {
	for _, c := range []struct {
		garp    float64
		missing bool
	}{{6.597, false}, {5.0, true}} {
		r := newRig(t, track.Options{})
		r.every(0, 3, 1, h2)
		r.feed(at(c.garp), garp(t, "02:00:00:00:01:0b", "192.0.2.100"))
		r.every(7.6, 10.6, 1, h1)
		if g := r.ids("garp-missing"); (len(g) == 1) != c.missing || len(g) > 1 {
			t.Errorf("GARP at %.3f s, first advert at 7.6 s: garp-missing %+v, want %v", c.garp, g, c.missing)
		}
	}
}

// A preempted master that still holds the VIP for a moment answers the new
// master's gratuitous ARP (seen in the lab with keepalived unicast peers and
// a promiscuous capture: host 2's reply came 16 µs after host 1's first
// GARP, 136 µs after host 1's first advert). That is the old master's last
// breath, like its last advert in flight; the same claim later is a conflict.
func TestPreemptedMasterAnswersGARP(t *testing.T) {
	for _, c := range []struct {
		reply    float64
		conflict bool
	}{{5.300136, false}, {7.0, true}} {
		r := newRig(t, track.Options{})
		r.every(0, 5, 1, h2)
		r.feed(at(0.001), garp(t, "02:00:00:00:01:0c", "192.0.2.100"))
		r.advert(5.3, h1)
		r.feed(at(5.30012), garp(t, "02:00:00:00:01:0b", "192.0.2.100"))
		r.feed(at(c.reply), garp(t, "02:00:00:00:01:0c", "192.0.2.100"))
		r.feed(at(c.reply+0.00001), garp(t, "02:00:00:00:01:0b", "192.0.2.100"))
		r.every(6.3, 9.3, 1, h1)
		if got := len(r.ids("vip-arp-conflict")) > 0; got != c.conflict {
			t.Errorf("old master's claim %.6f s after the preemption at 5.3 s: vip-arp-conflict %v, want %v: %+v",
				c.reply-5.3, got, c.conflict, r.got)
		}
	}
}

// Two MACs alternately claiming a VIP while both routers advertise.
func TestVIPARPConflictAndStaleGARP(t *testing.T) {
	r := newRig(t, track.Options{})
	r.every(0, 10, 1, h1)
	r.feed(at(0.001), garp(t, "02:00:00:00:01:0b", "192.0.2.100"))
	r.feed(at(5.001), garp(t, "02:00:00:00:09:09", "192.0.2.100")) // a host with the VIP
	if c := r.ids("vip-arp-conflict"); len(c) != 1 {
		t.Fatalf("vip-arp-conflict %+v", r.got)
	}

	// The old master, silent since its preemption, still sends GARPs.
	r = newRig(t, track.Options{})
	r.every(0, 3, 1, h2)
	r.every(3.5, 12.5, 1, h1)
	r.feed(at(3.501), garp(t, "02:00:00:00:01:0b", "192.0.2.100"))
	r.feed(at(8.6), garp(t, "02:00:00:00:01:0c", "192.0.2.100"))
	if s := r.ids("stale-garp"); len(s) != 1 || strings.Join(s[0].f.Routers, ",") != "192.0.2.12,192.0.2.11" {
		t.Fatalf("stale-garp %+v", r.got)
	}
}

// IPv4 and IPv6 groups with one VRID are independent.
func TestFamiliesIndependent(t *testing.T) {
	r := newRig(t, track.Options{})
	v6 := adv{src: "fe80::1", version: decode.V3, vrid: 51, prio: 100, vips: []string{"fe80::51", "2001:db8::51"}}
	for s := 0.0; s < 3; s += 1 {
		r.advert(s, h1)
		r.advert(s+0.5, v6)
	}
	r.only()
	if s := r.tr.Snapshot(); len(s) != 2 || s[0].Key.Family != "ipv4" || s[1].Key.Family != "ipv6" {
		t.Fatalf("groups %+v", s)
	}
}

// late-advert for a gap of 2.5 intervals or more, not for one of 2.
func TestLateAdvert(t *testing.T) {
	r := newRig(t, track.Options{})
	r.every(0, 3, 1, h1)
	r.advert(5, h1)
	if len(r.ids("late-advert")) != 0 {
		t.Fatal("late-advert for a 2 s gap")
	}
	r.advert(7.8, h1)
	if l := r.ids("late-advert"); len(l) != 1 || !l[0].at.Equal(at(7.8)) {
		t.Fatalf("late-advert %+v", l)
	}
}

// A split brain is an incident: it opens at the second master's first
// advert and closes when one side falls silent, ended at that side's last
// advert; the next one is a new incident, counted on the same finding.
func TestSplitBrainEpisodes(t *testing.T) {
	r := newRig(t, track.Options{})
	for s := 0.0; s <= 5; s++ {
		r.advert(s, h1)
		r.advert(s+0.3, h2)
	}
	if st := r.tr.Snapshot()[0].State; st != track.StateSplitBrain {
		t.Fatalf("state %s", st)
	}
	r.every(6, 20, 1, h1)
	if st := r.tr.Snapshot()[0].State; st != track.StateOK {
		t.Fatalf("state after h2 stopped: %s", st)
	}
	r.advert(20.3, h2)
	sb := r.ids("split-brain")
	if len(sb) != 3 || !sb[2].at.Equal(at(20.3)) || sb[2].f.Count < 2 || !sb[2].f.First.Equal(at(0.3)) {
		t.Fatalf("episodes %+v", sb)
	}
	open1, close1, open2 := sb[0].f, sb[1].f, sb[2].f
	if open1.Phase != track.PhaseOpen || open1.Incident != 1 || !open1.Start.Equal(at(0.3)) {
		t.Errorf("first opening %s #%d at %v", open1.Phase, open1.Incident, open1.Start)
	}
	// h2's last advert was at 5.3 s, h1's next at 6 s made it a backup;
	// the close is known one Master_Down_Interval later.
	if close1.Phase != track.PhaseClose || close1.Incident != 1 || !close1.End.Equal(at(6)) ||
		close1.Duration(time.Time{}) != 5700*time.Millisecond {
		t.Errorf("first close %s #%d end %v", close1.Phase, close1.Incident, close1.End)
	}
	want := "split brain in ipv4 vrid 51 ended after 5.700 s: 192.0.2.12 went back to backup at 192.0.2.11's next advert (or stopped); 192.0.2.11 (priority 150) remains master"
	if close1.Message != want {
		t.Errorf("close message\n got %s\nwant %s", close1.Message, want)
	}
	if open2.Phase != track.PhaseOpen || open2.Incident != 2 || !open2.Start.Equal(at(20.3)) || !open2.End.IsZero() {
		t.Errorf("second opening %s #%d at %v end %v", open2.Phase, open2.Incident, open2.Start, open2.End)
	}
	inc := r.tr.Incidents()
	if len(inc) != 2 || !inc[0].End.Equal(at(6)) || !inc[1].End.IsZero() {
		t.Errorf("incidents %+v", inc)
	}
}

// A master-down opens when Master_Down_Interval passes and closes at the
// next advert with a priority above 0.
func TestMasterDownCloses(t *testing.T) {
	r := newRig(t, track.Options{})
	r.every(0, 3, 1, h1)
	r.every(10, 12, 1, h2)
	md := r.ids("master-down")
	if len(md) != 2 || md[0].f.Phase != track.PhaseOpen || md[1].f.Phase != track.PhaseClose || md[0].f.Incident != md[1].f.Incident {
		t.Fatalf("master-down %+v", md)
	}
	if !md[1].f.End.Equal(at(10)) || !strings.Contains(md[1].f.Message, "192.0.2.12 (priority 100) took over") {
		t.Errorf("close at %v: %s", md[1].f.End, md[1].f.Message)
	}
}

func TestChecksumV2Style(t *testing.T) {
	r := newRig(t, track.Options{})
	r.advert(0, with(h1, func(a *adv) { a.version, a.flavour = decode.V3, decode.FlavourMessageOnly }))
	r.only("checksum-v2-style")
}

// A split brain that ends because the real master dies is not a takeover:
// the other side was advertising all along, so the failover says so and
// quotes no protocol timer.
func TestSplitBrainEndsWhenMasterDies(t *testing.T) {
	r := newRig(t, track.Options{})
	for s := 0.0; s <= 10; s += 0.5 {
		if s == float64(int(s)) && s <= 5 {
			r.advert(s, h1)
		}
		if s >= 2.5 && s != float64(int(s)) {
			r.advert(s, h2)
		}
	}
	if sb := r.ids("split-brain"); len(sb) != 2 || sb[1].f.Phase != track.PhaseClose || !sb[1].f.End.Equal(at(5)) {
		t.Fatalf("split brain not seen opening and closing at h1's last advert: %+v", r.got)
	}
	fo := r.ids("failover")
	if len(fo) != 1 {
		t.Fatalf("failover %+v", fo)
	}
	f := fo[0].f
	if f.Evidence["reason"] != "split-brain-end" || f.Evidence["allowed_s"] != nil {
		t.Errorf("evidence %v", f.Evidence)
	}
	if !strings.Contains(f.Message, "192.0.2.11 went silent while 192.0.2.12") || strings.Contains(f.Message, "Master_Down_Interval") {
		t.Errorf("message %q", f.Message)
	}
	// The master died at 5 s; the change is seen at 3 intervals of silence.
	if !fo[0].at.Equal(at(8.5)) {
		t.Errorf("failover at %v, want %v", fo[0].at, at(8.5))
	}
}

// An incident kept by every advert that shows it (bad-ttl) closes once
// the router's adverts no longer show it for 3 intervals + 1 s, ended at
// the last advert that did.
func TestSeenIncidentCloses(t *testing.T) {
	r := newRig(t, track.Options{})
	r.every(0, 3, 1, with(h1, func(a *adv) { a.ttl = 254 }))
	r.every(4, 12, 1, h1)
	bt := r.ids("bad-ttl")
	if len(bt) != 2 || bt[0].f.Phase != track.PhaseOpen || bt[1].f.Phase != track.PhaseClose {
		t.Fatalf("bad-ttl %+v", bt)
	}
	if c := bt[1].f; !c.End.Equal(at(3)) || c.Incident != bt[0].f.Incident ||
		!strings.Contains(c.Message, "bad-ttl in ipv4 vrid 51 ended after 3.000 s: 192.0.2.11 sent no advert showing it since") {
		t.Errorf("close at %v: %s", c.End, c.Message)
	}
}
