package dump_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestLabCaptureGap: vrrpdump captures on a bridge port while a keepalived
// pair runs; the port goes down and up (its cable pulled for 2 s). The
// capture goes on, the time it saw nothing is a capture-gap finding with
// its window, the master's advert after it is late only because of the
// capture (its cause says so), and the pair, which never noticed, shows no
// failover.
func TestLabCaptureGap(t *testing.T) {
	lab.Require(t, lab.NeedKeepalived)
	l := lab.New(t, lab.Config{Hosts: 3})
	h3 := l.Host(3) // runs nothing: vrrpdump watches its port in the bridge
	p := l.Bridge().Start(t, vrrpdumpBinary(t), "-i", h3.Port(), "--json", "--duration", "60s")
	w := &watch{t, p}
	k1 := l.Host(1).StartKeepalived(t, kaConf(v2h1))
	k1.Await(t, "Entering MASTER STATE", 15*time.Second)
	k2 := l.Host(2).StartKeepalived(t, kaConf(v2h2))
	k2.Await(t, "Entering BACKUP STATE", 10*time.Second)
	waitLog(t, p, `"kind":"advert"`, 10*time.Second)

	h3.LinkDown(t)
	time.Sleep(2 * time.Second) // the scenario: the cable is out for 2 s
	h3.LinkUp(t)
	waitLog(t, p, `"id":"capture-gap"`, 10*time.Second)

	r := w.stop()
	gap := r.find("capture-gap")
	if gap == nil {
		r.log(t)
		t.Fatal("no capture-gap")
	}
	// Nothing seen from the port going down to the first advert after it
	// came back: 2 s and up to one advert interval more.
	if s := evidence(gap, "gap_s"); s < 1.8 || s > 4.5 {
		t.Errorf("capture-gap of %.3f s, want 2 to 3 s: %s", s, gap.Message)
	}
	if !strings.Contains(gap.Message, "vrrpdump saw nothing on "+h3.Port()) {
		t.Errorf("capture-gap: %s", gap.Message)
	}
	for _, id := range []string{"failover", "master-down", "split-brain"} {
		if f := r.find(id); f != nil {
			t.Errorf("%s although the pair never noticed the capture's gap: %s", id, f.Message)
		}
	}
	// Frame numbers go on across the reopened capture: frame N is one
	// frame, as in one tcpdump that survived the gap.
	for i := 1; i < len(r.frames); i++ {
		if r.frames[i] <= r.frames[i-1] {
			t.Errorf("advert %d is frame %d, after frame %d: the numbers restarted (reopened: %t)",
				i+1, r.frames[i], r.frames[i-1], strings.Contains(p.Log(), "reopening the capture"))
			break
		}
	}
	if la := r.find("late-advert"); la != nil && !strings.Contains(la.Cause, "the silence may be the capture's") {
		t.Errorf("late-advert after the gap blames the master: %s / %s", la.Message, la.Cause)
	}
}

// waitLog waits until p's output contains s.
func waitLog(t *testing.T, p *lab.Proc, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(p.Log(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v; vrrpdump said:\n%s", s, within, p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
