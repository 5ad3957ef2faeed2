package dump_test

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestLiveKeepsUpWithBusyTrunk sends 50,000 adverts/s from 1,000 groups at
// 10 ms intervals for 10 s (bench/vrrpgen, from a lab host) and checks that
// vrrpdump, capturing live on the bridge, loses none: the kernel reports no
// ring or interface drops, and every advert sent was tracked. A load
// test (make load): it needs both cores of an otherwise idle machine.
// VRRPKIT_LOAD_RATE=N tries another rate (to find the highest without drops).
func TestLiveKeepsUpWithBusyTrunk(t *testing.T) {
	lab.Load(t)
	const (
		groups = 1000
		secs   = 10
	)
	rate := 50000
	if s := os.Getenv("VRRPKIT_LOAD_RATE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("VRRPKIT_LOAD_RATE=%q: want adverts per second", s)
		}
		rate = n
	}
	gen := lab.Binary(t, "../bench/vrrpgen")
	dump := vrrpdumpBinary(t)
	l := lab.New(t, lab.Config{Name: "dumprate", Hosts: 1})
	p := l.Bridge().Start(t, dump, "-i", l.BridgeIface(), "--summary", "--duration", "120s")
	time.Sleep(500 * time.Millisecond) // let the capture attach

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := l.Host(1).Run(ctx, gen, "-i", "eth0", "-groups", strconv.Itoa(groups), "-interval", "10ms",
		"-rate", strconv.Itoa(rate), "-duration", strconv.Itoa(secs)+"s")
	if err != nil {
		t.Fatalf("vrrpgen: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`sent (\d+) adverts in ([\d.]+)s \((\d+)/s\)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("vrrpgen said %q", out)
	}
	sent, _ := strconv.Atoi(m[1])
	if achieved, _ := strconv.Atoi(m[3]); achieved < rate*95/100 {
		t.Fatalf("the generator reached only %d adverts/s of %d: the machine is too loaded to test this", achieved, rate)
	}
	time.Sleep(500 * time.Millisecond) // the last frames reach the capture
	cpu := cpuSeconds(t, p.Pid())
	p.Signal(syscall.SIGINT)
	select {
	case <-p.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("vrrpdump did not stop on SIGINT")
	}
	log := p.Log()
	head := regexp.MustCompile(`(\d+) frames, (\d+) adverts \((\d+) undecodable\), \d+ ARP, \d+ NDP, (\d+) groups`).FindStringSubmatch(log)
	capt := regexp.MustCompile(`capture: (\d+) received, (\d+) dropped by the kernel, (\d+) by the interface`).FindStringSubmatch(log)
	if head == nil || capt == nil {
		t.Fatalf("no summary or capture statistics in vrrpdump's output:\n%s", tail(log, 40))
	}
	adverts, _ := strconv.Atoi(head[2])
	undecodable, _ := strconv.Atoi(head[3])
	ngroups, _ := strconv.Atoi(head[4])
	received, _ := strconv.Atoi(capt[1])
	dropped, _ := strconv.Atoi(capt[2])
	ifdropped, _ := strconv.Atoi(capt[3])
	t.Logf("vrrpgen: %s", strings.TrimSpace(string(out)))
	t.Logf("vrrpdump: %d adverts tracked in %d groups; capture: %d received, %d dropped by the kernel, %d by the interface; %.2f s of CPU for %d s of traffic",
		adverts, ngroups, received, dropped, ifdropped, cpu, secs)
	if dropped != 0 || ifdropped != 0 {
		t.Errorf("the capture dropped %d frames (kernel) and %d (interface)", dropped, ifdropped)
	}
	if adverts != sent || undecodable != 0 {
		t.Errorf("tracked %d adverts (%d undecodable), the generator sent %d", adverts, undecodable, sent)
	}
	if ngroups != groups {
		t.Errorf("%d groups tracked, want %d", ngroups, groups)
	}
}

// cpuSeconds is the user and system CPU time process pid used so far.
func cpuSeconds(t *testing.T, pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatalf("CPU time of vrrpdump: %v", err)
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestPromiscWithNetRawOnly: --promisc needs CAP_NET_RAW only (the AF_PACKET socket's
// packet-socket membership raises the interface's promiscuity); vrrpdump
// checks the interface and would warn if it had not, and does not warn
// falsely, as root or as nobody with CAP_NET_RAW.
func TestPromiscWithNetRawOnly(t *testing.T) {
	lab.Require(t)
	bin := vrrpdumpBinary(t)
	l := lab.New(t, lab.Config{Name: "dumppromisc", Hosts: 1})
	args := []string{"-i", l.BridgeIface(), "--promisc", "--lines", "--duration", "3s"}
	for _, tc := range []struct {
		name string
		cmd  []string
	}{
		{"root", append([]string{bin}, args...)},
		{"nobody with CAP_NET_RAW", append(lab.AsNobody(t, bin, "net_raw"), args...)},
	} {
		p := l.Bridge().Start(t, tc.cmd[0], tc.cmd[1:]...)
		time.Sleep(1500 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		link, err := l.Bridge().Run(ctx, "ip", "-d", "link", "show", l.BridgeIface())
		cancel()
		if err != nil {
			t.Fatalf("ip link: %v\n%s", err, link)
		}
		if !strings.Contains(string(link), "promiscuity 1") {
			t.Errorf("%s: br0 is not promiscuous while vrrpdump --promisc runs:\n%s", tc.name, link)
		}
		// Nothing advertises on this lab: the run ends saying so (exit 1),
		// not with an all-clear.
		if err := p.Wait(); err == nil || !strings.Contains(err.Error(), "exit status 1") ||
			!strings.Contains(p.Log(), "no frame matched on br0: check the interface and the expression") {
			t.Errorf("%s: vrrpdump: %v, want exit status 1 saying no frame matched\n%s", tc.name, err, p.Log())
		}
		if strings.Contains(p.Log(), "promiscuous") {
			t.Errorf("%s: a false warning:\n%s", tc.name, p.Log())
		}
	}
}
