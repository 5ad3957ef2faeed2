// Command vrrpprobe looks at and takes part in VRRP groups on a live link:
// who owns a virtual address (owner), a VRRP router of its own (speak) and a
// failover drill (failover). See "vrrpprobe -h".
package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/vrrpkit/vrrpkit/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, system())
	stop()
	os.Exit(exitCode(err))
}

// exitCode prints err and maps it to the exit status (cli.Exit): 0
// success, 1 a negative answer (no owner, several owners, failed verdict),
// 2 a failure of the tool itself.
func exitCode(err error) int { return exitStatus(err, os.Stderr) }

func exitStatus(err error, stderr io.Writer) int {
	var ee *exitError
	if errors.As(err, &ee) {
		switch {
		case ee.err == nil: // the output said everything
			return ee.code
		case ee.code == 1:
			return cli.Exit("vrrpprobe", cli.Problemf("%v", ee.err), stderr)
		}
		err = ee.err
	}
	return cli.Exit("vrrpprobe", err, stderr)
}
