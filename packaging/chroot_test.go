package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaticInEmptyRoot: the default build, CGO_ENABLED=0, is statically
// linked; each command runs in a root file system holding nothing but the
// binary and a capture (chroot), and vrrpdump there prints the same
// --summary and --json for every bundled capture as the libpcap build
// (-tags pcap) prints on this host.
func TestStaticInEmptyRoot(t *testing.T) {
	need(t, "chroot", "file")
	caps, err := filepath.Glob("../testdata/pcaps/*.pcap")
	if err != nil || len(caps) == 0 {
		t.Fatalf("no bundled captures: %v", err)
	}
	bins := t.TempDir()
	build := func(dir string, env []string, tags string) {
		cmd := exec.Command("go", "build", "-tags", tags, "-o", dir+"/", "./cmd/...")
		cmd.Dir, cmd.Env = "..", append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build -tags %q: %v\n%s", tags, err, out)
		}
	}
	build(filepath.Join(bins, "static"), []string{"CGO_ENABLED=0"}, "")
	build(filepath.Join(bins, "pcap"), []string{"CGO_ENABLED=1"}, "pcap")
	for _, bin := range []string{"vrrpdump", "vrrpdoctor", "vrrpprobe"} {
		static := filepath.Join(bins, "static", bin)
		if f := sh(t, "file", static); !strings.Contains(f, "statically linked") {
			t.Errorf("CGO_ENABLED=0 %s: %s", bin, f)
		}
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, bin), mustRead(t, static), 0o755); err != nil {
			t.Fatal(err)
		}
		if v := chroot(t, root, "/"+bin, "--version"); !strings.Contains(v, "pure Go") {
			t.Errorf("%s --version in an empty root: %q", bin, v)
		}
		if h := chroot(t, root, "/"+bin, "-h"); !strings.Contains(h, "usage: "+bin) {
			t.Errorf("%s -h in an empty root: %q", bin, h)
		}
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "vrrpdump"), mustRead(t, filepath.Join(bins, "static", "vrrpdump")), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range caps {
		name := filepath.Base(c)
		if err := os.WriteFile(filepath.Join(root, name), mustRead(t, c), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, mode := range []string{"--summary", "--json"} {
			got := chroot(t, root, "/vrrpdump", "-r", "/"+name, mode)
			cmd := exec.Command(filepath.Join(bins, "pcap", "vrrpdump"), "-r", name, mode)
			cmd.Dir, cmd.Env = filepath.Dir(c), []string{"TZ=UTC"}
			want, _ := cmd.Output() // exit 1 on an error finding
			if got != string(want) || len(want) == 0 {
				t.Errorf("vrrpdump -r %s %s: the static build in an empty root printed\n%s\nthe libpcap build\n%s", name, mode, got, want)
			}
		}
		os.Remove(filepath.Join(root, name))
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Errorf("the root held more than vrrpdump: %v", entries)
	}
}

// chroot runs name in root, with no environment but TZ=UTC (an empty root
// has no /etc/localtime either), and returns its stdout; exit 1 (an error
// finding) is not a failure.
func chroot(t *testing.T, root, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command("chroot", append([]string{root, name}, args...)...)
	cmd.Env = []string{"TZ=UTC"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
		t.Fatalf("chroot %s %s %s: %v\n%s", root, name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
