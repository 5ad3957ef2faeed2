package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// signalDaemon asks a daemon for its state dumps (keepalived's JSON, DATA
// and STATS signals); nothing else is ever sent.
func signalDaemon(pid, sig int) error { return syscall.Kill(pid, syscall.Signal(sig)) }

// lockWait is how long lockDir waits for another vrrpdoctor reading a
// keepalived that shares the directory.
const lockWait = 30 * time.Second

// lockDir takes an advisory flock on a directory (keepalived's /tmp), so
// two vrrpdoctor runs never signal keepalived processes that share it at
// once. It writes nothing.
func lockDir(dir string) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("flock %s: %w (another vrrpdoctor is reading a keepalived that shares it)", dir, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
