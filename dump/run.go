package dump

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/track"
)

// ErrErrorFinding is returned when the run saw at least one error-severity
// finding: vrrpdump exits 1.
var ErrErrorFinding = errors.New("error findings")

// Env is what a run talks to besides its arguments.
type Env struct {
	Stdout, Stderr io.Writer
	// Terminal says stdout is a terminal: -i then opens the TUI.
	Terminal bool
	// Location for times of day in lines and summaries (default time.Local).
	Location *time.Location
	// TUI runs the interactive screen, fed by the tracker; nil when the
	// binary has none. It returns when the user quits.
	TUI func(ctx context.Context, tr *track.Tracker, feed <-chan struct{}, src string) error
}

// Run is vrrpdump. It returns nil (exit 0), an error wrapping
// ErrErrorFinding (exit 1), or another error (exit 2), already explained.
func Run(ctx context.Context, args []string, env Env) error {
	if env.Location == nil {
		env.Location = time.Local
	}
	cfg, err := Parse(args, env.Stderr)
	if err != nil {
		return err
	}
	if cfg.Mode == ModeDefault {
		switch {
		case cfg.Read != "":
			cfg.Mode = ModeSummary
		case env.Terminal && env.TUI != nil:
			cfg.Mode = ModeTUI
		default:
			cfg.Mode = ModeLines
		}
	}
	if cfg.Mode == ModeTUI && env.TUI == nil {
		return errors.New("this vrrpdump was built without the TUI: use --lines, --json or --summary")
	}
	var src capture.Source
	live := cfg.Read == ""
	if live {
		src, err = capture.OpenLive(cfg.Ifaces[0], capture.LiveOptions{Filter: cfg.Filter, Promisc: cfg.Promisc})
	} else {
		if cfg.Filter != "" {
			return fmt.Errorf("%w: a BPF expression applies to live capture (-i); filter a file with tcpdump -r FILE -w OUT EXPR first", ErrUsage)
		}
		src, err = capture.OpenFile(cfg.Read)
	}
	if err != nil {
		return err
	}
	defer src.Close()
	link := src.Name()
	if !live {
		link = filepath.Base(link)
	}

	opts := capture.Options{Count: cfg.Count}
	if live && cfg.Duration > 0 {
		opts.Until = time.Now().Add(cfg.Duration)
	}
	if cfg.Write != "" {
		f, err := os.Create(cfg.Write)
		if err != nil {
			return fmt.Errorf("-w: %w", err)
		}
		defer f.Close()
		w, err := capture.NewWriter(f, src.LinkType(), 65535)
		if err != nil {
			return fmt.Errorf("-w %s: %w", cfg.Write, err)
		}
		defer w.Flush()
		opts.Write = w
	}

	tr := track.New(track.Options{ShowAuth: cfg.ShowAuth})
	out := bufio.NewWriterSize(env.Stdout, 64<<10)
	defer out.Flush()
	buf := make([]byte, 0, 2048)
	tr.OnFinding = func(f track.Finding) {
		switch cfg.Mode {
		case ModeLines:
			buf = appendFindingLine(buf[:0], &f, env.Location)
		case ModeJSON:
			buf = appendFindingJSON(buf[:0], &f)
		default:
			return
		}
		out.Write(buf)
	}

	var first, last time.Time
	frames := 0
	lastFlush := time.Now()
	opts.OnIdle = func(now time.Time) {
		tr.Tick(now)
		out.Flush()
	}
	loopCtx, cancelLoop := context.WithCancel(ctx)
	defer cancelLoop()
	var feed chan struct{}
	tuiDone := make(chan error, 1)
	if cfg.Mode == ModeTUI {
		feed = make(chan struct{}, 1)
		go func() { tuiDone <- env.TUI(ctx, tr, feed, link); cancelLoop() }()
	}
	speedStart := time.Now()
	err = capture.Run(loopCtx, src, opts, func(pkt *capture.Packet) error {
		ts := pkt.CI.Timestamp
		if frames == 0 {
			first = ts
		}
		frames, last = pkt.N, ts
		switch cfg.Mode {
		case ModeLines:
			switch pkt.Kind {
			case decode.KindVRRP:
				buf = appendAdvertLine(buf[:0], pkt, link, env.Location, cfg.ShowAuth)
				out.Write(buf)
			case decode.KindARP, decode.KindNeighbor, decode.KindUnreachable:
				buf = appendNeighLine(buf[:0], pkt, link, env.Location)
				out.Write(buf)
			}
		case ModeJSON:
			if pkt.Kind == decode.KindVRRP {
				buf = appendAdvertJSON(buf[:0], pkt, link, cfg.ShowAuth)
				out.Write(buf)
			}
		case ModeTUI:
			if !live && cfg.Speed > 0 {
				wait := time.Duration(float64(ts.Sub(first))/cfg.Speed) - time.Since(speedStart)
				if wait > 0 {
					select {
					case <-time.After(wait):
					case <-loopCtx.Done():
					}
				}
			}
		}
		tr.Observe(ts, link, pkt.P, pkt.Kind, pkt.Err)
		if feed != nil {
			select {
			case feed <- struct{}{}:
			default:
			}
		}
		if live && time.Since(lastFlush) > 50*time.Millisecond {
			out.Flush()
			lastFlush = time.Now()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", link, err)
	}
	if live {
		last = time.Now()
	}
	if !last.IsZero() {
		tr.End(last)
	}
	if feed != nil {
		close(feed)
		if err := <-tuiDone; err != nil {
			return err
		}
	}

	var capStats *capture.Stats
	if s, ok := src.(capture.StatsSource); ok {
		if st, err := s.Stats(); err == nil {
			capStats = &st
		}
	}
	findings := tr.Findings()
	exit := 0
	for _, f := range findings {
		if f.Severity == track.SeverityError {
			exit = 1
		}
	}
	switch cfg.Mode {
	case ModeSummary, ModeTUI:
		writeSummary(out, link, frames, tr.Stats(), tr.Snapshot(), findings, first, env.Location)
		if capStats != nil {
			fmt.Fprintf(out, "\ncapture: %d received, %d dropped by the kernel, %d by the interface\n",
				capStats.Received, capStats.Dropped, capStats.IfDropped)
		}
	case ModeJSON:
		j, _ := json.Marshal(summaryJSON{Kind: "summary", Source: link, Frames: frames, Stats: tr.Stats(),
			Capture: capStats, Groups: tr.Snapshot(), Findings: findings, Exit: exit})
		out.Write(append(j, '\n'))
	case ModeLines:
		if capStats != nil {
			fmt.Fprintf(env.Stderr, "vrrpdump: %d received, %d dropped by the kernel, %d by the interface\n",
				capStats.Received, capStats.Dropped, capStats.IfDropped)
		}
	}
	if exit == 1 {
		return ErrErrorFinding
	}
	return nil
}
