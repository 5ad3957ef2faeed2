package dump_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestLabManyGroups: 20 virtual routers at once (vrid 61 to 80, one VIP
// each), one keepalived per host; host 1 is master of the odd VRIDs and
// host 2 of the even ones. vrrpdump follows every group, with the right
// master and nothing to report. Priorities are 250 and 50 so that the
// Master_Down_Intervals (3.02 s and 3.80 s) are far enough apart for the
// two keepalived, started one after the other, to elect the right master
// without a preemption.
func TestLabManyGroups(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived)
	l := lab.New(t, lab.Config{Hosts: 2})
	w := startWatch(t, l)
	const n = 20
	var c1, c2 []kaInstance
	for i := range n {
		in := kaInstance{Version: 2, VRID: 61 + i, Interval: "1", VIPs: []string{fmt.Sprintf("192.0.2.%d/24", 100+i)}}
		p1, p2 := 250, 50
		if i%2 == 1 {
			p1, p2 = 50, 250
		}
		in.Priority = p1
		c1 = append(c1, in)
		in.Priority = p2
		c2 = append(c2, in)
	}
	k1 := l.Host(1).StartKeepalived(t, kaConf(c1...))
	k2 := l.Host(2).StartKeepalived(t, kaConf(c2...))
	k1.Await(t, "(VI_79) Entering MASTER STATE", 15*time.Second)
	k2.Await(t, "(VI_80) Entering MASTER STATE", 15*time.Second)
	time.Sleep(3 * time.Second)
	r := w.stop()
	r.exact(t)
	if r.summary.Exit != 0 {
		t.Errorf("vrrpdump exit status %d, want 0", r.summary.Exit)
	}
	g := r.summary.Groups
	if len(g) != n {
		t.Fatalf("%d groups tracked, want %d: %+v", len(g), n, g)
	}
	for i, s := range g {
		master, mac := "192.0.2.11", l.Host(1).MAC().String()
		if i%2 == 1 {
			master, mac = "192.0.2.12", l.Host(2).MAC().String()
		}
		if int(s.Key.VRID) != 61+i || s.State != "OK" || s.Master != master || s.Changes != 0 || len(s.Routers) != 1 ||
			s.Routers[0].Count < 3 || len(s.VIPs) != 1 || s.VIPs[0].MAC != mac {
			t.Errorf("group [%s]: %s master %s, %d changes, routers %+v, VIPs %+v; want OK, master %s (%s) since the start",
				s.Key, s.State, s.Master, s.Changes, s.Routers, s.VIPs, master, mac)
		}
	}
	t.Logf("%d groups, %d adverts", len(g), r.adverts)
}
