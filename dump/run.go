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
	"strings"
	"sync"
	"sync/atomic"
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
	// TUI runs the interactive screen until the user quits; nil when the
	// binary has none. It must not block the capture: it reads feed.Tracker
	// (which locks) when feed.Updates says something changed.
	TUI func(ctx context.Context, feed *Feed) error
	// Metrics serves Prometheus metrics on addr until ctx is done; nil when
	// the binary has no exporter. It returns early only when it cannot
	// serve (e.g. the address is in use).
	Metrics func(ctx context.Context, addr string, feed *Feed) error
}

// Feed is what the TUI and the metrics exporter read while a capture runs.
// The capture loop never waits for them.
type Feed struct {
	Tracker *track.Tracker
	// Source names what is read: the interface(s), or the file's base name.
	Source string
	Live   bool
	// Updates gets a value (without blocking the capture, so values merge)
	// after frames were observed, and is closed when every capture ended.
	Updates <-chan struct{}
	links   []*linkHealth
	start   time.Time
}

// Health is the capture's own state, per link.
type Health struct {
	Link    string `json:"link"`
	Packets int64  `json:"packets"` // frames read by vrrpdump
	// Received, Dropped and IfDropped are libpcap's counters (live only):
	// what the filter accepted, what the kernel dropped because vrrpdump
	// was too slow, and what the interface dropped.
	Received  int64 `json:"received"`
	Dropped   int64 `json:"dropped"`
	IfDropped int64 `json:"if_dropped"`
	// Running is false once the capture ended; Err says why when it
	// failed.
	Running bool  `json:"running"`
	Err     error `json:"-"`
}

type linkHealth struct {
	name    string
	src     capture.Source
	packets atomic.Int64
	done    atomic.Bool
	mu      sync.Mutex
	err     error
}

// Health reads the counters of every link now.
func (f *Feed) Health() []Health {
	hs := make([]Health, len(f.links))
	for i, l := range f.links {
		h := Health{Link: l.name, Packets: l.packets.Load(), Running: !l.done.Load()}
		if s, ok := l.src.(capture.StatsSource); ok && h.Running {
			if st, err := s.Stats(); err == nil {
				h.Received, h.Dropped, h.IfDropped = int64(st.Received), int64(st.Dropped), int64(st.IfDropped)
			}
		}
		l.mu.Lock()
		h.Err = l.err
		l.mu.Unlock()
		hs[i] = h
	}
	return hs
}

// Started is the wall-clock time the capture started.
func (f *Feed) Started() time.Time { return f.start }

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
		case cfg.Metrics != "":
			cfg.Mode = ModeFindings
		case cfg.Read != "":
			cfg.Mode = ModeSummary
		case env.Terminal && env.TUI != nil:
			cfg.Mode = ModeTUI
		default:
			cfg.Mode = ModeLines
		}
	}
	switch {
	case cfg.Mode == ModeTUI && env.TUI == nil:
		return errors.New("this vrrpdump was built without the TUI: use --lines, --json or --summary")
	case cfg.Metrics != "" && env.Metrics == nil:
		return errors.New("this vrrpdump was built without the metrics exporter: drop --metrics")
	}
	live := cfg.Read == ""
	var srcs []capture.Source
	defer func() {
		for _, s := range srcs {
			s.Close()
		}
	}()
	if live {
		for _, iface := range cfg.Ifaces {
			s, err := capture.OpenLive(iface, capture.LiveOptions{Filter: cfg.Filter, Promisc: cfg.Promisc,
				Warn: func(msg string) { fmt.Fprintf(env.Stderr, "vrrpdump: warning: %s\n", msg) }})
			if err != nil {
				return err
			}
			srcs = append(srcs, s)
		}
	} else {
		if cfg.Filter != "" {
			return fmt.Errorf("%w: a BPF expression applies to live capture (-i); filter a file with tcpdump -r FILE -w OUT EXPR first", ErrUsage)
		}
		s, err := capture.OpenFile(cfg.Read)
		if err != nil {
			return err
		}
		srcs = append(srcs, s)
	}
	feed := &Feed{Live: live, start: time.Now()}
	var names []string
	for _, s := range srcs {
		name := s.Name()
		if !live {
			name = filepath.Base(name)
		}
		names = append(names, name)
		feed.links = append(feed.links, &linkHealth{name: name, src: s})
	}
	feed.Source = strings.Join(names, ",")

	opts := capture.Options{Count: cfg.Count}
	if live && cfg.Duration > 0 {
		opts.Until = time.Now().Add(cfg.Duration)
	}
	if cfg.Write != "" {
		if len(srcs) > 1 {
			return fmt.Errorf("%w: -w writes one interface's frames; run one vrrpdump per interface to keep several", ErrUsage)
		}
		f, err := os.Create(cfg.Write)
		if err != nil {
			return fmt.Errorf("-w: %w", err)
		}
		defer f.Close()
		w, err := capture.NewWriter(f, srcs[0].LinkType(), 65535)
		if err != nil {
			return fmt.Errorf("-w %s: %w", cfg.Write, err)
		}
		defer w.Flush()
		opts.Write = w
	}

	rep, err := openReport(cfg)
	if err != nil {
		return err
	}
	reportDone := false
	defer func() {
		if !reportDone {
			rep.abandon()
		}
	}()
	tr := track.New(track.Options{ShowAuth: cfg.ShowAuth})
	feed.Tracker = tr
	out := &lockedWriter{w: bufio.NewWriterSize(env.Stdout, 64<<10)}
	defer out.Flush()
	tr.OnFinding = func(f track.Finding) { // findings are rare: a buffer each
		if rep != nil {
			rep.rec.Finding(f)
		}
		switch cfg.Mode {
		case ModeLines, ModeFindings:
			out.Write(appendFindingLine(nil, &f, env.Location))
		case ModeJSON:
			out.Write(appendFindingJSON(nil, &f))
		}
	}

	loopCtx, cancelLoop := context.WithCancel(ctx)
	defer cancelLoop()
	updates := make(chan struct{}, 1)
	feed.Updates = updates
	var wg sync.WaitGroup // the TUI and the exporter
	var hookErr error
	var hookOnce sync.Once
	hookFailed := func(err error) {
		if err != nil && ctx.Err() == nil {
			hookOnce.Do(func() { hookErr = err })
		}
		cancelLoop()
	}
	if cfg.Mode == ModeTUI {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := env.TUI(ctx, feed)
			hookFailed(err) // quitting the TUI ends the capture
		}()
	}
	metricsCtx, stopMetrics := context.WithCancel(ctx)
	defer stopMetrics()
	if cfg.Metrics != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := env.Metrics(metricsCtx, cfg.Metrics, feed); err != nil {
				hookFailed(fmt.Errorf("--metrics %s: %w", cfg.Metrics, err))
			}
		}()
	}

	var first, last time.Time
	frames := 0
	var capErr error
	if len(srcs) == 1 {
		frames, first, last, capErr = readOne(loopCtx, feed.links[0], opts, cfg, tr, rep, out, env, live, updates)
	} else {
		var mu sync.Mutex
		var cwg sync.WaitGroup
		for _, l := range feed.links {
			cwg.Add(1)
			go func() {
				defer cwg.Done()
				n, _, _, err := readOne(loopCtx, l, opts, cfg, tr, rep, out, env, live, updates)
				mu.Lock()
				frames += n
				if err != nil && capErr == nil {
					capErr = err
				}
				mu.Unlock()
			}()
		}
		cwg.Wait()
	}
	if live {
		last = time.Now()
	}
	if !last.IsZero() {
		tr.End(last)
	}
	close(updates)
	if cfg.Mode != ModeTUI {
		stopMetrics() // the TUI stays open after a replay until the user quits
	}
	wg.Wait()
	if hookErr != nil {
		return hookErr
	}
	if capErr != nil {
		return capErr
	}

	findings := tr.Findings()
	if rep != nil {
		fromLogs, err := rep.compare(tr, first, env.Location)
		if err != nil {
			return err
		}
		for _, f := range fromLogs {
			switch cfg.Mode {
			case ModeLines, ModeFindings:
				out.Write(appendFindingLine(nil, &f, env.Location))
			case ModeJSON:
				out.Write(appendFindingJSON(nil, &f))
			}
		}
		findings = append(findings, fromLogs...)
	}
	exit := 0
	for _, f := range findings {
		if f.Severity == track.SeverityError {
			exit = 1
		}
	}
	var capStats *capture.Stats
	if len(srcs) == 1 {
		if s, ok := srcs[0].(capture.StatsSource); ok {
			if st, err := s.Stats(); err == nil {
				capStats = &st
			}
		}
	}
	switch cfg.Mode {
	case ModeSummary, ModeTUI:
		writeSummary(out, feed.Source, frames, tr.Stats(), tr.Overview(), findings, first, env.Location)
		if capStats != nil {
			fmt.Fprintf(out, "\ncapture: %d received, %d dropped by the kernel, %d by the interface\n",
				capStats.Received, capStats.Dropped, capStats.IfDropped)
		}
	case ModeJSON:
		j, _ := json.Marshal(summaryJSON{Kind: "summary", Source: feed.Source, Frames: frames, Stats: tr.Stats(),
			Capture: capStats, Groups: tr.Snapshot(), Findings: findings, Exit: exit})
		out.Write(append(j, '\n'))
	case ModeLines, ModeFindings:
		for _, h := range feed.Health() {
			if h.Received > 0 || h.Dropped > 0 {
				fmt.Fprintf(env.Stderr, "vrrpdump: %s: %d received, %d dropped by the kernel, %d by the interface\n",
					h.Link, h.Received, h.Dropped, h.IfDropped)
			}
		}
	}
	if rep != nil {
		var notes []string
		for _, h := range feed.Health() {
			if h.Dropped > 0 || h.IfDropped > 0 {
				notes = append(notes, fmt.Sprintf("%s: %d frames dropped by the kernel and %d by the interface: the timeline may miss adverts",
					h.Link, h.Dropped, h.IfDropped))
			}
		}
		if capStats != nil && (capStats.Dropped > 0 || capStats.IfDropped > 0) && len(notes) == 0 {
			notes = append(notes, fmt.Sprintf("%d frames dropped by the kernel and %d by the interface: the timeline may miss adverts",
				capStats.Dropped, capStats.IfDropped))
		}
		reportDone = true
		if err := rep.finish(feed.Source, frames, tr, findings, notes, env.Location); err != nil {
			return err
		}
	}
	if exit == 1 {
		return ErrErrorFinding
	}
	return nil
}

// readOne runs the capture loop on one link until it ends.
func readOne(ctx context.Context, l *linkHealth, opts capture.Options, cfg Config, tr *track.Tracker, rep *reportOut,
	out *lockedWriter, env Env, live bool, updates chan<- struct{}) (frames int, first, last time.Time, err error) {
	defer l.done.Store(true)
	link := l.name
	lastFlush := time.Now()
	notify := func() {
		select {
		case updates <- struct{}{}:
		default:
		}
	}
	opts.OnIdle = func(now time.Time) {
		tr.Tick(now)
		out.Flush()
		notify()
	}
	// Lines and JSON are formatted by Prepare: for a file, on the reading
	// goroutine, while this one tracks the previous frames.
	switch cfg.Mode {
	case ModeLines:
		opts.Prepare = func(pkt *capture.Packet) {
			switch pkt.Kind {
			case decode.KindVRRP:
				pkt.Out = appendAdvertLine(pkt.Out[:0], pkt, link, env.Location, cfg.ShowAuth)
			case decode.KindARP, decode.KindNeighbor, decode.KindUnreachable:
				pkt.Out = appendNeighLine(pkt.Out[:0], pkt, link, env.Location)
			case decode.KindCARP:
				pkt.Out = appendCARPLine(pkt.Out[:0], pkt, link, env.Location)
			default:
				pkt.Out = pkt.Out[:0]
			}
		}
	case ModeJSON:
		opts.Prepare = func(pkt *capture.Packet) {
			pkt.Out = pkt.Out[:0]
			switch pkt.Kind {
			case decode.KindVRRP:
				pkt.Out = appendAdvertJSON(pkt.Out, pkt, link, cfg.ShowAuth)
			case decode.KindCARP:
				pkt.Out = appendCARPJSON(pkt.Out, pkt, link)
			}
		}
	}
	// Reading a file with nothing printed per frame, frames are tracked a
	// batch at a time under one lock.
	// The report takes each finding as it is raised (a batch would hand
	// them over after its last frame, with that frame's times): one frame
	// at a time then.
	batched := !live && rep == nil && (cfg.Mode == ModeSummary || cfg.Mode == ModeTUI && cfg.Speed == 0)
	if batched && cfg.Count == 0 && opts.Write == nil {
		// Undecoded: the tracker decodes only what is not a repeat.
		return readTagged(ctx, l, cfg, tr, notify)
	}
	var batch []track.Frame
	speedStart := time.Now()
	err = capture.RunBatches(ctx, l.src, opts, func(pkts []capture.Packet) error {
		if frames == 0 {
			first = pkts[0].CI.Timestamp
		}
		end := &pkts[len(pkts)-1]
		frames, last = end.N, end.CI.Timestamp
		if batched {
			batch = batch[:0]
			for i := range pkts {
				p := &pkts[i]
				batch = append(batch, track.Frame{Time: p.CI.Timestamp, Link: link, P: p.P, Kind: p.Kind, Err: p.Err})
			}
			tr.ObserveAll(batch)
			l.packets.Store(int64(frames))
			if cfg.Mode == ModeTUI {
				notify()
			}
			return nil
		}
		for i := range pkts {
			pkt := &pkts[i]
			ts := pkt.CI.Timestamp
			if live || pkt.N&0xff == 0 { // an atomic store costs more than tracking on a file
				l.packets.Store(int64(pkt.N))
			}
			if len(pkt.Out) > 0 {
				out.Write(pkt.Out)
			}
			if cfg.Mode == ModeTUI && !live && cfg.Speed > 0 {
				wait := time.Duration(float64(ts.Sub(first))/cfg.Speed) - time.Since(speedStart)
				if wait > 0 {
					select {
					case <-time.After(wait):
					case <-ctx.Done():
					}
				}
			}
			tr.Observe(ts, link, pkt.P, pkt.Kind, pkt.Err)
			if rep != nil {
				rep.rec.Frame(ts, link, pkt.P, pkt.Kind, pkt.Err)
			}
			if live || cfg.Mode == ModeTUI {
				notify()
			}
			if live && time.Since(lastFlush) > 50*time.Millisecond {
				out.Flush()
				lastFlush = time.Now()
			}
		}
		return nil
	})
	l.packets.Store(int64(frames))
	return frames, first, last, l.failed(err)
}

// failed records why the capture on l ended, naming the link.
func (l *linkHealth) failed(err error) error {
	if err != nil {
		err = fmt.Errorf("reading %s: %w", l.name, err)
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
	}
	return err
}

// readTagged tracks a file read by capture.RunTagged: the tracker counts
// repeated adverts from their tags and decodes the rest.
func readTagged(ctx context.Context, l *linkHealth, cfg Config, tr *track.Tracker, notify func()) (frames int, first, last time.Time, err error) {
	p, err := decode.NewParser(l.src.LinkType())
	if err != nil {
		return 0, first, last, err
	}
	s := tr.NewStream(l.name)
	err = capture.RunTagged(ctx, l.src, func(b *capture.Tagged) error {
		if frames == 0 {
			first = time.Unix(0, b.Tags[0].Time).UTC()
		}
		frames = b.First + len(b.Tags) - 1
		last = time.Unix(0, b.Tags[len(b.Tags)-1].Time).UTC()
		tr.ObserveTagged(s, b.Tags, b.Data, p)
		l.packets.Store(int64(frames))
		if cfg.Mode == ModeTUI {
			notify()
		}
		return nil
	})
	return frames, first, last, l.failed(err)
}

// lockedWriter lets several capture loops and the tracker's findings share
// one buffered output. With one link the lock is never contended.
type lockedWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Flush()
}
