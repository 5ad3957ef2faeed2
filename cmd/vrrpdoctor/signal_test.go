package main

import (
	"testing"
	"time"
)

// TestLockDir: a second reader of the same keepalived /tmp waits for the
// first.
func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		u, err := lockDir(dir)
		if err == nil {
			u()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("second lock taken while the first is held (err %v)", err)
	case <-time.After(100 * time.Millisecond): // negative check: it must still wait
	}
	unlock()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}
