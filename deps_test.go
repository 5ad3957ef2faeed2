package vrrpkit_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/vrrpkit/vrrpkit"

// dependencyRules is the one table of which package may use what. deps are
// forbidden anywhere in a package's (non-test) dependencies, imports as
// its direct imports; a name ending in "/" forbids everything below it.
//
// The wire layer opens nothing and knows no UI; the capture engine knows
// none of its sources (files, live) nor who reads it; no library imports a
// command, the screen or the exporter; libpcap (gopacket/pcap) only in live
// capture; bubbletea stays in tui, Prometheus in metrics.
var dependencyRules = []struct {
	pkg           string
	deps, imports []string
}{
	{pkg: "./decode", deps: []string{"os/exec", "net/http", "github.com/google/gopacket/pcap", mod + "/decode/capture",
		mod + "/tui", mod + "/cmd/", "github.com/charmbracelet/"}},
	{pkg: "./decode/capture", deps: []string{"os/exec", "github.com/google/gopacket/pcap", mod + "/decode/capture/live",
		mod + "/decode/capture/pcapfile", mod + "/track", mod + "/tui", mod + "/cmd/", "github.com/charmbracelet/"}},
	{pkg: "./decode/capture/pcapfile", deps: []string{"os/exec", "github.com/google/gopacket/pcap",
		mod + "/decode/capture/live", mod + "/track", mod + "/tui", mod + "/cmd/"}},
	{pkg: "./track", deps: []string{"os/exec", "github.com/google/gopacket/pcap", mod + "/decode/capture/live",
		mod + "/decode/capture/pcapfile", mod + "/tui", mod + "/dump", mod + "/metrics", mod + "/cmd/", "github.com/charmbracelet/"}},
	{pkg: "./internal/feed", deps: []string{"github.com/google/gopacket/pcap", mod + "/tui", mod + "/dump", mod + "/metrics",
		mod + "/cmd/", "github.com/charmbracelet/", "github.com/prometheus/"}},
	{pkg: "./dump", deps: []string{"github.com/google/gopacket/pcap", mod + "/decode/capture/live", mod + "/tui",
		mod + "/metrics", mod + "/cmd/", "github.com/charmbracelet/", "github.com/prometheus/"}},
	{pkg: "./metrics", deps: []string{"github.com/google/gopacket/pcap", mod + "/tui", mod + "/dump", mod + "/cmd/",
		"github.com/charmbracelet/"}},
	// The screen reads the tracker and the feed, never packets.
	{pkg: "./tui", deps: []string{"github.com/google/gopacket/pcap", mod + "/dump", mod + "/metrics", mod + "/cmd/"},
		imports: []string{"os/exec", "github.com/google/gopacket/", mod + "/decode/capture/"}},
	{pkg: "./probe", deps: []string{"github.com/google/gopacket/pcap", mod + "/tui", mod + "/cmd/", mod + "/internal/lab",
		"github.com/charmbracelet/"}},
	// The path test builds and reads frames and judges; it runs nothing
	// itself (--remote's ssh is the command's) and reads frames with
	// decode, not the capture engine (probe, which it uses, has both).
	{pkg: "./probe/path", deps: []string{"github.com/google/gopacket/pcap", mod + "/tui", mod + "/cmd/", mod + "/internal/lab",
		"github.com/charmbracelet/"}, imports: []string{"os/exec", mod + "/decode/capture/", mod + "/track"}},
	// Protocol arithmetic: the wire's types only.
	{pkg: "./timers", deps: []string{mod + "/decode/capture/", mod + "/track", mod + "/probe", mod + "/tui", mod + "/cmd/"}},
	// The command-line convention is data and parsing only.
	{pkg: "./internal/cli", deps: []string{mod + "/decode", mod + "/track", mod + "/dump", mod + "/doctor", mod + "/probe",
		mod + "/tui", mod + "/metrics", mod + "/cmd/"}},
	// Live capture (cgo) belongs to cmd/vrrpdoctor; the checks read a Wire.
	{pkg: "./doctor", deps: []string{"github.com/google/gopacket/pcap", mod + "/decode/capture/live", mod + "/tui", mod + "/cmd/",
		"github.com/charmbracelet/"}},
}

// goList runs go list and fails the test when it cannot: a rule that is
// not checked must not pass.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return strings.Fields(string(out))
}

func forbidden(dep string, rules []string) bool {
	return slices.ContainsFunc(rules, func(f string) bool {
		if base, ok := strings.CutSuffix(f, "/"); ok {
			return dep == base || strings.HasPrefix(dep, f)
		}
		return dep == f
	})
}

// TestDependencies keeps dependencies pointing one way (dependencyRules).
func TestDependencies(t *testing.T) {
	for _, r := range dependencyRules {
		if r.deps != nil {
			for _, dep := range goList(t, "-deps", r.pkg) {
				if forbidden(dep, r.deps) {
					t.Errorf("%s depends on %s", r.pkg, dep)
				}
			}
		}
		if r.imports != nil {
			for _, imp := range goList(t, "-f", `{{join .Imports "\n"}}`, r.pkg) {
				if forbidden(imp, r.imports) {
					t.Errorf("%s imports %s", r.pkg, imp)
				}
			}
		}
	}
}

// cgoPackages may need cgo: live capture (libpcap) and the programs that
// use it. Every other package builds with CGO_ENABLED=0.
var cgoPackages = []string{mod + "/decode/capture/live", mod + "/cmd/vrrpdump", mod + "/cmd/vrrpdoctor",
	mod + "/bench/vrrpgen"}

// TestPureGo builds every package but cgoPackages without cgo, as a static
// build needs, and names any package that reaches libpcap.
func TestPureGo(t *testing.T) {
	var pure []string
	for _, pkg := range goList(t, "-f", "{{if .GoFiles}}{{.ImportPath}}{{end}}", "./...") {
		if !slices.Contains(cgoPackages, pkg) {
			pure = append(pure, pkg)
		}
	}
	cmd := exec.Command("go", append([]string{"build"}, pure...)...) // several packages: built, then discarded
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("CGO_ENABLED=0 go build (every package but %s): %v\n%s", strings.Join(cgoPackages, ", "), err, out)
	}
}
