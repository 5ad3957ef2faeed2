package lab

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Log lines keepalived 2.2.7 prints (with --log-detail) on VRRP state
// changes, after the instance name in parentheses: "(VI_1) Entering
// MASTER STATE".
const (
	KeepalivedBackup = "Entering BACKUP STATE" // also "Entering BACKUP STATE (init)" at start
	KeepalivedMaster = "Entering MASTER STATE"
	KeepalivedFault  = "Entering FAULT STATE"
)

// StartKeepalived writes conf to a temporary directory and runs keepalived
// on h, VRRP only, in the foreground, logging to its console log
// (Daemon.Log); its pid files are in that directory too, so instances on
// different hosts never share one. The configuration is checked with
// "keepalived --config-test" first, and a warning fails the test, because
// keepalived replaces invalid values with defaults and carries on.
func (h *Host) StartKeepalived(t testing.TB, conf string) *Daemon {
	t.Helper()
	return h.StartKeepalivedWith(t, conf, KeepalivedOptions{})
}

// KeepalivedOptions change how StartKeepalivedWith runs keepalived.
type KeepalivedOptions struct {
	// PrivateTmp gives keepalived a /tmp of its own, as systemd's
	// PrivateTmp=yes does: it runs in a mount namespace of its own where
	// the daemon's directory (Daemon.Dir) is bind-mounted on /tmp, so
	// what it writes to /tmp (keepalived.json, .data, .stats) lands in
	// Dir and is seen from outside only through /proc/PID/root/tmp. Two
	// lab daemons then never overwrite each other's dump files.
	PrivateTmp bool
	// AllowConfigErrors starts keepalived even when --config-test warns or
	// reports errors (they are logged): for tests that plant a fault
	// keepalived starts with anyway, such as a track script that script
	// security refuses (--config-test then exits 5).
	AllowConfigErrors bool
}

// StartKeepalivedWith is StartKeepalived with options.
func (h *Host) StartKeepalivedWith(t testing.TB, conf string, o KeepalivedOptions) *Daemon {
	t.Helper()
	Require(t, NeedKeepalived)
	dir := t.TempDir()
	confPath := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatalf("lab: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := h.Run(ctx, "keepalived", "--config-test", "--use-file="+confPath)
	switch {
	case (err != nil || len(out) > 0) && o.AllowConfigErrors:
		t.Logf("lab: keepalived on %s complains about its configuration (allowed): %v\n%s", h.name, err, out)
	case err != nil:
		t.Fatalf("lab: keepalived on %s rejects its configuration: %v\n%s\n--- %s ---\n%s", h.name, err, out, confPath, conf)
	case len(out) > 0:
		t.Fatalf("lab: keepalived on %s warns about its configuration:\n%s\n--- %s ---\n%s", h.name, out, confPath, conf)
	}
	// Inside a private /tmp the daemon's directory is /tmp.
	in := dir
	if o.PrivateTmp {
		in = "/tmp"
	}
	args := []string{
		"--dont-fork",   // stay our child, so the lab can stop it by pid
		"--log-console", // log to stderr, which Start captures
		"--log-detail",
		"--no-syslog",
		"--vrrp", // no checker or BFD process (-P; -V means --dont-release-vrrp)
		"--use-file=" + filepath.Join(in, "keepalived.conf"),
		"--pid=" + filepath.Join(in, "keepalived.pid"),
		"--vrrp_pid=" + filepath.Join(in, "vrrp.pid"),
		"--checkers_pid=" + filepath.Join(in, "checkers.pid"),
		"--bfd_pid=" + filepath.Join(in, "bfd.pid"),
	}
	name := "keepalived"
	if o.PrivateTmp {
		// unshare and sh exec keepalived, so the pid stays the daemon's.
		args = append([]string{"--mount", "--propagation", "private", "sh", "-c",
			`mount --bind "$0" /tmp && exec keepalived "$@"`, dir}, args...)
		name = "unshare"
	}
	return startDaemon(t, &Daemon{host: h, kind: "keepalived", dir: dir, launch: func() ([]*Proc, string, error) {
		p, err := h.start(dir, name, args...)
		if err != nil {
			return nil, "", err
		}
		return []*Proc{p}, p.logPath, nil
	}})
}
