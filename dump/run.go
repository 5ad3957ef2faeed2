package dump

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/decode/filter"
	"github.com/vrrpkit/vrrpkit/decode/filter/tcpdump"
	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/report"
	"github.com/vrrpkit/vrrpkit/track"
)

// ErrErrorFinding is returned when the run saw at least one error-severity
// finding: vrrpdump exits 1 (it is a cli.ErrProblem).
var ErrErrorFinding = fmt.Errorf("error findings: %w", cli.ErrProblem)

// Env is what a run talks to besides its arguments.
type Env struct {
	Stdout, Stderr io.Writer
	// Terminal says stdout is a terminal: -i then opens the TUI.
	Terminal bool
	// Width is the terminal's width in columns, to which the summary (and
	// the quit screen) wraps; 0: 100 columns.
	Width int
	// Location for times of day in lines and summaries (default time.Local).
	Location *time.Location
	// TUI runs the interactive screen until the user quits; nil when the
	// binary has none. It must not block the capture: it reads feed.Tracker
	// (which locks) when feed.Updates says something changed.
	TUI func(ctx context.Context, feed *feed.Feed) error
	// Metrics serves Prometheus metrics on addr until ctx is done; nil when
	// the binary has no exporter. It returns early only when it cannot
	// serve (e.g. the address is in use).
	Metrics func(ctx context.Context, addr string, feed *feed.Feed) error
	// OpenLive starts a live capture of VRRP on iface (-i); nil when the
	// binary has none. cmd/vrrpdump plugs in package live, so that this
	// package builds without cgo.
	OpenLive func(iface string, o LiveOptions) (capture.Source, error)
}

// LiveOptions are what the command line asks of a live capture.
type LiveOptions struct {
	Filter  string           // extra BPF expression, ANDed with the VRRP filter
	Promisc bool             // promiscuous mode
	Warn    func(msg string) // what the capture could not do as asked but can run without
}

// Run is vrrpdump. Its result maps to the exit status by cli.Exit: nil or
// cli.ErrHelp (exit 0), ErrErrorFinding (exit 1), a *cli.UsageError or
// another error (exit 2).
func Run(ctx context.Context, args []string, env Env) error {
	if env.Location == nil {
		env.Location = time.Local
	}
	cfg, err := Parse(args, env.Stdout)
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
	case cfg.Read == "" && env.OpenLive == nil:
		return errors.New("this vrrpdump was built without live capture: read a file with -r")
	}
	isLive := cfg.Read == ""
	var srcs []capture.Source
	defer func() {
		for _, s := range srcs {
			s.Close()
		}
	}()
	if isLive {
		for _, iface := range cfg.Ifaces {
			s, err := env.OpenLive(iface, LiveOptions{Filter: cfg.Filter, Promisc: cfg.Promisc,
				Warn: func(msg string) { fmt.Fprintf(env.Stderr, "vrrpdump: warning: %s\n", msg) }})
			if err != nil {
				return err
			}
			srcs = append(srcs, s)
		}
	} else {
		s, err := pcapfile.Open(cfg.Read)
		if err != nil {
			return err
		}
		srcs = append(srcs, s)
		if cfg.Filter != "" {
			// As tcpdump -r FILE -w - EXPR: only the frames EXPR accepts
			// are read, counted and numbered.
			f, err := capture.Filtered(s, func(l filter.Link) (filter.Expr, error) { return tcpdump.Compile(cfg.Filter, l) })
			if err != nil {
				return fmt.Errorf("%s: %w", cfg.Read, err)
			}
			srcs[0] = f
		}
	}
	tr := track.New(track.Options{ShowAuth: cfg.ShowAuth})
	fd := feed.New(tr, isLive)
	var names []string
	for _, s := range srcs {
		name := s.Name()
		if !isLive {
			name = filepath.Base(name)
		}
		names = append(names, name)
		fd.AddLink(name, s)
	}
	fd.Source = strings.Join(names, ",")

	opts := capture.Options{Count: cfg.Count}
	closeWrite := func() error { return nil }
	if isLive && cfg.Duration > 0 {
		opts.Until = time.Now().Add(cfg.Duration)
	}
	if cfg.Write != "" {
		if len(srcs) > 1 {
			return cli.VRRPDump.Usagef("-w", "writes one interface's frames: run one vrrpdump per interface to keep several")
		}
		if cfg.RotateSize > 0 || cfg.RotateSeconds > 0 {
			rw := &rotatingWriter{base: cfg.Write, lt: srcs[0].LinkType(), size: int64(cfg.RotateSize) * 1e6,
				every: time.Duration(cfg.RotateSeconds) * time.Second, keep: cfg.RotateFiles}
			if err := rw.open(time.Time{}); err != nil {
				return err
			}
			defer rw.Close() // on early returns; closeWrite checks the close
			opts.Write, closeWrite = rw, rw.Close
		}
	}
	if cfg.Write != "" && opts.Write == nil {
		f, err := os.Create(cfg.Write)
		if err != nil {
			return fmt.Errorf("-w: %w", err)
		}
		defer f.Close() // on early returns; closeWrite checks the close
		w, err := pcapfile.NewWriter(f, srcs[0].LinkType(), 65535)
		if err != nil {
			return &outputError{cfg.Write, err}
		}
		opts.Write = pathWriter{w, cfg.Write}
		if cfg.PacketBuffered {
			opts.Write = flushingWriter{w, cfg.Write}
		}
		closeWrite = func() error {
			if err := w.Flush(); err != nil {
				return &outputError{cfg.Write, err}
			}
			if err := f.Close(); err != nil {
				return &outputError{cfg.Write, err}
			}
			return nil
		}
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
	var fr *flightRecorder
	if cfg.Ring > 0 {
		if fr, err = newFlightRecorder(cfg.Save, cfg.Ring, srcs[0].LinkType(), env.Stderr); err != nil {
			return err
		}
		if rep == nil { // the reports beside the saved captures
			rep = &reportOut{rec: report.NewRecorder()}
		}
		fr.report = func(path string) error {
			return rep.snapshot(path, fd.Source, tr, env.Location)
		}
	}
	out := &lockedWriter{w: bufio.NewWriterSize(env.Stdout, 64<<10), name: "standard output", eachWrite: cfg.LineBuffered}
	defer out.Flush() // on early returns; the end checks the flush
	verdicts := &incidentVerdicts{}
	tr.OnFinding = func(f track.Finding) { // findings are rare: a buffer each
		if cfg.Mode == ModeLines {
			verdicts.finding(&f)
		}
		if rep != nil {
			rep.rec.Finding(f)
		}
		if fr != nil {
			fr.finding(f)
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
	fd.Updates = updates
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
			err := env.TUI(ctx, fd)
			hookFailed(err) // quitting the TUI ends the capture
		}()
	}
	metricsCtx, stopMetrics := context.WithCancel(ctx)
	defer stopMetrics()
	if cfg.Metrics != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := env.Metrics(metricsCtx, cfg.Metrics, fd); err != nil {
				hookFailed(fmt.Errorf("--metrics %s: %w", cfg.Metrics, err))
			}
		}()
	}

	var first, last time.Time
	frames := 0
	var capErr error
	if len(srcs) == 1 {
		frames, first, last, capErr = readOne(loopCtx, fd.Links()[0], opts, cfg, tr, rep, fr, out, verdicts, env, isLive, updates)
	} else {
		var mu sync.Mutex
		var cwg sync.WaitGroup
		for _, l := range fd.Links() {
			cwg.Add(1)
			go func() {
				defer cwg.Done()
				n, _, _, err := readOne(loopCtx, l, opts, cfg, tr, rep, fr, out, verdicts, env, isLive, updates)
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
	if isLive {
		last = time.Now()
	}
	if !last.IsZero() {
		tr.End(last)
	}
	if fr != nil {
		fr.finish() // an incident still recording is saved with what there is
	}
	close(updates)
	if cfg.Mode != ModeTUI {
		stopMetrics() // the TUI stays open after a replay until the user quits
	}
	wg.Wait()
	if hookErr != nil {
		return hookErr
	}
	// A file that could not be read to its end (cut short, a corrupt
	// record) still gets every output for what was read, then says where
	// and why it stopped (exit 3). A failed write ends the run (exit 2).
	var incomplete error
	if capErr != nil {
		var oe *outputError
		switch {
		case errors.As(capErr, &oe):
			return oe
		case errors.Is(capErr, capture.ErrIncomplete) && !isLive:
			incomplete = capErr
		default:
			return capErr
		}
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
		if st, err := srcs[0].Stats(); err == nil {
			capStats = &st
		}
	}
	// textSummary is --summary (and the quit screen), after --lines too.
	textSummary := func() {
		writeSummary(out, fd.Source, frames, tr.Stats(), tr.Overview(), tr.CARP(), findings, tr.Incidents(), first, tr.Now(), env.Location, env.Width)
		if frames == 0 {
			fmt.Fprintf(out, "\nNO FRAME MATCHED: %s\n", noFrameMatched(cfg))
		}
		for _, n := range tr.Notes() {
			fmt.Fprintf(out, "\nNOT JUDGED %s\n", n)
		}
		if incomplete != nil {
			fmt.Fprintf(out, "\nINCOMPLETE %v: the above covers the %d frames read before\n", incomplete, frames)
		}
		if capStats != nil {
			fmt.Fprintf(out, "\ncapture: %d received, %d dropped by the kernel, %d by the interface\n",
				capStats.Received, capStats.Dropped, capStats.IfDropped)
		}
	}
	switch cfg.Mode {
	case ModeSummary, ModeTUI:
		textSummary()
	case ModeJSON:
		sum := summaryJSON{Kind: "summary", Source: fd.Source, Frames: frames, Stats: tr.Stats(),
			Capture: capStats, Groups: tr.Snapshot(), CARP: tr.CARP(), Findings: findings, Incidents: tr.Incidents(), Notes: tr.Notes(), Exit: exit}
		if incomplete != nil {
			sum.Incomplete, sum.Exit = incomplete.Error(), exitIncomplete
		}
		j, err := appendSummaryJSON(nil, sum)
		if err != nil {
			return fmt.Errorf("writing the NDJSON summary: %w", err)
		}
		out.Write(append(j, '\n'))
	case ModeLines, ModeFindings:
		if cfg.SummaryToo {
			out.Write([]byte("\n"))
			textSummary()
		}
		for _, h := range fd.Health() {
			if h.Received > 0 || h.Dropped > 0 {
				fmt.Fprintf(env.Stderr, "vrrpdump: %s: %d received, %d dropped by the kernel, %d by the interface\n",
					h.Link, h.Received, h.Dropped, h.IfDropped)
			}
		}
	}
	if rep != nil {
		var notes []string
		for _, h := range fd.Health() {
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
		if err := rep.finish(fd.Source, frames, tr, findings, notes, env.Location); err != nil {
			return err
		}
	}
	if err := closeWrite(); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if incomplete != nil {
		return fmt.Errorf("%w: %w; everything before was analysed and printed", ErrPartial, incomplete)
	}
	if exit == 1 {
		return ErrErrorFinding
	}
	if frames == 0 && isLive {
		// Nothing seen is no all-clear: a wrong interface or an
		// expression that matches nothing looks the same.
		return cli.Problemf("%s", noFrameMatched(cfg))
	}
	return nil
}

// noFrameMatched is what a run that read no frame says at its end.
func noFrameMatched(cfg Config) string {
	if cfg.Read != "" {
		if cfg.Filter != "" {
			return "no frame in " + filepath.Base(cfg.Read) + " matched " + strconv.Quote(cfg.Filter) + ": check the expression"
		}
		return filepath.Base(cfg.Read) + " holds no frames"
	}
	where := "on " + strings.Join(cfg.Ifaces, ", ")
	if cfg.Filter != "" {
		where += " with " + strconv.Quote(cfg.Filter)
	}
	return "no frame matched " + where + ": check the interface and the expression"
}

// readOne runs the capture loop on one link until it ends.
func readOne(ctx context.Context, l *feed.Link, opts capture.Options, cfg Config, tr *track.Tracker, rep *reportOut,
	fr *flightRecorder, out *lockedWriter, verdicts *incidentVerdicts, env Env, isLive bool, updates chan<- struct{}) (frames int, first, last time.Time, err error) {
	link := l.Name()
	lastFlush := time.Now()
	notify := func() {
		select {
		case updates <- struct{}{}:
		default:
		}
	}
	opts.OnIdle = func(now time.Time) { // the tracker has ticked
		out.Flush()
		notify()
		if fr != nil {
			fr.due(now)
		}
	}
	// Lines and JSON are formatted by Prepare: for a file, on the reading
	// goroutine, while this one tracks the previous frames.
	// Printing every advert of a file as NDJSON, the reader decodes only
	// what does not repeat (capture.Options.Lazy): decoding was most of its
	// work. A repeat's object is its flow's previous one with another frame
	// number and time, and the tracker counts it on its steady path. (Lines
	// mark a router's adverts with its open incidents from the decoded
	// advert; the report and the flight recorder take decoded frames.)
	// The objects are then formatted on this goroutine, where they are
	// written: the reader has little left to do, and 370 bytes an advert
	// no longer cross between the cores (--json 10% faster).
	opts.Lazy = cfg.Mode == ModeJSON && !isLive && rep == nil && fr == nil
	pr := newPrinter(link, env.Location, cfg.ShowAuth, opts.Lazy)
	pr.macs = cfg.MACs
	switch cfg.Mode {
	case ModeLines:
		opts.Prepare = func(pkt *capture.Packet) {
			switch pkt.Kind {
			case decode.KindVRRP:
				pkt.Out = pr.vrrpLine(pkt.Out[:0], pkt)
			case decode.KindARP, decode.KindNeighbor, decode.KindUnreachable:
				pkt.Out = pr.neighLine(pkt.Out[:0], pkt)
			case decode.KindCARP:
				pkt.Out = pr.carpLine(pkt.Out[:0], pkt)
			default:
				pkt.Out = pkt.Out[:0]
			}
		}
	case ModeJSON:
		opts.Prepare = func(pkt *capture.Packet) {
			pkt.Out = pkt.Out[:0]
			switch pkt.Kind {
			case decode.KindVRRP:
				pkt.Out = pr.vrrpJSON(pkt.Out, pkt)
			case decode.KindCARP:
				pkt.Out = pr.carpJSON(pkt.Out, pkt)
			}
		}
	}
	var format func(*capture.Packet) // formats in Each instead of Prepare
	if opts.Lazy {
		format, opts.Prepare = opts.Prepare, nil
	}
	ro := track.ReadOptions{Options: opts, Link: link}
	// Reading a file with nothing printed per frame, the tracker takes
	// frames a run at a time (and counts repeated adverts from their tags);
	// otherwise frame by frame, each printed before its findings. The
	// report takes each finding as it is raised (a run would hand them
	// over after its last frame, with that frame's times): frame by frame
	// then.
	batched := !isLive && rep == nil && fr == nil && (cfg.Mode == ModeSummary || cfg.Mode == ModeTUI && cfg.Speed == 0)
	adverts := 0 // VRRP adverts read (counted when not batched: always live)
	h := &liveHealth{tr: tr, link: link, l: l, lastPoll: time.Now()}
	if isLive {
		onIdle := opts.OnIdle
		ro.OnIdle = func(now time.Time) {
			h.poll(now)
			onIdle(now)
		}
	}
	ro.Progress = func(p track.Progress) {
		if isLive {
			h.frame()
		}
		if batched || isLive || p.Frames&0xff == 0 { // an atomic store costs more than tracking on a file
			l.SetPackets(p.Frames)
		}
		if isLive || cfg.Mode == ModeTUI {
			notify()
		}
		if isLive && time.Since(lastFlush) > 50*time.Millisecond {
			out.Flush()
			lastFlush = time.Now()
		}
	}
	if !batched {
		speedStart := time.Now()
		var start time.Time
		ro.Each = func(pkt *capture.Packet) error {
			if format != nil {
				format(pkt)
			}
			if pkt.Kind == decode.KindVRRP {
				adverts++
			}
			if cfg.Mode == ModeLines {
				pkt.Out = verdicts.mark(pkt.Out, link, pkt)
			}
			if len(pkt.Out) > 0 {
				if _, err := out.Write(pkt.Out); err != nil {
					return err // stdout is gone or full: stop reading
				}
			}
			if cfg.Mode == ModeTUI && !isLive && cfg.Speed > 0 {
				ts := pkt.CI.Timestamp
				if start.IsZero() {
					start = ts
				}
				wait := time.Duration(float64(ts.Sub(start))/cfg.Speed) - time.Since(speedStart)
				if wait > 0 {
					select {
					case <-time.After(wait):
					case <-ctx.Done():
					}
				}
			}
			return nil
		}
		if rep != nil || fr != nil {
			ro.After = func(pkt *capture.Packet) {
				if rep != nil {
					rep.rec.Frame(pkt.CI.Timestamp, link, pkt.P, pkt.Kind, pkt.Err)
				}
				if fr != nil {
					fr.frame(pkt)
				}
			}
		}
	}
	for {
		// A reopened capture numbers its frames after the earlier ones',
		// and -c counts the adverts of both, as one tcpdump that survived
		// the gap would.
		ro.Numbered = frames
		if opts.Count > 0 {
			ro.Count = max(opts.Count-adverts, 1) // 0 would be no limit; the count is never reached in a failed read
		}
		prog, err := tr.Read(ctx, l.Source(), ro)
		if first.IsZero() {
			first = prog.First
		}
		if !prog.Last.IsZero() {
			last = prog.Last
		}
		frames = prog.Frames
		l.SetPackets(frames)
		if !isLive || err == nil || ctx.Err() != nil || env.OpenLive == nil || errors.As(err, new(*outputError)) {
			return frames, first, last, l.End(err)
		}
		// The capture failed (the interface went down, a read error):
		// reopen it, and report the time nothing was seen as capture-gap.
		if !h.reopen(ctx, env, cfg, err) {
			return frames, first, last, l.End(err)
		}
	}
}

// liveHealth watches a live capture's own health: the kernel's drops
// (capture-drops) and the time it saw nothing while failed and reopened
// (capture-gap).
type liveHealth struct {
	tr   *track.Tracker
	link string
	l    *feed.Link

	lastPoll    time.Time
	lastDropped int64
	sinceFrame  int // frames since the last poll

	gapFrom   time.Time // the open gap's start; zero when none
	gapWhy    string
	lastFrame time.Time // when the latest frame was read
	lastIf    time.Time // when the interface's state was last looked at
	noIf      bool      // no such interface to look at ("any")
}

// poll reads the kernel's drop counter (new drops are capture-drops) and,
// on a quiet capture, whether the interface is still up: libpcap does not
// always report it going down, the capture just goes silent. A down
// interface opens a gap from the last frame seen; the next frame closes it.
func (h *liveHealth) poll(now time.Time) {
	if !h.noIf && h.gapFrom.IsZero() && now.Sub(h.lastIf) >= 200*time.Millisecond {
		h.lastIf = now
		ifc, err := net.InterfaceByName(h.link)
		switch {
		case err != nil:
			h.noIf = true
		case ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagRunning == 0:
			from := h.lastFrame
			if from.IsZero() {
				from = now
			}
			h.gapFrom, h.gapWhy = from, "the interface "+h.link+" went down"
			h.tr.CaptureDown(h.link, from)
		}
	}
	h.sinceFrame = 0
	st, err := h.l.Source().Stats()
	if err != nil {
		return
	}
	if d := int64(st.Dropped); d > h.lastDropped {
		h.tr.CaptureDrops(h.link, h.lastPoll, now, d-h.lastDropped, d)
		h.lastDropped = d
	}
	h.lastPoll = now
}

// frame is called for every frame: the first after a reopen closes the
// gap, and a busy capture (no read timeouts) polls once a second.
func (h *liveHealth) frame() {
	h.lastFrame = time.Now()
	if !h.gapFrom.IsZero() {
		h.tr.CaptureGap(h.link, h.gapFrom, h.lastFrame, h.gapWhy)
		h.gapFrom = time.Time{}
	}
	if h.sinceFrame++; h.sinceFrame&0xff == 0 && time.Since(h.lastPoll) > time.Second {
		h.poll(time.Now())
	}
}

// reopen closes the failed capture and opens it again every 200 ms until
// it works or ctx ends (false). The gap closes at the first frame seen
// again (frame).
func (h *liveHealth) reopen(ctx context.Context, env Env, cfg Config, cause error) bool {
	from := time.Now()
	if h.gapFrom.IsZero() {
		h.gapFrom, h.gapWhy = from, cause.Error()
		h.tr.CaptureDown(h.link, from)
	}
	fmt.Fprintf(env.Stderr, "vrrpdump: warning: reading %s: %v; reopening the capture\n", h.link, cause)
	h.l.Source().Close()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(200 * time.Millisecond):
		}
		h.tr.Tick(time.Now())
		src, err := env.OpenLive(h.link, LiveOptions{Filter: cfg.Filter, Promisc: cfg.Promisc})
		if err == nil {
			h.l.SetSource(src)
			h.lastDropped, h.lastPoll = 0, time.Now() // a new socket counts from zero
			return true
		}
	}
}

// lockedWriter lets several capture loops and the tracker's findings share
// one buffered output. With one link the lock is never contended. Its
// first write error sticks (bufio's do), named as an *outputError.
type lockedWriter struct {
	mu        sync.Mutex
	w         *bufio.Writer
	name      string // for errors: "standard output"
	eachWrite bool   // -l: flush after every write
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.w.Write(p)
	if err == nil && l.eachWrite {
		err = l.w.Flush()
	}
	if err != nil {
		err = &outputError{l.name, err}
	}
	return n, err
}

func (l *lockedWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil {
		return &outputError{l.name, err}
	}
	return nil
}
