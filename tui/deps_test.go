package tui

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports: the screen reads the tracker and the feed, never packets,
// and nothing here runs programs or reaches into a command.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, imp := range strings.Fields(string(out)) {
		for _, bad := range []string{"github.com/google/gopacket", "github.com/vrrpkit/vrrpkit/decode/capture",
			"github.com/vrrpkit/vrrpkit/cmd/", "os/exec"} {
			if imp == bad || strings.HasPrefix(imp, strings.TrimSuffix(bad, "/")+"/") {
				t.Errorf("tui imports %s", imp)
			}
		}
	}
}
