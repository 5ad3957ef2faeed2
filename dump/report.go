package dump

import (
	"fmt"
	"os"
	"time"

	"github.com/vrrpkit/vrrpkit/report"
	"github.com/vrrpkit/vrrpkit/track"
)

// reportOut is --report: the HTML report, written when the run ends. The
// file is created before the capture starts, so a bad path fails at once
// rather than after a long live capture.
type reportOut struct {
	path string
	f    *os.File
	rec  *report.Recorder
}

func openReport(cfg Config) (*reportOut, error) {
	if cfg.Report == "" {
		return nil, nil
	}
	f, err := os.Create(cfg.Report)
	if err != nil {
		return nil, fmt.Errorf("--report: %w (give a writable FILE.html)", err)
	}
	ro := &reportOut{path: cfg.Report, f: f, rec: report.NewRecorder()}
	return ro, nil
}

// finish writes the report from the recorder and the tracker's final view.
func (ro *reportOut) finish(source string, frames int, tr *track.Tracker, notes []string, loc *time.Location) error {
	in := report.Input{Source: source, Frames: frames, Stats: tr.Stats(), Groups: tr.Overview(),
		Findings: tr.Findings(), Notes: notes, Location: loc, Generated: time.Now()}
	err := report.Write(ro.f, ro.rec, in)
	if cerr := ro.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("--report %s: %w", ro.path, err)
	}
	return nil
}

// abandon closes the report file after a failed run, leaving no half page.
func (ro *reportOut) abandon() {
	if ro != nil && ro.f != nil {
		ro.f.Close()
		os.Remove(ro.path)
	}
}
