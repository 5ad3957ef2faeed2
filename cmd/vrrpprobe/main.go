// Command vrrpprobe looks at and takes part in VRRP groups on a live link:
// who owns a virtual address (owner), a VRRP router of its own (speak) and a
// failover drill (failover). See "vrrpprobe -h".
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, system())
	stop()
	os.Exit(exitCode(err))
}

// exitCode prints err and maps it to the exit status: 0 success, 1 a
// negative answer (no owner, several owners, failed verdict), 2 a failure of
// the tool itself.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "vrrpprobe:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "vrrpprobe:", err)
	return 2
}
