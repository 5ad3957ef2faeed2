package dump_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
	"github.com/vrrpkit/vrrpkit/track"
)

// These tests run the real vrrpdump binary live on the lab's bridge while
// real keepalived plays a scenario, and assert the exact findings.

func vrrpdumpBinary(t *testing.T) string { return lab.Binary(t, "../cmd/vrrpdump") }

// kaInstance is one keepalived vrrp_instance, written out in full so that
// scenarios can get fields wrong the way operators do.
type kaInstance struct {
	Version  int
	VRID     int
	Priority int
	Interval string // advert_int
	AuthPass string
	VIPs     []string
	Unicast  [2]string // unicast_src_ip, unicast_peer
	UseVMAC  bool      // use_vmac: a macvlan with 00:00:5e:00:01:<vrid>
}

func kaConf(ins ...kaInstance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global_defs {\n    vrrp_version %d\n    vrrp_garp_master_delay 5\n}\n", ins[0].Version)
	for _, i := range ins {
		fmt.Fprintf(&b, "vrrp_instance VI_%d {\n    state BACKUP\n    interface eth0\n    virtual_router_id %d\n", i.VRID, i.VRID)
		fmt.Fprintf(&b, "    version %d\n    priority %d\n    advert_int %s\n", i.Version, i.Priority, i.Interval)
		if i.AuthPass != "" {
			fmt.Fprintf(&b, "    authentication {\n        auth_type PASS\n        auth_pass %s\n    }\n", i.AuthPass)
		}
		if i.UseVMAC {
			b.WriteString("    use_vmac\n")
		}
		if i.Unicast[0] != "" {
			fmt.Fprintf(&b, "    unicast_src_ip %s\n    unicast_peer {\n        %s\n    }\n", i.Unicast[0], i.Unicast[1])
		}
		fmt.Fprintf(&b, "    virtual_ipaddress {\n        %s\n    }\n}\n", strings.Join(i.VIPs, "\n        "))
	}
	return b.String()
}

// watch is a running vrrpdump --json on the bridge.
type watch struct {
	t    *testing.T
	proc *lab.Proc
}

// startWatch runs vrrpdump on br0. It also writes the frames to a pcap in
// the test's artifact directory (kept with go test -artifacts), so a
// failure can be replayed with vrrpdump -r.
func startWatch(t *testing.T, l *lab.Lab, extra ...string) *watch {
	pcap := filepath.Join(t.ArtifactDir(), fmt.Sprintf("vrrpdump-%d.pcap", time.Now().UnixNano()))
	args := append([]string{"-i", l.BridgeIface(), "--json", "--duration", "120s", "-w", pcap}, extra...)
	p := l.Bridge().Start(t, vrrpdumpBinary(t), args...)
	// Let libpcap attach before the daemons start.
	time.Sleep(300 * time.Millisecond)
	return &watch{t, p}
}

// result is what vrrpdump said.
type result struct {
	findings []track.Finding
	summary  struct {
		Groups   []track.GroupSnapshot `json:"groups"`
		Findings []track.Finding       `json:"findings"`
		Exit     int                   `json:"exit"`
		Stats    track.Stats           `json:"stats"`
	}
	adverts int
	frames  []int // the adverts' frame numbers, in order
}

// stop ends the capture (SIGINT, as a user would) and parses the NDJSON;
// it fails the test when vrrpdump saw no advert.
func (w *watch) stop() *result {
	w.t.Helper()
	r := w.end()
	if r.adverts == 0 {
		w.t.Fatalf("vrrpdump saw no adverts; its output:\n%s", w.proc.Log())
	}
	return r
}

// end is stop without the check for adverts.
func (w *watch) end() *result {
	w.t.Helper()
	w.proc.Signal(syscall.SIGINT)
	select {
	case <-w.proc.Done():
	case <-time.After(10 * time.Second):
		w.t.Fatalf("vrrpdump did not stop on SIGINT")
	}
	var r result
	sc := bufio.NewScanner(strings.NewReader(w.proc.Log()))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var k struct {
			Kind  string
			Frame int
		}
		if json.Unmarshal(line, &k) != nil {
			continue
		}
		switch k.Kind {
		case "advert":
			r.adverts++
			r.frames = append(r.frames, k.Frame)
		case "finding":
			var f track.Finding
			json.Unmarshal(line, &f)
			r.findings = append(r.findings, f)
		case "summary":
			json.Unmarshal(line, &r.summary)
		}
	}
	return &r
}

// ids returns the set of finding ids, with severities, vrrpdump reported.
func (r *result) ids() map[string]track.Severity {
	m := map[string]track.Severity{}
	for _, f := range r.summary.Findings {
		m[f.ID] = f.Severity
	}
	return m
}

func (r *result) find(id string) *track.Finding {
	for i := range r.summary.Findings {
		if r.summary.Findings[i].ID == id {
			return &r.summary.Findings[i]
		}
	}
	return nil
}

// expect checks that every wanted id was reported and that no other
// error-severity finding was.
func (r *result) expect(t *testing.T, want ...string) {
	t.Helper()
	got := r.ids()
	for _, id := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("no %s finding; got %v", id, got)
		}
	}
	for id, sev := range got {
		if sev == track.SeverityError && !contains(want, id) {
			t.Errorf("unexpected error finding %s: %+v", id, *r.find(id))
		}
	}
}

// want is a finding a scenario expects: id, group (family, VRID) and routers.
type want struct {
	id      string
	family  string
	vrid    uint8
	routers []string
}

func (w want) String() string {
	return fmt.Sprintf("%s [%s vrid %d] %v", w.id, w.family, w.vrid, w.routers)
}

// exact checks that the summary holds exactly the wanted findings, each
// once (repeats coalesce), of every severity, and returns them in order
// (nil for a missing one).
func (r *result) exact(t *testing.T, wants ...want) []*track.Finding {
	t.Helper()
	out := make([]*track.Finding, len(wants))
	used := make([]bool, len(r.summary.Findings))
	for i, w := range wants {
		for j := range r.summary.Findings {
			f := &r.summary.Findings[j]
			if !used[j] && f.ID == w.id && f.Group.Family == w.family && f.Group.VRID == w.vrid &&
				strings.Join(f.Routers, " ") == strings.Join(w.routers, " ") {
				used[j], out[i] = true, f
				break
			}
		}
		if out[i] == nil {
			t.Errorf("no finding %v", w)
		}
	}
	for j, f := range r.summary.Findings {
		if !used[j] {
			t.Errorf("unexpected %s finding %s [%s] %v: %s %s", f.Severity, f.ID, f.Group, f.Routers, f.Message, f.Cause)
		}
	}
	if t.Failed() {
		r.log(t)
	}
	return out
}

// log prints every finding and group vrrpdump reported.
func (r *result) log(t *testing.T) {
	t.Helper()
	for _, f := range r.summary.Findings {
		t.Logf("finding %s %s [%s] %v x%d: %s | %s | %v", f.Severity, f.ID, f.Group, f.Routers, f.Count, f.Message, f.Cause, f.Evidence)
	}
	for _, g := range r.summary.Groups {
		t.Logf("group [%s] %s master %s changes %d routers %d vips %+v", g.Key, g.State, g.Master, g.Changes, len(g.Routers), g.VIPs)
	}
}

// within checks that a duration evidence value (seconds) of f is within
// tol of want.
func within(t *testing.T, f *track.Finding, key string, want, tol float64) float64 {
	t.Helper()
	got := evidence(f, key)
	if f != nil && (got < want-tol || got > want+tol) {
		t.Errorf("%s %v: %s = %.3f s, want %.3f ± %.2f s", f.ID, f.Routers, key, got, want, tol)
	}
	return got
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func evidence(f *track.Finding, key string) float64 {
	if f == nil {
		return -1
	}
	v, _ := f.Evidence[key].(float64)
	return v
}

func pair(t *testing.T, a, b kaInstance) (*lab.Lab, *lab.Daemon, *lab.Daemon, *watch) {
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables)
	l := lab.New(t, lab.Config{Hosts: 2})
	w := startWatch(t, l)
	k1 := l.Host(1).StartKeepalived(t, kaConf(a))
	k1.Await(t, "Entering MASTER STATE", 15*time.Second)
	k2 := l.Host(2).StartKeepalived(t, kaConf(b))
	return l, k1, k2, w
}

var (
	v2h1 = kaInstance{Version: 2, VRID: 51, Priority: 150, Interval: "1", AuthPass: "secret12", VIPs: []string{"192.0.2.100/24"}}
	v2h2 = kaInstance{Version: 2, VRID: 51, Priority: 100, Interval: "1", AuthPass: "secret12", VIPs: []string{"192.0.2.100/24"}}
)

func TestLabSteadyV2(t *testing.T) {
	t.Parallel()
	_, _, k2, w := pair(t, v2h1, v2h2)
	k2.Await(t, "Entering BACKUP STATE", 10*time.Second)
	time.Sleep(4 * time.Second)
	r := w.stop()
	r.expect(t, "auth-plaintext")
	if len(r.summary.Groups) != 1 || r.summary.Groups[0].Master != "192.0.2.11" || r.summary.Groups[0].State != "OK" {
		t.Errorf("groups: %+v", r.summary.Groups)
	}
}

func TestLabFailoverAndPreempt(t *testing.T) {
	t.Parallel()
	_, k1, k2, w := pair(t, v2h1, v2h2)
	crashAndBack(t, k1, k2)
	r := w.stop()
	r.expect(t, "failover", "auth-plaintext")
	// Master_Down_Interval for priority 100 at 1 s: 3 + 156/256 = 3.609 s.
	var gaps []float64
	for _, f := range r.findings {
		if f.ID == "failover" {
			gaps = append(gaps, evidence(&f, "gap_s"))
		}
	}
	if len(gaps) < 2 {
		t.Fatalf("want two failovers (kill, preempt back), got gaps %v", gaps)
	}
	const mdi = 3.609
	if gaps[0] < mdi-failoverTolerance || gaps[0] > mdi+failoverTolerance {
		t.Errorf("takeover after SIGKILL: gap %.3f s, want Master_Down_Interval %.3f ± %.2f s", gaps[0], mdi, failoverTolerance)
	}
	t.Logf("failover gaps measured on the wire: %v (Master_Down_Interval %.3f s)", gaps, mdi)
}

func TestLabGracefulRelease(t *testing.T) {
	t.Parallel()
	_, k1, k2, w := pair(t, v2h1, v2h2)
	handOver(t, k2, k1.Stop)
	r := w.stop()
	r.expect(t, "release", "failover", "auth-plaintext")
	// After priority 0 the backup waits Skew_Time: (256-100)/256 = 0.609 s.
	f := r.find("failover")
	if gap := evidence(f, "gap_s"); gap < 0.5 || gap > 0.8 {
		t.Errorf("takeover after release: gap %.3f s, want Skew_Time 0.609 s (±0.1)", gap)
	}
}

func TestLabSplitBrainByFirewall(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables)
	l := lab.New(t, lab.Config{Hosts: 2})
	l.Host(2).DropVRRP(t, lab.Input, lab.Iptables)
	w := startWatch(t, l)
	k1 := l.Host(1).StartKeepalived(t, kaConf(v2h1))
	k2 := l.Host(2).StartKeepalived(t, kaConf(v2h2))
	k1.Await(t, "Entering MASTER STATE", 15*time.Second)
	k2.Await(t, "Entering MASTER STATE", 15*time.Second)
	time.Sleep(3 * time.Second)
	r := w.stop()
	r.expect(t, "split-brain", "vip-arp-conflict", "auth-plaintext")
	f := r.find("split-brain")
	if f == nil || !strings.Contains(f.Cause, "192.0.2.12 cannot hear 192.0.2.11") {
		t.Errorf("split-brain cause does not name the deaf side: %+v", f)
	}
	if len(r.summary.Groups) != 1 || r.summary.Groups[0].State != "SPLIT-BRAIN" {
		t.Errorf("group state: %+v", r.summary.Groups)
	}
}

func TestLabAuthMismatch(t *testing.T) {
	t.Parallel()
	b := v2h2
	b.AuthPass = "other123"
	_, _, k2, w := pair(t, v2h1, b)
	k2.Await(t, "Entering MASTER STATE", 10*time.Second)
	time.Sleep(3 * time.Second)
	r := w.stop()
	r.expect(t, "split-brain", "auth-mismatch", "vip-arp-conflict", "auth-plaintext")
	if f := r.find("split-brain"); f == nil || !strings.Contains(strings.ToLower(f.Cause), "auth") {
		t.Errorf("split-brain cause should name the authentication: %+v", f)
	}
}

func TestLabIntervalMismatch(t *testing.T) {
	t.Parallel()
	b := v2h2
	b.Interval = "2"
	_, _, k2, w := pair(t, v2h1, b)
	k2.Await(t, "Entering MASTER STATE", 10*time.Second)
	time.Sleep(4 * time.Second)
	r := w.stop()
	r.expect(t, "split-brain", "interval-mismatch", "vip-arp-conflict", "auth-plaintext")
}

func TestLabV3Fast(t *testing.T) {
	t.Parallel()
	a := kaInstance{Version: 3, VRID: 52, Priority: 150, Interval: "0.1", VIPs: []string{"192.0.2.100/24"}}
	b := a
	b.Priority = 100
	_, _, k2, w := pair(t, a, b)
	k2.Await(t, "Entering BACKUP STATE", 10*time.Second)
	time.Sleep(2 * time.Second)
	r := w.stop()
	r.expect(t)
	g := r.summary.Groups
	if len(g) != 1 || g[0].Master != "192.0.2.11" || len(g[0].Routers) == 0 || g[0].Routers[0].AdverInt != 100*time.Millisecond {
		t.Fatalf("groups: %+v", g)
	}
	if m := g[0].Routers[0].IntervalMean; m < 90*time.Millisecond || m > 115*time.Millisecond {
		t.Errorf("measured mean interval %v, want about 100ms", m)
	}
}
