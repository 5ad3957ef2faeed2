package dump_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/golden"
	"github.com/vrrpkit/vrrpkit/internal/synth"
)

// scenarioPcap writes synth scenario name as a pcap.
func scenarioPcap(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".pcap")
	if err := synth.WriteScenario(path, synth.Scenarios()[name]); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestIncidentGoldens pins --lines, --json and --summary of captures whose
// incidents open and close: the opening with its number, cause and the
// fix computed from it; the closing with its duration and how it ended;
// the adverts of the routers involved marked while it lasts; the summary's
// INCIDENTS with start, end and duration.
func TestIncidentGoldens(t *testing.T) {
	for name := range synth.Scenarios() {
		path := scenarioPcap(t, name)
		for _, mode := range []string{"lines", "json", "summary"} {
			t.Run(name+"."+mode, func(t *testing.T) {
				out, errOut, err := run(t, "-r", path, "--"+mode)
				if err != nil && !errors.Is(err, dump.ErrErrorFinding) || errOut != "" {
					t.Fatalf("%v %s", err, errOut)
				}
				golden.File(t, filepath.Join("testdata", t.Name()+".golden"), []byte(out))
			})
		}
		// --lines --summary: the lines, then the summary.
		both, _, _ := run(t, "-r", path, "--lines", "--summary")
		lines, _, _ := run(t, "-r", path, "--lines")
		summary, _, _ := run(t, "-r", path, "--summary")
		if both != lines+"\n"+summary {
			t.Errorf("%s: --lines --summary is not the lines, then the summary:\n%s", name, both)
		}
	}
}

// Every closing in the NDJSON pairs with an opening of the same id and
// incident number, the same start, and ends after it; the split brain
// lasts from 192.0.2.12's first advert as master to the advert of
// 192.0.2.11 that made it a backup.
func TestIncidentsPairInNDJSON(t *testing.T) {
	for name := range synth.Scenarios() {
		out, _, err := run(t, "-r", scenarioPcap(t, name), "--json")
		if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
			t.Fatal(err)
		}
		type key struct {
			id string
			n  int
		}
		opened := map[key]string{}
		closes := 0
		for _, o := range readNDJSON(t, out) {
			if o.str("kind") != "finding" || o.str("phase") == "" {
				continue
			}
			k := key{o.str("id"), o.num("incident")}
			if k.n == 0 {
				t.Errorf("%s: %s %s without an incident number", name, k.id, o.str("phase"))
			}
			switch o.str("phase") {
			case "open":
				if _, dup := opened[k]; dup {
					t.Errorf("%s: %v opened twice", name, k)
				}
				opened[k] = o.str("start")
			case "close":
				closes++
				start, ok := opened[k]
				if !ok || start != o.str("start") {
					t.Errorf("%s: close of %v without its opening (start %q, opened %q)", name, k, o.str("start"), start)
				}
				s, _ := time.Parse(time.RFC3339Nano, start)
				e, _ := time.Parse(time.RFC3339Nano, o.str("end"))
				if !e.After(s) && !e.Equal(s) {
					t.Errorf("%s: %v ends %v before it starts %v", name, k, e, s)
				}
				if name == "split-brain-ends" && k.id == "split-brain" && e.Sub(s) != 7400*time.Millisecond {
					t.Errorf("split brain lasted %v, want 7.4s (8.6 s to 192.0.2.11's advert at 16 s)", e.Sub(s))
				}
				delete(opened, k)
			}
		}
		if closes == 0 && name != "failover" { // failovers are events
			t.Errorf("%s: no incident closed", name)
		}
		if len(opened) != 0 {
			t.Errorf("%s: still open at the end: %v", name, opened)
		}
	}
	if !strings.Contains(incidentLines(t), "split brain in ipv4 vrid 51 ended after 7.400 s: 192.0.2.12 went back to backup at 192.0.2.11's next advert") {
		t.Error("the split brain's close line is missing")
	}
}

func incidentLines(t *testing.T) string {
	out, _, _ := run(t, "-r", scenarioPcap(t, "split-brain-ends"), "--lines")
	return out
}

// The summary's findings wrap at spaces to the terminal's width (100
// columns when not a terminal): no finding line is longer, none is cut
// inside a word, and the words are all there.
func TestSummaryWraps(t *testing.T) {
	path := filepath.Join("..", "testdata", "pcaps", "split-brain.pcap")
	for _, width := range []int{0, 80, 120} {
		var o bytes.Buffer
		err := dump.Run(context.Background(), []string{"-r", path, "--summary"}, dump.Env{Stdout: &o, Stderr: &o, Location: time.UTC, Width: width})
		if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
			t.Fatal(err)
		}
		want := width
		if want == 0 {
			want = 100
		}
		_, findings, _ := strings.Cut(o.String(), "\nFINDINGS\n")
		for _, l := range strings.Split(findings, "\n") {
			if n := utf8.RuneCountInString(l); n > want && strings.Contains(strings.TrimSpace(l), " ") {
				t.Errorf("width %d: a line of %d columns: %s", width, n, l)
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(findings), " "), "one-way loss at 192.0.2.12") {
			t.Errorf("width %d: words lost:\n%s", width, findings)
		}
	}
}
