package dump_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// Scenarios where the routers' configurations disagree.

// TestLabVIPMismatch: host 1 has one more VIP than host 2. keepalived
// (VRRPv2) discards an advert whose address list differs from its own
// ("received an unexpected ip number count 2, expected 1!"), so host 2
// never hears a valid master and takes over too: a real split brain,
// whose cause vrrpdump finds in the address lists.
//
// Host 1 discards host 2's adverts in turn, and a keepalived master that
// discards an advert re-arms its advert timer (see TestLabVRIDCollision):
// in some runs host 1 falls silent for good as host 2's adverts start
// while it stays master. The wire then shows a split brain that ends with
// host 1's silence, and vrrpdump rightly adds the failover from host 1 to
// host 2 after Master_Down_Interval (master-silent); the group is left with
// one master of mismatched configuration.
func TestLabVIPMismatch(t *testing.T) {
	t.Parallel()
	a := v2h1
	a.VIPs = []string{"192.0.2.100/24", "192.0.2.101/24"}
	_, _, k2, w := pair(t, a, v2h2)
	k2.Await(t, "Entering MASTER STATE", 10*time.Second)
	time.Sleep(3 * time.Second)
	r := w.stop()
	// keepalived 2.2.7 logs the first, later versions the second.
	if !regexp.MustCompile(`unexpected ip number count 2, expected 1|expected 1 VIPs but received 2`).MatchString(k2.Log()) {
		t.Errorf("host 2 did not log discarding host 1's adverts:\n%s", k2.Log())
	}
	g := r.summary.Groups
	if len(g) != 1 {
		t.Fatalf("groups: %+v", g)
	}
	h1, h2 := routerByPrio(g[0], 150), routerByPrio(g[0], 100)
	if h1 == nil || h2 == nil {
		t.Fatalf("routers: %+v", g[0].Routers)
	}
	wants := []want{
		{"vip-mismatch", "ipv4", 51, []string{"192.0.2.11", "192.0.2.12"}},
		{"split-brain", "ipv4", 51, []string{"192.0.2.11", "192.0.2.12"}},
		{"vip-arp-conflict", "ipv4", 51, []string{"192.0.2.11", "192.0.2.12"}},
		{"auth-plaintext", "ipv4", 51, []string{"192.0.2.11"}},
		{"auth-plaintext", "ipv4", 51, []string{"192.0.2.12"}},
	}
	state := "SPLIT-BRAIN"
	if silent := h2.Last.Sub(h1.Last); silent > time.Duration(mdi100*float64(time.Second)) {
		t.Logf("host 1 fell silent %s before the end (its last advert %s after host 2's first): the failover is on the wire",
			silent, h1.Last.Sub(h2.First))
		wants = append(wants, want{"failover", "ipv4", 51, []string{"192.0.2.11", "192.0.2.12"}})
		state = "MISMATCH"
	}
	f := r.exact(t, wants...)
	if sb := f[1]; sb != nil {
		if fields, _ := sb.Evidence["fields"].([]any); len(fields) != 1 || fields[0] != "vips" {
			t.Errorf("split-brain: cause fields %v, want [vips]: %s", sb.Evidence["fields"], sb.Cause)
		}
	}
	if string(g[0].State) != state {
		t.Errorf("group state %s, want %s", g[0].State, state)
	}
}

// TestLabVRIDCollision: two unrelated pairs on one link share VRID 51,
// pair A (hosts 1 and 2, VIP 192.0.2.100) and pair B (hosts 3 and 4, VIP
// 192.0.2.110). keepalived discards the other pair's adverts ("ip address
// associated with VRID 51 not present in MASTER advert"), so each pair
// elects its own master: two masters of one VRID, which is not a split
// brain (they serve different addresses) and not a VIP mismatch (the sets
// do not overlap), but a collision. Each VIP is claimed by one MAC only.
//
// The collision hurts more than it shows: a keepalived master that
// discards an advert re-arms its advert timer, so the two masters lock
// their phases and one of them may stop advertising altogether (in most
// runs here host 1 sends one or two adverts, then none while it stays
// master). Its backup then takes over after Master_Down_Interval: a split
// brain inside that pair. The test stops before that, and asserts
// only what every run shows: each master's first advert, so the collision.
func TestLabVRIDCollision(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived)
	l := lab.New(t, lab.Config{Hosts: 4})
	w := startWatch(t, l)
	b1, b2 := v2h1, v2h2
	b1.Priority, b2.Priority = 200, 50
	b1.VIPs, b2.VIPs = []string{"192.0.2.110/24"}, []string{"192.0.2.110/24"}
	k1 := l.Host(1).StartKeepalived(t, kaConf(v2h1))
	k3 := l.Host(3).StartKeepalived(t, kaConf(b1))
	k1.Await(t, "Entering MASTER STATE", 15*time.Second)
	k3.Await(t, "Entering MASTER STATE", 15*time.Second)
	k2 := l.Host(2).StartKeepalived(t, kaConf(v2h2))
	k4 := l.Host(4).StartKeepalived(t, kaConf(b2))
	k2.Await(t, "Entering BACKUP STATE", 10*time.Second)
	k4.Await(t, "Entering BACKUP STATE", 10*time.Second)
	time.Sleep(3 * time.Second)
	r := w.stop()
	for _, k := range []*lab.Daemon{k1, k3} {
		if !strings.Contains(k.Log(), "not present in MASTER advert") {
			t.Errorf("master %s did not log discarding the other pair's adverts:\n%s", k.Host().Name(), k.Log())
		}
	}
	r.exact(t,
		want{"vrid-collision", "ipv4", 51, []string{"192.0.2.11", "192.0.2.13"}},
		want{"auth-plaintext", "ipv4", 51, []string{"192.0.2.11"}},
		want{"auth-plaintext", "ipv4", 51, []string{"192.0.2.13"}},
	)
	g := r.summary.Groups
	if len(g) != 1 || len(g[0].Routers) != 2 || g[0].Changes != 0 || g[0].State != "COLLISION" {
		t.Fatalf("groups: %+v, want one in state COLLISION", g)
	}
	t.Logf("adverts seen: %s %d, %s %d", g[0].Routers[0].Addr, g[0].Routers[0].Count, g[0].Routers[1].Addr, g[0].Routers[1].Count)
	for _, v := range g[0].VIPs {
		mac := map[string]string{"192.0.2.100": l.Host(1).MAC().String(), "192.0.2.110": l.Host(3).MAC().String()}[v.Addr]
		if v.MAC != mac || v.PrevMAC != "" {
			t.Errorf("VIP %s claimed by %s (before: %q), want only %s", v.Addr, v.MAC, v.PrevMAC, mac)
		}
	}
}
