package dump_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/dump"
)

// TestReportFlag: --report writes the HTML report beside any mode and
// changes nothing else (same output, same exit); the report package's own
// tests check what it draws.
func TestReportFlag(t *testing.T) {
	pcap := filepath.Join("..", "testdata", "pcaps", "split-brain.pcap")
	for _, mode := range []string{"--summary", "--lines", "--json"} {
		t.Run(mode, func(t *testing.T) {
			html := filepath.Join(t.TempDir(), "r.html")
			want, _, wantErr := run(t, "-r", pcap, mode)
			got, stderr, err := run(t, "-r", pcap, mode, "--report", html)
			if !errors.Is(err, dump.ErrErrorFinding) || !errors.Is(wantErr, dump.ErrErrorFinding) {
				t.Fatalf("exit: %v and %v, want the error finding's", err, wantErr)
			}
			if got != want || stderr != "" {
				t.Errorf("--report changed the output (stderr %q)", stderr)
			}
			b, err := os.ReadFile(html)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			for _, must := range []string{`<svg class="timeline" data-group="split-brain.pcap ipv4 vrid 51"`, `class="split"`, "split brain in ipv4 vrid 51"} {
				if !strings.Contains(s, must) {
					t.Errorf("report lacks %q", must)
				}
			}
		})
	}
	t.Run("unwritable", func(t *testing.T) {
		_, _, err := run(t, "-r", pcap, "--report", filepath.Join(t.TempDir(), "no", "such", "dir", "r.html"))
		if err == nil || !strings.Contains(err.Error(), "--report") {
			t.Errorf("error %v does not name --report", err)
		}
	})
	t.Run("unreadable capture leaves no report", func(t *testing.T) {
		html := filepath.Join(t.TempDir(), "r.html")
		if _, _, err := run(t, "-r", "no-such.pcap", "--report", html); err == nil {
			t.Fatal("no error")
		}
		if _, err := os.Stat(html); err == nil {
			t.Error("a failed run left a report behind")
		}
	})
}

// TestLogFlag: --log sets the two keepalived logs of the split-brain
// capture (a journalctl -o json export and an -o short-iso-precise one)
// against the wire: the findings join the summary and the report, which
// shows each log's transitions on its router's lane.
func TestLogFlag(t *testing.T) {
	pcap := filepath.Join("..", "testdata", "pcaps", "split-brain.pcap")
	h1 := filepath.Join("..", "testdata", "logs", "split-brain-h1.json")
	h2 := filepath.Join("..", "testdata", "logs", "split-brain-h2.log")
	html := filepath.Join(t.TempDir(), "r.html")
	out, stderr, err := run(t, "-r", pcap, "--log", "h1="+h1, "--log", h2, "--report", html)
	if !errors.Is(err, dump.ErrErrorFinding) || stderr != "" {
		t.Fatalf("err %v, stderr %q", err, stderr)
	}
	for _, must := range []string{
		"ERROR log-unheard-master [split-brain.pcap ipv4 vrid 51]",
		"192.0.2.12 (log split-brain-h2.log) entered MASTER at 02:40:33.542363 while 192.0.2.11 (priority 150) was advertising as master",
		"INFO  log-transition-lag",
	} {
		// The summary wraps long lines: compare with its words joined.
		if !strings.Contains(strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(must), " ")) {
			t.Errorf("summary lacks %q:\n%s", must, out)
		}
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, must := range []string{
		`data-state="MASTER" data-router="192.0.2.11" data-log="h1"`,
		`data-state="MASTER" data-router="192.0.2.12" data-log="split-brain-h2.log"`,
		`its address in the log (&#34;Assigned address 192.0.2.12&#34;)`,
	} {
		if !strings.Contains(s, must) {
			t.Errorf("report lacks %q", must)
		}
	}
	for _, bad := range [][]string{
		{"-r", pcap, "--log", "no-such.log"},
		{"-r", pcap, "--log", "h1=no-such.log"},
	} {
		if _, _, err := run(t, bad...); err == nil || !strings.Contains(err.Error(), "--log") || !strings.Contains(err.Error(), "no-such.log") {
			t.Errorf("%v: error %v does not name --log and the file", bad, err)
		}
	}
	// A file that is no daemon log says what it expected.
	if _, _, err := run(t, "-r", pcap, "--log", pcap); err == nil || !strings.Contains(err.Error(), "journalctl") {
		t.Errorf("--log of a pcap: %v", err)
	}
}
