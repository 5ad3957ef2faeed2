package dump_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestLabFRR: FRR vrrpd, VRRPv3 for IPv4 and IPv6 (vrid 5), host 1
// priority 200 and host 2 priority 100, each sending from its macvlans with
// the virtual MACs 00:00:5e:00:01:05 and 00:00:5e:00:02:05. Steady state,
// then host 1's FRR is killed.
//
// What vrrpdump rightly reports, besides the two failovers:
//   - ipv6-first-addr for both routers: FRR lists the configured global
//     VIP first, and RFC 5798 5.2.9 wants a link-local address first.
//   - For IPv6, FRR 8.4 announces the VIP (unsolicited NA) when it takes
//     over but sends its first IPv6 advert one Advertisement_Interval
//     later (RFC 5798 6.4.2 says at once). The wire then shows
//     Master_Down_Interval + 1 s of silence: master-down once the slowest
//     possible backup's Master_Down_Interval (priority 1: 3.996 s) has
//     passed, and an IPv6 failover gap of about 4.609 s. IPv4 takes over
//     after 3.609 s, as the RFC says.
func TestLabFRR(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedFRR)
	l := lab.New(t, lab.Config{Hosts: 2})
	w := startWatch(t, l)
	vip4 := netip.MustParsePrefix("192.0.2.105/24")
	vip6 := netip.MustParsePrefix("2001:db8:1::105/64")
	inst := lab.VRRPInstance{VRID: 5, VIPs: []netip.Prefix{vip4, vip6}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	wait := func(f *lab.FRR, state string) {
		t.Helper()
		for _, fam := range []int{4, 6} {
			if _, err := f.WaitLogRegexp(ctx, lab.FRRState(5, fam, state)); err != nil {
				t.Fatal(err)
			}
		}
	}
	l.Host(1).AddFRRMacvlans(t, 5, vip4, vip6)
	l.Host(2).AddFRRMacvlans(t, 5, vip4, vip6)
	inst.Priority = 200
	f1 := l.Host(1).StartFRR(t, lab.FRRConf(inst))
	wait(f1, "Master")
	inst.Priority = 100
	f2 := l.Host(2).StartFRR(t, lab.FRRConf(inst))
	wait(f2, "Backup")
	time.Sleep(3 * time.Second)
	if err := f1.Kill(); err != nil {
		t.Fatal(err)
	}
	wait(f2, "Master")
	time.Sleep(2 * time.Second)
	r := w.stop()

	groups := r.summary.Groups
	if len(groups) != 2 || groups[0].Key.Family != "ipv4" || groups[1].Key.Family != "ipv6" {
		t.Fatalf("groups: %+v", groups)
	}
	var ll [2]string // IPv6 sources: random link-local addresses of the macvlans
	for i, p := range []uint8{200, 100} {
		rs := routerByPrio(groups[1], p)
		if rs == nil {
			t.Fatalf("no IPv6 router with priority %d: %+v", p, groups[1])
		}
		ll[i] = rs.Addr
	}
	f := r.exact(t,
		want{"failover", "ipv4", 5, []string{"192.0.2.11", "192.0.2.12"}},
		want{"ipv6-first-addr", "ipv6", 5, []string{ll[0]}},
		want{"ipv6-first-addr", "ipv6", 5, []string{ll[1]}},
		want{"master-down", "ipv6", 5, []string{ll[0]}},
		want{"failover", "ipv6", 5, []string{ll[0], ll[1]}},
	)
	gap4 := within(t, f[0], "gap_s", mdi100, failoverTolerance)
	gap6 := within(t, f[4], "gap_s", mdi100+1, failoverTolerance)
	within(t, f[3], "master_down_interval_s", 3.996, 0.001)
	t.Logf("FRR takeover after SIGKILL: IPv4 %.3f s, IPv6 %.3f s on the wire (Master_Down_Interval %.3f s)", gap4, gap6, mdi100)

	for i, g := range groups {
		vmac := []string{"00:00:5e:00:01:05", "00:00:5e:00:02:05"}[i]
		if g.State != "OK" || g.MasterMAC != vmac || g.Changes != 1 {
			t.Errorf("group [%s]: state %s master %s (%s) changes %d, want OK, host 2 from %s, 1 change", g.Key, g.State, g.Master, g.MasterMAC, g.Changes, vmac)
		}
		old := routerByPrio(g, 200)
		if old == nil || old.MAC != vmac || old.Count < 3 || old.AdverInt != time.Second ||
			old.IntervalMean < 950*time.Millisecond || old.IntervalMean > 1050*time.Millisecond {
			t.Errorf("group [%s]: steady master %+v, want adverts every 1 s from %s", g.Key, old, vmac)
		}
		if len(g.VIPs) != 1 || g.VIPs[0].MAC != vmac || g.VIPs[0].PrevMAC != "" || g.VIPs[0].Gratuitous < 2 {
			t.Errorf("group [%s]: VIP claims %+v, want gratuitous ones from %s only", g.Key, g.VIPs, vmac)
		}
	}
}
