package dump_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestLabFlightRecorder: vrrpdump -i br0 --ring 3s --save DIR watches a
// steady keepalived pair; then the backup's firewall drops protocol 112 and
// it turns master beside the real one. Exactly one pcap is saved, holding
// the real master's adverts from before the split brain and both masters'
// after it, with the report beside it; the ring stayed within its bound.
// --report is written when the live run is stopped (SIGINT).
func TestLabFlightRecorder(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables)
	l := lab.New(t, lab.Config{Hosts: 2})
	dir := t.TempDir()
	live := filepath.Join(t.TempDir(), "live.html") // the report a live run writes when it is stopped
	p := l.Bridge().Start(t, vrrpdumpBinary(t), "-i", l.BridgeIface(), "--lines", "--duration", "120s", "--ring", "3s", "--save", dir,
		"--report", live)
	w := &watch{t, p}
	time.Sleep(300 * time.Millisecond) // let the capture attach (as startWatch)
	k1 := l.Host(1).StartKeepalived(t, kaConf(v2h1))
	k2 := l.Host(2).StartKeepalived(t, kaConf(v2h2))
	k1.Await(t, "Entering MASTER STATE", 15*time.Second)
	k2.Await(t, "Entering BACKUP STATE", 10*time.Second)
	time.Sleep(3 * time.Second) // three of h1's adverts in the ring before the fault
	k2.Mark()
	l.Host(2).DropVRRP(t, lab.Input, lab.Iptables)
	k2.Await(t, "Entering MASTER STATE", 10*time.Second)
	// The save comes 5 s after the split brain is raised.
	deadline := time.Now().Add(20 * time.Second)
	var saved []string
	for time.Now().Before(deadline) {
		saved, _ = filepath.Glob(filepath.Join(dir, "*.pcap"))
		if len(saved) > 0 && strings.Contains(p.Log(), "vrrpdump: saved ") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a second incident, if there were one, would start now
	w.end()
	log := p.Log()
	saved, _ = filepath.Glob(filepath.Join(dir, "*.pcap"))
	if len(saved) != 1 {
		t.Fatalf("saved %v, want exactly one pcap\n%s", saved, log)
	}
	if !strings.Contains(filepath.Base(saved[0]), "-ipv4-vrid51_split-brain.pcap") {
		t.Errorf("saved %s: want the group and the finding in its name", saved[0])
	}
	if _, err := os.Stat(strings.TrimSuffix(saved[0], ".pcap") + ".html"); err != nil {
		t.Errorf("no report beside the pcap: %v", err)
	}
	times, srcs := frameTimes(t, saved[0])
	first12 := slices.Index(srcs, "192.0.2.12")
	if first12 < 0 {
		t.Fatalf("no advert of the second master in the saved pcap (adverts from %v)", srcs)
	}
	// Frames before: h1's adverts only, up to the ring's span before the
	// split brain; after: both masters, up to 5 s on.
	before, after := 0, 0
	for _, s := range srcs[:first12] {
		if s == "192.0.2.11" {
			before++
		}
	}
	for _, s := range srcs[first12:] {
		if s == "192.0.2.12" {
			after++
		}
	}
	if before < 2 || after < 3 {
		t.Errorf("%d adverts of 192.0.2.11 before the split brain and %d of 192.0.2.12 after it; want the ring's 3 s before and 5 s after", before, after)
	}
	if span := times[len(times)-1].Sub(times[0]); span < 6*time.Second || span > 9*time.Second {
		t.Errorf("the saved frames span %v, want about 3 s before and 5 s after the split brain", span)
	}
	if b, err := os.ReadFile(live); err != nil || !strings.Contains(string(b), `<svg class="timeline" data-group="br0 ipv4 vrid 51"`) ||
		!strings.Contains(string(b), `class="split"`) {
		t.Errorf("the live run's report on SIGINT: %v", err)
	}
	m := regexp.MustCompile(`ring held at most (\d+) bytes of frames \(bound (\d+)\), (\d+) frames lost`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no flight recorder summary in\n%s", log)
	}
	peak, _ := strconv.Atoi(m[1])
	if peak <= 0 || peak > dump.RingMaxBytes || m[3] != "0" {
		t.Errorf("ring peak %d bytes (bound %d), %s frames lost", peak, dump.RingMaxBytes, m[3])
	}
	t.Logf("saved %s: %d frames, %d adverts of h1 before, %d of h2 after; ring peak %d bytes", filepath.Base(saved[0]), len(times), before, after, peak)
}
