package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Daemon is a VRRP speaker running in a host namespace: keepalived, or FRR
// zebra plus vrrpd. It is stopped when the test that started it ends, and
// its logs are attached to the test output if the test failed.
type Daemon struct {
	host   *Host
	kind   string // "keepalived" or "frr"
	dir    string
	launch func() (procs []*Proc, mainLog string, err error)
	after  func() // runs when the test ends, after the daemon stopped

	mu      sync.Mutex
	procs   []*Proc // current run, in start order; the last is the main one
	mainLog string
	mark    int64
	logs    []string // every log file of every run, for failure output
}

// pollEvery is how often WaitLog looks at a log.
const pollEvery = 20 * time.Millisecond

// startDaemon launches a daemon and registers its cleanup with t.
func startDaemon(t testing.TB, d *Daemon) *Daemon {
	t.Helper()
	err := d.start()
	atEnd(t, func() {
		if err := d.Stop(); err != nil {
			t.Logf("lab: %v", err)
		}
		if d.after != nil {
			d.after()
		}
		if t.Failed() {
			d.mu.Lock()
			logs := append([]string(nil), d.logs...)
			d.mu.Unlock()
			for _, p := range logs {
				b, _ := os.ReadFile(p)
				t.Logf("--- %s on %s: %s ---\n%s", d.kind, d.host.name, p, tail(string(b), logTail))
			}
		}
	})
	if err != nil {
		t.Fatalf("lab: %v", err)
	}
	return d
}

func (d *Daemon) start() error {
	procs, mainLog, err := d.launch()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range procs {
		d.logs = append(d.logs, p.logPath)
	}
	if mainLog != "" && (len(procs) == 0 || mainLog != procs[len(procs)-1].logPath) {
		d.logs = append(d.logs, mainLog)
	}
	if err != nil {
		for i := len(procs) - 1; i >= 0; i-- {
			_ = procs[i].Kill()
		}
		return fmt.Errorf("start %s on %s: %w", d.kind, d.host.name, err)
	}
	d.procs, d.mainLog, d.mark = procs, mainLog, 0
	return nil
}

// Host returns the host the daemon runs on.
func (d *Daemon) Host() *Host { return d.host }

// Dir returns the directory with the daemon's config, pid and log files.
func (d *Daemon) Dir() string { return d.dir }

// Pid returns the pid of the main process of the current run: the
// keepalived parent, or FRR's vrrpd.
func (d *Daemon) Pid() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.procs[len(d.procs)-1].Pid()
}

// Pids returns the pids of every live process of the current run,
// children included (keepalived's VRRP child, say).
func (d *Daemon) Pids() []int {
	d.mu.Lock()
	procs := append([]*Proc(nil), d.procs...)
	d.mu.Unlock()
	var pids []int
	for _, p := range procs {
		pgid := p.Pid()
		if st, err := readStat(pgid); err == nil && st.pgrp == pgid && st.state != 'Z' {
			pids = append(pids, pgid)
		}
		pids = append(pids, groupMembers(pgid, 0)...)
	}
	return pids
}

// Running reports whether every process of the current run is alive.
func (d *Daemon) Running() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.procs {
		select {
		case <-p.done:
			return false
		default:
		}
	}
	return len(d.procs) > 0
}

// Stop shuts the daemon down gracefully with SIGTERM, as an operator
// would: a keepalived or vrrpd master sends priority 0 advertisements.
// A process that has not exited after 5s is killed, and Stop says so.
func (d *Daemon) Stop() error {
	d.mu.Lock()
	procs := append([]*Proc(nil), d.procs...)
	d.mu.Unlock()
	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		if procs[i].stop(stopGrace) {
			errs = append(errs, fmt.Errorf("%s did not exit within %v of SIGTERM; killed", procs[i], stopGrace))
		}
	}
	return errors.Join(errs...)
}

// Kill SIGKILLs every process of the daemon at once, as a crash would: no
// priority 0 advertisement is sent and VIPs stay on the interface.
func (d *Daemon) Kill() error {
	d.mu.Lock()
	procs := append([]*Proc(nil), d.procs...)
	d.mu.Unlock()
	for _, p := range procs {
		p.mu.Lock()
		if !p.reaped {
			_ = killGroup(p.Pid())
		}
		p.mu.Unlock()
	}
	for _, p := range procs {
		<-p.done
	}
	return nil
}

// Restart stops the daemon (gracefully, as Stop) if it runs and starts it
// again with the same configuration. Log, Mark and WaitLog then refer to
// the new run.
func (d *Daemon) Restart() error {
	stopErr := d.Stop() // only says SIGKILL was needed; start anyway
	if err := d.start(); err != nil {
		return errors.Join(err, stopErr)
	}
	return stopErr
}

// LogPath returns the log file of the current run: keepalived's console
// output, or vrrpd's log file.
func (d *Daemon) LogPath() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mainLog
}

// Log returns the log of the current run.
func (d *Daemon) Log() string {
	b, _ := os.ReadFile(d.LogPath())
	return string(b)
}

// Mark makes later WaitLog calls look only at lines logged from now on,
// for example before causing a second transition to a state already logged.
func (d *Daemon) Mark() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if fi, err := os.Stat(d.mainLog); err == nil {
		d.mark = fi.Size()
	}
}

// WaitLog waits until the current run logs a line containing substr after
// the mark (the start of the run unless Mark was called), and returns that
// line. It fails when ctx ends or the daemon exits first; the error holds
// the end of the log. Matching lines are not consumed: two WaitLog calls
// can find the same line.
func (d *Daemon) WaitLog(ctx context.Context, substr string) (string, error) {
	return d.waitLog(ctx, strconv.Quote(substr), func(line []byte) bool {
		return bytes.Contains(line, []byte(substr))
	})
}

// Await is WaitLog for tests: it waits up to within for substr and
// fails t, with the daemon's log, when it does not come.
func (d *Daemon) Await(t testing.TB, substr string, within time.Duration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	line, err := d.WaitLog(ctx, substr)
	if err != nil {
		t.Fatalf("%s: waiting for %q: %v\n%s", d.Host().Name(), substr, err, d.Log())
	}
	return line
}

// WaitLogRegexp is WaitLog for a line matching re.
func (d *Daemon) WaitLogRegexp(ctx context.Context, re *regexp.Regexp) (string, error) {
	return d.waitLog(ctx, "/"+re.String()+"/", re.Match)
}

func (d *Daemon) waitLog(ctx context.Context, what string, match func([]byte) bool) (string, error) {
	d.mu.Lock()
	path, pos := d.mainLog, d.mark
	main := d.procs[len(d.procs)-1]
	d.mu.Unlock()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	var pending []byte // read but not yet a complete line
	for {
		exited := false
		select {
		case <-main.done:
			exited = true // read once more, then give up
		default:
		}
		chunk, err := readFrom(path, pos)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s on %s: read %s: %w", d.kind, d.host.name, path, err)
		}
		pos += int64(len(chunk))
		pending = append(pending, chunk...)
		for {
			i := bytes.IndexByte(pending, '\n')
			if i < 0 {
				break
			}
			line := pending[:i]
			pending = pending[i+1:]
			if match(line) {
				return string(line), nil
			}
		}
		if exited {
			if len(pending) > 0 && match(pending) {
				return string(pending), nil
			}
			return "", fmt.Errorf("%s on %s exited (%v) before logging a line matching %s; end of %s:\n%s",
				d.kind, d.host.name, main.Wait(), what, path, tail(d.Log(), 4<<10))
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s on %s: no line matching %s: %w; end of %s:\n%s",
				d.kind, d.host.name, what, ctx.Err(), path, tail(d.Log(), 4<<10))
		case <-tick.C:
		}
	}
}

// readFrom returns the bytes of the file from offset on.
func readFrom(path string, off int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}
