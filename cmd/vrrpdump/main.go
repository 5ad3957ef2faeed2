// Command vrrpdump watches VRRP on the wire, live or from a capture, and says
// what is wrong with it. See `vrrpdump -h`.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/internal/feed"
)

// The TUI, the exporter and live capture plug in from their own files
// (tui.go, metrics.go, live.go), so package dump imports none of them.
var (
	tuiHook     func(context.Context, *feed.Feed) error
	metricsHook func(ctx context.Context, addr string, feed *feed.Feed) error
	liveHook    func(iface string, o dump.LiveOptions) (capture.Source, error)
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := dump.Env{Stdout: os.Stdout, Stderr: os.Stderr, Terminal: term.IsTerminal(int(os.Stdout.Fd())),
		TUI: tuiHook, Metrics: metricsHook, OpenLive: liveHook}
	if env.Terminal {
		env.Width, _, _ = term.GetSize(int(os.Stdout.Fd()))
	}
	code := exitStatus(dump.Run(ctx, os.Args[1:], env), env.Stderr)
	stop()
	os.Exit(code)
}

// exitStatus maps Run's result to the exit status, explaining a failure on
// stderr (cli.Exit): 0 no error finding (or -h), 1 an error finding, 2
// vrrpdump failed.
func exitStatus(err error, stderr io.Writer) int { return cli.Exit("vrrpdump", err, stderr) }
