package lab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// stateRoot holds one lock file and one state directory per lab name:
// <name>.lock is flocked for the lab's lifetime, and <name>/procs/<pid>
// records every process the lab started, so a later lab with the same name
// can clean up after a run that was killed.
const stateRoot = "/run/vrrpkit-lab"

// ErrBusy means another live lab, in this or another process, holds the
// lab name.
var ErrBusy = errors.New("lab name in use")

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$`)

// lock takes the lab's name lock without waiting.
func lock(name string) (*os.File, error) {
	if err := os.MkdirAll(stateRoot, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", stateRoot, err)
	}
	p := filepath.Join(stateRoot, name+".lock")
	// Lock files are never removed: unlinking a lock file races with a
	// process that opened it and is about to flock it.
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", p, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("lab %q: %w: %s is locked by another lab; wait for it or set another Config.Name", name, ErrBusy, p)
		}
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	return f, nil
}

// procRecord is what the state directory keeps about a started process.
type procRecord struct {
	pid     int
	boot    string // /proc/sys/kernel/random/boot_id when started
	start   uint64 // start time in clock ticks since boot
	cmdline string
}

func (l *Lab) procsDir() string { return filepath.Join(stateRoot, l.name, "procs") }

// record notes a started process in the state directory.
func (l *Lab) record(pid int, cmdline string) error {
	st, err := readStat(pid)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(l.procsDir(), 0o755); err != nil {
		return err
	}
	body := fmt.Sprintf("%s %d\n%s\n", bootID(), st.start, cmdline)
	return os.WriteFile(filepath.Join(l.procsDir(), strconv.Itoa(pid)), []byte(body), 0o644)
}

func (l *Lab) unrecord(pid int) {
	_ = os.Remove(filepath.Join(l.procsDir(), strconv.Itoa(pid)))
}

// nsRE matches exactly the namespace names of the lab called name.
func nsRE(name string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(nsPrefix+name) + `-(br|h[0-9]{1,2})$`)
}

// sweep removes what a killed earlier lab of the same name left behind:
// processes recorded in the state directory (and still the same process)
// and namespaces with exactly this lab's names. The caller holds the lock,
// so nothing it removes can belong to a live lab.
func (l *Lab) sweep() ([]string, error) {
	var notes []string
	var errs []error
	ents, err := os.ReadDir(l.procsDir())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	var waitFor []int
	for _, e := range ents {
		p := filepath.Join(l.procsDir(), e.Name())
		rec, err := readRecord(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, pid := range killRecorded(rec) {
			notes = append(notes, fmt.Sprintf("killed stale process %d", pid))
			waitFor = append(waitFor, pid)
		}
		// A killed FRR daemon leaves its crash directory behind; it is
		// ours unless the pid now names another live process.
		if st, err := readStat(rec.pid); rec.boot == bootID() && (err != nil || st.start == rec.start) {
			for _, d := range []string{"zebra", "vrrpd"} {
				if strings.Contains(rec.cmdline, "/"+d+" ") {
					_ = os.RemoveAll(fmt.Sprintf("/var/tmp/frr/%s.%d", d, rec.pid))
				}
			}
		}
		if err := os.Remove(p); err != nil {
			errs = append(errs, err)
		}
	}
	waitGone(waitFor, 3*time.Second)
	names, err := listNS()
	if err != nil {
		errs = append(errs, err)
	}
	re := nsRE(l.name)
	for _, n := range names {
		if !re.MatchString(n) {
			continue
		}
		if err := deleteNamedNS(n); err != nil {
			errs = append(errs, err)
			continue
		}
		notes = append(notes, "deleted stale namespace "+n)
	}
	return notes, errors.Join(errs...)
}

func readRecord(p string) (procRecord, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return procRecord{}, err
	}
	pid, err := strconv.Atoi(filepath.Base(p))
	if err != nil {
		return procRecord{}, fmt.Errorf("bad process record %s", p)
	}
	first, rest, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(first)
	if len(f) != 2 {
		return procRecord{}, fmt.Errorf("bad process record %s", p)
	}
	start, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return procRecord{}, fmt.Errorf("bad process record %s: %w", p, err)
	}
	return procRecord{pid: pid, boot: f[0], start: start, cmdline: strings.TrimSpace(rest)}, nil
}

// killRecorded SIGKILLs what is left of a recorded process group and
// returns the pids it signalled. A process is only touched if it provably
// belongs to the record: the leader when its start time matches, or, when
// the leader is gone, members of its process group (a pid stays reserved
// while it names a live process group, so such members cannot belong to a
// reused pid).
func killRecorded(rec procRecord) []int {
	if rec.boot != bootID() {
		return nil // pids are from an earlier boot
	}
	var killed []int
	if st, err := readStat(rec.pid); err == nil {
		if st.start != rec.start {
			return nil // pid reused by another process
		}
		if st.state != 'Z' {
			_ = unix.Kill(rec.pid, unix.SIGKILL)
			killed = append(killed, rec.pid)
		}
	}
	for _, pid := range groupMembers(rec.pid, rec.start) {
		_ = unix.Kill(pid, unix.SIGKILL)
		killed = append(killed, pid)
	}
	return killed
}

// groupMembers lists live processes in process group pgid started no
// earlier than start, leaving out the leader itself.
func groupMembers(pgid int, start uint64) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pgid {
			continue
		}
		st, err := readStat(pid)
		if err == nil && st.pgrp == pgid && st.start >= start && st.state != 'Z' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGone polls until none of pids exists or d passes.
func waitGone(pids []int, d time.Duration) {
	deadline := time.Now().Add(d)
	for _, pid := range pids {
		for time.Now().Before(deadline) {
			if st, err := readStat(pid); err != nil || st.state == 'Z' {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

type procStat struct {
	state byte
	pgrp  int
	start uint64
}

// readStat parses /proc/<pid>/stat.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name may contain spaces and parentheses; fields
	// resume after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), f[2] field 5 (pgrp), f[19] field 22 (starttime).
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	pgrp, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return procStat{state: f[0][0], pgrp: pgrp, start: start}, nil
}

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
