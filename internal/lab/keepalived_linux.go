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
	Require(t, NeedKeepalived)
	dir := t.TempDir()
	confPath := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatalf("lab: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := h.Run(ctx, "keepalived", "--config-test", "--use-file="+confPath); err != nil {
		t.Fatalf("lab: keepalived on %s rejects its configuration: %v\n--- %s ---\n%s", h.name, err, confPath, conf)
	} else if len(out) > 0 {
		t.Fatalf("lab: keepalived on %s warns about its configuration:\n%s\n--- %s ---\n%s", h.name, out, confPath, conf)
	}
	args := []string{
		"--dont-fork",   // stay our child, so the lab can stop it by pid
		"--log-console", // log to stderr, which Start captures
		"--log-detail",
		"--no-syslog",
		"--vrrp", // no checker or BFD process (-P; -V means --dont-release-vrrp)
		"--use-file=" + confPath,
		"--pid=" + filepath.Join(dir, "keepalived.pid"),
		"--vrrp_pid=" + filepath.Join(dir, "vrrp.pid"),
		"--checkers_pid=" + filepath.Join(dir, "checkers.pid"),
		"--bfd_pid=" + filepath.Join(dir, "bfd.pid"),
	}
	return startDaemon(t, &Daemon{host: h, kind: "keepalived", dir: dir, launch: func() ([]*Proc, string, error) {
		p, err := h.start(dir, "keepalived", args...)
		if err != nil {
			return nil, "", err
		}
		return []*Proc{p}, p.logPath, nil
	}})
}
