package dump

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/daemonlog"
	"github.com/vrrpkit/vrrpkit/report"
	"github.com/vrrpkit/vrrpkit/track"
)

// reportOut is --report and --log: the recorder the HTML report is drawn
// from, the daemons' logs set against it, and the report file. The file is
// created and the logs opened before the capture starts, so a bad path
// fails at once rather than after a long live capture; the logs are read
// when it ends (syslog stamps take the capture's year).
type reportOut struct {
	path string
	f    *os.File
	rec  *report.Recorder
	logs []logArg
	read []*daemonlog.Log
}

type logArg struct{ name, path string }

// parseLogArg splits --log [NAME=]FILE.
func parseLogArg(s string) logArg {
	if i := strings.IndexByte(s, '='); i > 0 && !strings.ContainsRune(s[:i], '/') {
		return logArg{s[:i], s[i+1:]}
	}
	return logArg{path: s}
}

func openReport(cfg Config) (*reportOut, error) {
	if cfg.Report == "" && len(cfg.Logs) == 0 {
		return nil, nil
	}
	ro := &reportOut{path: cfg.Report, rec: report.NewRecorder()}
	for _, s := range cfg.Logs {
		a := parseLogArg(s)
		f, err := os.Open(a.path)
		if err != nil {
			return nil, fmt.Errorf("--log %s: %w", s, err)
		}
		f.Close()
		ro.logs = append(ro.logs, a)
	}
	if cfg.Report != "" {
		f, err := os.Create(cfg.Report)
		if err != nil {
			return nil, fmt.Errorf("--report: %w (give a writable FILE.html)", err)
		}
		ro.f = f
	}
	return ro, nil
}

// compare reads the logs, matches them to the routers on the wire and
// returns the findings of setting them against it.
func (ro *reportOut) compare(tr *track.Tracker, first time.Time, loc *time.Location) ([]track.Finding, error) {
	if len(ro.logs) == 0 {
		return nil, nil
	}
	year := first.In(loc).Year()
	if first.IsZero() {
		year = time.Now().Year()
	}
	for _, a := range ro.logs {
		l, err := daemonlog.ReadFile(a.path, a.name, daemonlog.Options{Location: loc, Year: year})
		if err != nil {
			return nil, err
		}
		ro.read = append(ro.read, l)
	}
	w := ro.rec.Wire(tr.Overview())
	daemonlog.Match(ro.read, w)
	return daemonlog.Compare(ro.read, w), nil
}

// finish writes the report from the recorder and the run's final view.
func (ro *reportOut) finish(source string, frames int, tr *track.Tracker, findings []track.Finding, notes []string, loc *time.Location) error {
	if ro.f == nil {
		return nil
	}
	in := report.Input{Source: source, Frames: frames, Stats: tr.Stats(), Groups: tr.Overview(),
		Findings: findings, Notes: notes, Location: loc, Generated: time.Now()}
	for _, l := range ro.read {
		in.Logs = append(in.Logs, l.Events...)
		in.LogSources = append(in.LogSources, report.LogSource{Name: l.Name, Path: l.Path, Format: l.Format,
			Router: l.Router, MatchedBy: l.MatchedBy, Events: len(l.Events)})
	}
	err := report.Write(ro.f, ro.rec, in)
	if cerr := ro.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	ro.f = nil
	if err != nil {
		return fmt.Errorf("--report %s: %w", ro.path, err)
	}
	return nil
}

// snapshot writes the report of the run so far to path (the flight
// recorder's, beside each saved capture).
func (ro *reportOut) snapshot(path, source string, tr *track.Tracker, loc *time.Location) error {
	in := report.Input{Source: source, Stats: tr.Stats(), Groups: tr.Overview(), Findings: tr.Findings(),
		Location: loc, Generated: time.Now(), Notes: []string{"written by the flight recorder (--ring) while the capture went on"}}
	return writeNewFile(path, func(f *os.File) error { return report.Write(f, ro.rec, in) })
}

// abandon closes the report file after a failed run, leaving no half page.
func (ro *reportOut) abandon() {
	if ro != nil && ro.f != nil {
		ro.f.Close()
		os.Remove(ro.path)
	}
}
