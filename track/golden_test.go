package track_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gold "github.com/vrrpkit/vrrpkit/internal/golden"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/track"
)

// replay feeds a capture to a new tracker the way an offline driver does:
// every frame with its timestamp, then End at the last frame's time. It
// returns the tracker, the capture's first timestamp and the findings in the
// order OnFinding delivered them.
func replay(t testing.TB, path string, opts track.Options, setup ...func(*track.Tracker)) (*track.Tracker, time.Time, []track.Finding) {
	t.Helper()
	lt, frames := readCapture(t, path)
	p := newParser(t, lt)
	tr := track.New(opts)
	for _, f := range setup {
		f(tr)
	}
	var live []track.Finding
	tr.OnFinding = func(f track.Finding) { live = append(live, f) }
	var first, last time.Time
	for _, f := range frames {
		if first.IsZero() {
			first = f.ts
		}
		last = f.ts
		kind, derr := p.Decode(f.data)
		tr.Observe(f.ts, "lab0", p, kind, derr)
	}
	tr.End(last)
	return tr, first, live
}

// goldenLine is one stable line per finding: relative times, id, severity,
// routers, count, then the message.
func goldenLine(f track.Finding, t0 time.Time) string {
	return fmt.Sprintf("%7.3f %7.3f %-8s %-26s %s vrid=%d routers=%s count=%d\n\t%s%s",
		f.First.Sub(t0).Seconds(), f.Last.Sub(t0).Seconds(), f.Severity, f.ID, f.Group.Family, f.Group.VRID,
		strings.Join(f.Routers, ","), f.Count, f.Message, causeLine(f))
}

func causeLine(f track.Finding) string {
	if f.Cause == "" {
		return ""
	}
	return "\n\tcause: " + f.Cause
}

// TestGolden compares every capture's findings with testdata/<capture>.golden.
func TestGolden(t *testing.T) {
	for _, path := range refcap.Paths(t, "..") {
		name := strings.TrimSuffix(filepath.Base(path), ".pcap")
		t.Run(name, func(t *testing.T) {
			tr, t0, _ := replay(t, path, track.Options{})
			var b strings.Builder
			for _, f := range tr.Findings() {
				b.WriteString(goldenLine(f, t0))
				b.WriteString("\n")
			}
			golden := filepath.Join("testdata", name+".golden")
			if gold.Update() {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("findings differ from %s (go test ./track -run TestGolden -update to accept):\n--- want\n%s\n--- got\n%s", golden, want, got)
			}
		})
	}
}
