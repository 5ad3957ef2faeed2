package lab

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// The registry of live labs, torn down on SIGINT or SIGTERM. The handler
// is installed while at least one lab is live; otherwise the signals have
// their default effect.
var live struct {
	sync.Mutex
	labs   map[*Lab]struct{}
	sigc   chan os.Signal
	opened map[string]bool // every lab name this process opened, for tests
}

func register(l *Lab) {
	live.Lock()
	defer live.Unlock()
	if live.labs == nil {
		live.labs = map[*Lab]struct{}{}
		live.opened = map[string]bool{}
		live.sigc = make(chan os.Signal, 2)
		go handleSignals(live.sigc)
	}
	if len(live.labs) == 0 {
		signal.Notify(live.sigc, syscall.SIGINT, syscall.SIGTERM)
	}
	live.labs[l] = struct{}{}
	live.opened[l.name] = true
}

func unregister(l *Lab) {
	live.Lock()
	defer live.Unlock()
	delete(live.labs, l)
	if len(live.labs) == 0 && live.sigc != nil {
		signal.Stop(live.sigc)
	}
}

// handleSignals closes every live lab on the first signal and exits with
// 128+signal; a second signal exits at once.
func handleSignals(sigc chan os.Signal) {
	sig := <-sigc
	live.Lock()
	labs := make([]*Lab, 0, len(live.labs))
	for l := range live.labs {
		labs = append(labs, l)
	}
	live.Unlock()
	code := 1
	if s, ok := sig.(syscall.Signal); ok {
		code = 128 + int(s)
	}
	fmt.Fprintf(os.Stderr, "lab: %v: tearing down %d lab(s)\n", sig, len(labs))
	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for _, l := range labs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := l.Close(); err != nil {
					fmt.Fprintf(os.Stderr, "lab %s: close: %v\n", l.name, err)
				}
			}()
		}
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case sig = <-sigc:
		fmt.Fprintf(os.Stderr, "lab: %v again: exiting without finishing teardown\n", sig)
	}
	os.Exit(code)
}
