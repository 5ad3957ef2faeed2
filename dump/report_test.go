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
