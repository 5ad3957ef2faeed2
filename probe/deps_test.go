package probe

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps: probe's (non-test) dependencies point one way: no tui/, no
// cmd/, no lab, no bubbletea, no libpcap.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	forbidden := []string{
		"github.com/vrrpkit/vrrpkit/tui",
		"github.com/vrrpkit/vrrpkit/cmd/",
		"github.com/vrrpkit/vrrpkit/internal/lab",
		"github.com/charmbracelet/bubbletea",
		"github.com/google/gopacket/pcap",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("probe depends on %s", dep)
			}
		}
	}
}
