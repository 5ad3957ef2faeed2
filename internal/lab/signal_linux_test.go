package lab_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestHelperLab is not a test: run by TestInterrupt and TestSweep as a
// child process (HelperEnv set to a lab name), it builds a lab with
// keepalived on host 1, prints "READY <pid>..." and waits to be signalled.
func TestHelperLab(t *testing.T) {
	name := os.Getenv(lab.HelperEnv)
	if name == "" {
		t.Skip("helper process for TestInterrupt and TestSweep")
	}
	l := lab.New(t, lab.Config{Name: name, Hosts: 2})
	k := l.Host(1).StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{VRID: 7, VIPs: []netip.Prefix{vip100}}))
	ctx := timeout(t, 15*time.Second)
	if _, err := k.WaitLog(ctx, "Startup complete"); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("READY %s\n", strings.Trim(fmt.Sprint(k.Pids()), "[]"))
	time.Sleep(time.Minute) // waiting to be killed
	t.Fatal("helper was not signalled")
}

// startHelper runs TestHelperLab with lab name and returns it with the
// pids of its keepalived processes once it is ready.
func startHelper(t *testing.T, name string) (*exec.Cmd, *bytes.Buffer, []int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLab$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), lab.HelperEnv+"="+name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan []int, 1)
	var out bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(&out, sc.Text())
			if rest, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				var pids []int
				for _, f := range strings.Fields(rest) {
					pid, _ := strconv.Atoi(f)
					pids = append(pids, pid)
				}
				ready <- pids
			}
		}
		close(ready)
	}()
	select {
	case pids, ok := <-ready:
		if !ok || len(pids) < 2 {
			t.Fatalf("helper not ready (pids %v):\n%s\n%s", pids, &out, &stderr)
		}
		return cmd, &stderr, pids
	case <-time.After(30 * time.Second):
		t.Fatalf("helper not ready after 30s:\n%s\n%s", &out, &stderr)
	}
	return nil, nil, nil
}

// namespaces lists "ip netns list" entries of the lab called name.
func namespaces(t *testing.T, name string) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns list: %v\n%s", err, out)
	}
	var ns []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "vk-"+name+"-") {
			ns = append(ns, f[0])
		}
	}
	return ns
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || !bytes.HasPrefix(bytes.TrimSpace(b[i+1:]), []byte("Z"))
}

// waitDead waits up to d for pids to be gone and returns those still alive.
func waitDead(pids []int, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		var left []int
		for _, pid := range pids {
			if alive(pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond) // polling the kernel, not waiting for luck
	}
}

func TestInterrupt(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived)
	const name = "sigint-test"
	cmd, stderr, pids := startHelper(t, name)
	if ns := namespaces(t, name); len(ns) != 3 {
		t.Fatalf("helper lab has namespaces %v, want 3", ns)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 128+int(syscall.SIGINT) {
			t.Errorf("helper exit: %v, want exit status 130\n%s", err, stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("helper still running 20s after SIGINT:\n%s", stderr)
	}
	if !strings.Contains(stderr.String(), "tearing down 1 lab(s)") {
		t.Errorf("helper did not report the teardown:\n%s", stderr)
	}
	if ns := namespaces(t, name); len(ns) != 0 {
		t.Errorf("namespaces left after SIGINT: %v", ns)
	}
	if left := waitDead(pids, 5*time.Second); len(left) > 0 {
		t.Errorf("keepalived processes %v alive after SIGINT (of %v)", left, pids)
	}
	out, err := exec.Command("ip", "-o", "link", "show", "type", "veth").CombinedOutput()
	if err != nil {
		t.Fatalf("ip link: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "vk-"+name+"-") {
			t.Errorf("veth left in the root namespace: %s", line)
		}
	}
	if _, err := os.Stat("/run/vrrpkit-lab/" + name); err == nil {
		t.Errorf("state directory /run/vrrpkit-lab/%s left behind", name)
	}
}

// TestSweep kills a lab's process outright, so nothing is cleaned up, and
// checks that the next lab of that name removes the leftovers.
func TestSweep(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived)
	const name = "sweep-test"
	cmd, _, pids := startHelper(t, name)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// keepalived dies with its parent (Pdeathsig); the namespaces stay.
	if left := waitDead(pids, 5*time.Second); len(left) > 0 {
		t.Errorf("keepalived processes %v survived SIGKILL of the test binary", left)
	}
	if ns := namespaces(t, name); len(ns) != 3 {
		t.Fatalf("after SIGKILL: namespaces %v, want the 3 stale ones", ns)
	}
	l := lab.New(t, lab.Config{Name: name, Hosts: 1})
	if ns := namespaces(t, name); len(ns) != 2 {
		t.Errorf("new 1-host lab: namespaces %v, want vk-%s-br and -h1 only", ns, name)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if ns := namespaces(t, name); len(ns) != 0 {
		t.Errorf("after Close: namespaces %v", ns)
	}
}
