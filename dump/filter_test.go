package dump_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
)

// TestFileFilterAsTcpdump: `vrrpdump -r CAP EXPR` prints what vrrpdump
// prints for the capture tcpdump writes with `tcpdump -r CAP -w OUT EXPR`,
// in --summary and --json (frame numbers included), for every reference
// capture.
func TestFileFilterAsTcpdump(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tcpdump is not installed: scripts/setup.sh installs it")
		}
		t.Skip("tcpdump is not installed")
	}
	exprs := []string{"host 192.0.2.11", "not host 192.0.2.11", "src 192.0.2.12", "dst host 224.0.0.18", "net 192.0.2.0/24",
		"ip6", "ip", "not arp", "host fe80::53 or arp", "vrrp", "ip6 proto 112", "icmp6", "udp port 53"}
	for _, path := range refcap.Paths(t, "..") {
		for _, expr := range exprs {
			// tcpdump writes a capture named as the original, in a directory of its own.
			dir := t.TempDir()
			filtered := filepath.Join(dir, filepath.Base(path))
			if out, err := exec.Command("tcpdump", "-r", path, "-w", filtered, expr).CombinedOutput(); err != nil {
				t.Fatalf("tcpdump -r %s -w %s %s: %v\n%s", path, filtered, expr, err, out)
			}
			for _, mode := range []string{"--summary", "--json"} {
				args := append([]string{"-r", path, mode}, strings.Fields(expr)...)
				got, _, err := run(t, args...)
				if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
					t.Fatalf("vrrpdump %s: %v", strings.Join(args, " "), err)
				}
				want, _, err := run(t, "-r", filtered, mode)
				if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
					t.Fatalf("vrrpdump -r %s %s: %v", filtered, mode, err)
				}
				// Only the closing note of an empty result names the expression.
				got, want = dropLine(got, "NO FRAME MATCHED"), dropLine(want, "NO FRAME MATCHED")
				if got != want {
					t.Errorf("vrrpdump %s:\n%s\nwant, as for tcpdump's file:\n%s", strings.Join(args, " "), got, want)
				}
			}
		}
	}
}

func dropLine(s, prefix string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, prefix) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
