package lab

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// startSleeper starts "sleep 60" in a process group of its own, as the lab
// starts its processes.
func startSleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

func TestKillRecorded(t *testing.T) {
	cmd := startSleeper(t)
	pid := cmd.Process.Pid
	st, err := readStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	if st.pgrp != pid {
		t.Fatalf("sleeper pgrp %d, want %d", st.pgrp, pid)
	}

	// A record whose start time does not match is a reused pid: hands off.
	for _, rec := range []procRecord{
		{pid: pid, boot: bootID(), start: st.start + 1},
		{pid: pid, boot: "another-boot", start: st.start},
	} {
		if got := killRecorded(rec); len(got) != 0 {
			t.Fatalf("killRecorded(%+v) = %v, want nothing", rec, got)
		}
	}

	got := killRecorded(procRecord{pid: pid, boot: bootID(), start: st.start})
	if len(got) != 1 || got[0] != pid {
		t.Errorf("killRecorded = %v, want [%d]", got, pid)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
			t.Errorf("sleeper ended with %v, want SIGKILL", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sleeper survived killRecorded")
	}
}

func TestReadStat(t *testing.T) {
	st, err := readStat(1)
	if err != nil {
		t.Fatal(err)
	}
	if st.state == 0 {
		t.Errorf("readStat(1) = %+v", st)
	}
}

func TestDefaultName(t *testing.T) {
	for _, name := range []string{"TestKeepalivedPair", "TestSplitBrain/nftables", "Test", "TestÜberLongNameWithManyCharacters"} {
		got := defaultName(name)
		if !nameRE.MatchString(got) {
			t.Errorf("defaultName(%q) = %q, not a valid lab name", name, got)
		}
		if got != defaultName(name) {
			t.Errorf("defaultName(%q) is not deterministic", name)
		}
	}
	if defaultName("TestA/x") == defaultName("TestA/y") {
		t.Error("subtests share a lab name")
	}
}

func TestEUI64LinkLocal(t *testing.T) {
	h := newHost(&Lab{name: "x"}, 10, 0)
	if got, want := h.ll.String(), "fe80::ff:fe00:10a"; got != want {
		t.Errorf("link-local of host 10 = %s, want %s", got, want)
	}
	if got, want := h.mac.String(), "02:00:00:00:01:0a"; got != want {
		t.Errorf("MAC of host 10 = %s, want %s", got, want)
	}
}

func TestInetChecksum(t *testing.T) {
	// RFC 1071 section 3 example bytes: sum 0xddf2, checksum 0x220d.
	if got := inetChecksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != 0x220d {
		t.Errorf("checksum = %#04x, want 0x220d", got)
	}
}
