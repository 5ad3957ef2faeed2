// Command vrrpdump watches VRRP on the wire, live or from a capture, and says
// what is wrong with it. See `vrrpdump -h`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/vrrpkit/vrrpkit/dump"
)

// The TUI and the exporter plug in from their own files (tui.go,
// metrics.go), so package dump imports neither.
var (
	tuiHook     func(context.Context, *dump.Feed) error
	metricsHook func(ctx context.Context, addr string, feed *dump.Feed) error
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := dump.Env{Stdout: os.Stdout, Stderr: os.Stderr, Terminal: term.IsTerminal(int(os.Stdout.Fd())),
		TUI: tuiHook, Metrics: metricsHook}
	err := dump.Run(ctx, os.Args[1:], env)
	switch {
	case err == nil:
	case errors.Is(err, dump.ErrErrorFinding):
		os.Exit(1)
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, dump.ErrUsage):
		fmt.Fprintf(os.Stderr, "vrrpdump: %v (vrrpdump -h for help)\n", err)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "vrrpdump: %v\n", err)
		os.Exit(2)
	}
}
