package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stopGrace is how long a process gets between SIGTERM and SIGKILL when a
// lab or test ends. keepalived needs about a second to send its priority 0
// advertisements and remove its VIPs.
const stopGrace = 5 * time.Second

// logTail is how much of a log is attached to a failed test.
const logTail = 16 << 10

// Proc is a process started in a lab namespace. It runs in a process group
// of its own, so a terminal's Ctrl-C reaches only the test binary (whose
// signal handler tears the lab down) and Kill can take the whole group.
type Proc struct {
	node    *Node
	desc    string // namespace and command line, for messages
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}

	mu     sync.Mutex // held while signalling the group and while reaping
	reaped bool
	err    error
}

// Start runs name with args in the namespace in the background, stdout and
// stderr going to a log file under t.TempDir(). When t ends the process is
// stopped (SIGTERM, then SIGKILL for its process group after a grace
// period) and, if t failed, the end of its log is attached to the test
// output. Closing the lab stops it too.
func (n *Node) Start(t testing.TB, name string, args ...string) *Proc {
	t.Helper()
	p, err := n.start(t.TempDir(), name, args...)
	if err != nil {
		t.Fatalf("lab: %v", err)
	}
	atEnd(t, func() {
		p.stop(stopGrace)
		if t.Failed() {
			t.Logf("--- log of %s (%s) ---\n%s", p.desc, p.logPath, tail(p.Log(), logTail))
		}
	})
	return p
}

// enders holds, per test, what atEnd registered.
var enders sync.Map // testing.TB -> *ender

type ender struct {
	mu  sync.Mutex
	fns []func()
}

// atEnd runs fn when t ends, concurrently with everything else registered
// with atEnd for t: stopping twenty keepalived instances one after the
// other would take twenty seconds.
func atEnd(t testing.TB, fn func()) {
	e := &ender{}
	if v, loaded := enders.LoadOrStore(t, e); loaded {
		e = v.(*ender)
	} else {
		t.Cleanup(func() {
			enders.Delete(t)
			e.mu.Lock()
			fns := e.fns
			e.fns = nil
			e.mu.Unlock()
			var wg sync.WaitGroup
			for _, fn := range fns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					fn()
				}()
			}
			wg.Wait()
		})
	}
	e.mu.Lock()
	e.fns = append(e.fns, fn)
	e.mu.Unlock()
}

// start runs a process with its log in dir, named after the program:
// keepalived.log, then keepalived.2.log and so on.
func (n *Node) start(dir, name string, args ...string) (*Proc, error) {
	base := filepath.Base(name)
	logPath := filepath.Join(dir, base+".log")
	for i := 2; fileExists(logPath); i++ {
		logPath = filepath.Join(dir, fmt.Sprintf("%s.%d.log", base, i))
	}
	return n.startLog(logPath, name, args...)
}

// startLog runs a process appending stdout and stderr to logPath.
func (n *Node) startLog(logPath, name string, args ...string) (*Proc, error) {
	logF, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logF.Close()
	cmd := n.command(context.Background(), name, args...)
	cmd.Stdout = logF
	cmd.Stderr = logF
	p := &Proc{
		node:    n,
		desc:    n.name + ": " + quoteArgs(append([]string{name}, args...)),
		cmd:     cmd,
		logPath: logPath,
		done:    make(chan struct{}),
	}
	l := n.lab
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("start %s: lab %s is closed", p.desc, l.name)
	}
	if err := startCmd(cmd); err != nil {
		return nil, fmt.Errorf("start %s: %w", p.desc, err)
	}
	l.procs[p] = struct{}{}
	if err := l.record(cmd.Process.Pid, p.desc); err != nil {
		// Not fatal: only the sweep after a crash needs the record.
		fmt.Fprintf(os.Stderr, "lab %s: record pid %d: %v\n", l.name, cmd.Process.Pid, err)
	}
	go p.wait()
	return p, nil
}

// The spawner is one goroutine locked to its OS thread for good, and every
// lab process is started from it. Pdeathsig fires when the thread that
// forked the child exits, not the process, and the Go runtime ends any
// thread whose goroutine exits while locked to it (this package does so on
// purpose after switching namespaces, and so might other code). A child
// forked from such a thread would be SIGKILLed at a random later moment.
var spawner struct {
	once sync.Once
	reqs chan func()
}

// startCmd starts cmd from the spawner thread.
func startCmd(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked
			for f := range spawner.reqs {
				f()
			}
		}()
	})
	errc := make(chan error, 1)
	spawner.reqs <- func() { errc <- cmd.Start() }
	return <-errc
}

// command returns "ip netns exec <ns> name args...", which execs name in
// place, so the pid is the program's own.
func (n *Node) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.name, name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// Dies with the test binary, even on SIGKILL; see startCmd.
		Pdeathsig: syscall.SIGKILL,
	}
	return cmd
}

// wait reaps the process. It first waits without reaping, so the pid (and
// with it the process group id) stays reserved while it kills any process
// left in the group; the group can never be a stranger's.
func (p *Proc) wait() {
	pid := p.cmd.Process.Pid
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	p.mu.Lock()
	_ = killGroup(pid)
	err := p.cmd.Wait()
	p.reaped = true
	p.err = err
	p.mu.Unlock()
	p.node.lab.unrecord(pid)
	p.node.lab.mu.Lock()
	delete(p.node.lab.procs, p)
	p.node.lab.mu.Unlock()
	close(p.done)
}

// Pid returns the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the process (not to its group). It returns
// os.ErrProcessDone once the process has exited.
func (p *Proc) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reaped {
		return os.ErrProcessDone
	}
	return p.cmd.Process.Signal(sig)
}

// Kill sends SIGKILL to the process and every process in its group, as a
// crash or power loss would, and waits for the process to exit. Nothing
// gets to run shutdown code: keepalived's VRRP child sends no priority 0.
func (p *Proc) Kill() error {
	p.mu.Lock()
	if !p.reaped {
		_ = killGroup(p.cmd.Process.Pid)
	}
	p.mu.Unlock()
	<-p.done
	return nil
}

// killGroup SIGKILLs process group pgid. Callers make sure the group is
// theirs: its leader is not reaped yet.
func killGroup(pgid int) error { return unix.Kill(-pgid, unix.SIGKILL) }

// Wait waits for the process to exit and returns its exit error, as
// exec.Cmd.Wait does. It may be called many times.
func (p *Proc) Wait() error {
	<-p.done
	return p.err
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Log returns everything the process wrote to stdout and stderr so far.
func (p *Proc) Log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// LogPath returns the file the process's stdout and stderr go to.
func (p *Proc) LogPath() string { return p.logPath }

// String returns the namespace and command line.
func (p *Proc) String() string { return p.desc }

// stop sends SIGTERM, waits up to grace, then kills the group. It reports
// whether the process needed SIGKILL.
func (p *Proc) stop(grace time.Duration) (killed bool) {
	if err := p.Signal(syscall.SIGTERM); err != nil {
		<-p.done
		return false
	}
	select {
	case <-p.done:
		return false
	case <-time.After(grace):
		_ = p.Kill()
		return true
	}
}

// Run runs name with args in the namespace and returns its combined
// output. The error names the namespace and command and includes the
// output. When ctx ends the process is killed.
func (n *Node) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := n.command(ctx, name, args...)
	cmd.WaitDelay = 2 * time.Second
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := startCmd(cmd)
	if err == nil {
		err = cmd.Wait()
	}
	out := buf.Bytes()
	if err != nil {
		desc := n.name + ": " + quoteArgs(append([]string{name}, args...))
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return out, fmt.Errorf("%s: %w\n%s", desc, err, strings.TrimRight(string(out), "\n"))
	}
	return out, nil
}

// quoteArgs renders a command line for messages.
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\$*?;&|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// tail returns about the last n bytes of s, starting at a line.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return "[...]\n" + s
}
