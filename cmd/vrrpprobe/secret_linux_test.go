package main

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// TestPasswordPromptNoEcho: on a real pseudo-terminal the prompt appears
// and the typed password does not: the terminal's echo is off while it is
// read, and on again afterwards.
func TestPasswordPromptNoEcho(t *testing.T) {
	master, slave, err := lab.OpenPTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	defer slave.Close()
	ask := terminalSecret(slave, slave)
	if ask == nil {
		t.Fatal("the pty slave is not taken for a terminal")
	}
	var mu sync.Mutex
	var screen strings.Builder
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	got := make(chan string, 1)
	go func() {
		p, err := ask("password: ")
		if err != nil {
			t.Errorf("ask: %v", err)
		}
		got <- p
	}()
	// Type once the prompt shows: the terminal is in no-echo mode by then.
	for start := time.Now(); ; <-time.After(5 * time.Millisecond) {
		mu.Lock()
		shown := strings.Contains(screen.String(), "password: ")
		mu.Unlock()
		if shown {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("no prompt on the terminal")
		}
	}
	if _, err := io.WriteString(master, "secret12\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "secret12" {
			t.Errorf("read %q", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the password was not read")
	}
	// Echo is back on: a line typed now shows.
	if _, err := io.WriteString(master, "echoed\n"); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); ; <-time.After(5 * time.Millisecond) {
		mu.Lock()
		s := screen.String()
		mu.Unlock()
		if strings.Contains(s, "echoed") {
			if strings.Contains(s, "secret12") {
				t.Errorf("the terminal showed the password:\n%q", s)
			}
			return
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("echo was not restored after the prompt:\n%q", s)
		}
	}
}
