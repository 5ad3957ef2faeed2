package vrrpkit_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps dependencies pointing one way: the wire layer
// opens nothing and knows no UI; no library imports a command or the TUI;
// the capture engine knows neither the screen nor the exporter (the
// command plugs them in); gopacket stays under decode/ (and the commands
// that feed it).
func TestDependencies(t *testing.T) {
	for _, tc := range []struct {
		pkg       string
		forbidden []string
	}{
		{"./decode", []string{"os/exec", "github.com/google/gopacket/pcap", "github.com/vrrpkit/vrrpkit/tui",
			"github.com/vrrpkit/vrrpkit/cmd/", "github.com/charmbracelet/", "net/http"}},
		{"./track", []string{"github.com/google/gopacket/pcap", "github.com/vrrpkit/vrrpkit/tui",
			"github.com/vrrpkit/vrrpkit/cmd/", "os/exec", "github.com/charmbracelet/"}},
		{"./dump", []string{"github.com/vrrpkit/vrrpkit/tui", "github.com/vrrpkit/vrrpkit/metrics",
			"github.com/vrrpkit/vrrpkit/cmd/", "github.com/charmbracelet/", "github.com/prometheus/"}},
		{"./metrics", []string{"github.com/vrrpkit/vrrpkit/tui", "github.com/vrrpkit/vrrpkit/cmd/", "github.com/charmbracelet/"}},
	} {
		out, err := exec.Command("go", "list", "-deps", tc.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", tc.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range tc.forbidden {
				if dep == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f)) {
					t.Errorf("%s imports %s", tc.pkg, dep)
				}
			}
		}
	}
}
