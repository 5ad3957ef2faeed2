package dump_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestLabSplitBrainCloses: a keepalived pair, then protocol 112 dropped on
// the backup for 10 s: it turns master beside the real one (split brain)
// and goes back to backup once the drop is lifted. The live --lines opens
// the incident, marks both routers' adverts with it, and closes it with a
// duration within one advert interval (1 s) of what keepalived's own log
// says: from the backup entering MASTER to it entering BACKUP again.
func TestLabSplitBrainCloses(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables)
	l := lab.New(t, lab.Config{Hosts: 2})
	p := l.Bridge().Start(t, vrrpdumpBinary(t), "-nn", "-v", "-i", l.BridgeIface(), "--lines", "--duration", "90s")
	w := &watch{t, p}
	time.Sleep(300 * time.Millisecond) // let the capture attach (as startWatch)
	k1 := l.Host(1).StartKeepalived(t, kaConf(v2h1))
	k1.Await(t, "Entering MASTER STATE", 15*time.Second)
	k2 := l.Host(2).StartKeepalived(t, kaConf(v2h2))
	k2.Await(t, "Entering BACKUP STATE", 10*time.Second)

	k2.Mark()
	lift := l.Host(2).DropVRRPUntil(t, lab.Input)
	k2.Await(t, "Entering MASTER STATE", 10*time.Second)
	masterAt := time.Now()
	time.Sleep(10 * time.Second) // the split brain, as planted
	k2.Mark()
	lift()
	k2.Await(t, "Entering BACKUP STATE", 10*time.Second)
	truth := time.Since(masterAt)

	ended := regexp.MustCompile(`!! ENDED split-brain #(\d+) \[br0 ipv4 vrid 51\] split brain in ipv4 vrid 51 ended after ([0-9.]+) s: 192\.0\.2\.12 went back to backup`)
	deadline := time.Now().Add(15 * time.Second) // Master_Down_Interval after its last advert
	var m []string
	for time.Now().Before(deadline) && m == nil {
		m = ended.FindStringSubmatch(p.Log())
		if m == nil {
			time.Sleep(100 * time.Millisecond)
		}
	}
	w.end()
	log := p.Log()
	if m == nil {
		t.Fatalf("no closing of the split brain in --lines:\n%s", tail(log, 40))
	}
	if !strings.Contains(log, "!! ERROR split-brain #"+m[1]+" [br0 ipv4 vrid 51]") {
		t.Errorf("no opening of split-brain #%s", m[1])
	}
	if !strings.Contains(log, "192.0.2.12 > 224.0.0.18: VRRPv2 vrid 51 prio 100") || !strings.Contains(log, "[split-brain #"+m[1]) {
		t.Errorf("the adverts during the split brain do not carry it")
	}
	got, _ := strconv.ParseFloat(m[2], 64)
	// keepalived's MASTER and BACKUP are seen by polling its log (every
	// few tens of ms): well inside the tolerance of one advert interval.
	if d := got - truth.Seconds(); d < -1 || d > 1 {
		t.Errorf("split brain ended after %.3f s on the wire, keepalived was master for %.3f s: more than one advert interval apart", got, truth.Seconds())
	}
	t.Logf("split brain #%s: %.3f s on the wire, %.3f s by keepalived's log", m[1], got, truth.Seconds())
}
