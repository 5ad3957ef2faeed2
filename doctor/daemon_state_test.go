package doctor

import (
	"context"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/daemons"
)

// TestWhatIf checks the what-if arithmetic on the classic case: a
// master at 150 with a health check of weight 2 over a backup at 100.
func TestWhatIf(t *testing.T) {
	in := &daemons.Instance{Name: "VI_1", Priority: 150, Effective: 152}
	cases := []struct {
		name string
		row  tracked
		peer int
		want string
	}{
		{"positive weight, too small", tracked{kind: "track_script", name: "chk_haproxy", weight: 2, known: true, now: 2, ifFails: 0}, 100,
			"if track_script chk_haproxy fails: 152 → 150; the peer advertises 100: this check can never move the VIP (weight must exceed 52)"},
		{"negative weight, large enough", tracked{kind: "track_script", name: "chk_strong", weight: -60, known: true, now: 0, ifFails: -60}, 100,
			"if track_script chk_strong fails: 152 → 92; the peer advertises 100: the VIP moves to the peer"},
		{"a tie", tracked{kind: "track_interface", name: "eth1", weight: -52, known: true, ifFails: -52}, 100,
			"if track_interface eth1 fails: 152 → 100; the peer advertises 100: a tie, the higher IP address wins (weight must exceed 52 to move the VIP for sure)"},
		{"weight 0", tracked{kind: "track_script", name: "chk_zero", known: true}, 100,
			"if track_script chk_zero fails: FAULT (weight 0): the instance gives up the VIP"},
		{"failing now", tracked{kind: "track_script", name: "chk_fail", weight: -20, known: true, failing: true, now: -20, ifFails: -20}, 100,
			"track_script chk_fail fails now (-20): priority 152; when it recovers 172"},
		{"no peer", tracked{kind: "track_script", name: "chk_haproxy", weight: 2, known: true, now: 2}, -1,
			"if track_script chk_haproxy fails: 152 → 150"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := whatIfLine(in, c.row, c.peer, "192.0.2.12 on the wire"); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	for _, c := range []struct {
		w                int
		reverse, failing bool
		want             int
	}{{2, false, false, 2}, {2, false, true, 0}, {-20, false, true, -20}, {-20, false, false, 0}, {-20, true, false, -20}, {0, false, true, 0}} {
		if got := contribution(c.w, c.reverse, c.failing); got != c.want {
			t.Errorf("contribution(%d, reverse %t, failing %t) = %d, want %d", c.w, c.reverse, c.failing, got, c.want)
		}
	}
}

// TestFRRFamily checks the macvlan rules on states as "show vrrp json"
// and "ip -j -d link show" give them.
func TestFRRFamily(t *testing.T) {
	r := daemons.FRRRouter{VRID: 5, Version: 3, Interface: "eth0"}
	f := &daemons.FRR{PID: 7}
	mv := func(name, mode, gen string, protodown bool) *daemons.Link {
		return &daemons.Link{Name: name, Kind: "macvlan", Mode: mode, AddrGenMode: gen, ProtoDown: protodown, Up: true}
	}
	cases := []struct {
		name string
		n    int
		fam  daemons.FRRFamily
		st   Status
		want string
	}{
		{"master, bridge", 4, daemons.FRRFamily{Interface: "vrrp4-5", Status: "Master", Macvlan: mv("vrrp4-5", "bridge", "random", false)}, Pass, "Master"},
		{"private", 4, daemons.FRRFamily{Interface: "vrrp4-5", Status: "Master", Macvlan: mv("vrrp4-5", "private", "random", false)}, Fail, "in mode private, not bridge"},
		{"eui64 on IPv6", 6, daemons.FRRFamily{Interface: "vrrp6-5", Status: "Backup", Macvlan: mv("vrrp6-5", "bridge", "eui64", true)}, Fail, "addrgenmode eui64, not random"},
		{"master protodown", 4, daemons.FRRFamily{Interface: "vrrp4-5", Status: "Master", Macvlan: mv("vrrp4-5", "bridge", "random", true)}, Fail, "Master but vrrp4-5 is protodown"},
		{"backup without protodown", 6, daemons.FRRFamily{Interface: "vrrp6-5", Status: "Backup", Macvlan: mv("vrrp6-5", "bridge", "random", false)}, Fail, "Backup but vrrp6-5 is up without protodown"},
		{"no macvlan", 4, daemons.FRRFamily{Status: "Initialize"}, Fail, "no macvlan with the virtual MAC 00:00:5e:00:01:05 on eth0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := frrFamily(context.Background(), &Env{}, f, r, c.n, &c.fam, "vrrpd pid 7")
			if got.Status != c.st || !strings.Contains(got.Message, c.want) || (c.st == Fail && got.Fix == "") {
				t.Errorf("got %s %q (fix %q), want %s with %q", got.Status, got.Message, got.Fix, c.st, c.want)
			}
		})
	}
}
