package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binMu    sync.Mutex
	binBuilt = map[string]string{}
	binErr   = map[string]error{}
)

// Binary builds the Go command in pkgDir (e.g. "../cmd/vrrpdump") once per
// test binary and returns its path, so a test can run it inside a namespace.
func Binary(t testing.TB, pkgDir string) string {
	t.Helper()
	return BinaryTags(t, pkgDir, "")
}

// BinaryTags is Binary built with -tags tags ("pcap": the libpcap build).
func BinaryTags(t testing.TB, pkgDir, tags string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	key := pkgDir + "#" + tags
	if p, ok := binBuilt[key]; ok {
		return p
	}
	if err, ok := binErr[key]; ok {
		t.Fatal(err)
	}
	name := filepath.Base(pkgDir)
	dir, err := os.MkdirTemp("", name+"-test-")
	if err == nil {
		p := filepath.Join(dir, name)
		out, berr := exec.Command("go", "build", "-tags", tags, "-o", p, pkgDir).CombinedOutput()
		if berr == nil {
			binBuilt[key] = p
			return p
		}
		err = fmt.Errorf("go build -tags %q %s: %v\n%s", tags, pkgDir, berr, out)
	}
	binErr[key] = err
	t.Fatal(err)
	return ""
}

// RemoveBinaries deletes what Binary built; call it from TestMain after m.Run.
func RemoveBinaries() {
	binMu.Lock()
	defer binMu.Unlock()
	for k, p := range binBuilt {
		os.RemoveAll(filepath.Dir(p))
		delete(binBuilt, k)
	}
}

// AsNobody copies bin where the nobody user can run it and returns the
// command line (setpriv, then its arguments) that runs it as nobody with
// only the ambient capabilities caps (e.g. "net_raw"), as a systemd unit
// with DynamicUser and AmbientCapabilities does. Append the program's own
// arguments; run it with Node.Start or Node.Run.
func AsNobody(t testing.TB, bin string, caps ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Fatal("setpriv (util-linux) is needed to run a program as nobody")
	}
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/" && d != "."; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.Base(bin))
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	set := "-all"
	for _, c := range caps {
		set += ",+" + c
	}
	return []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		"--inh-caps=" + set, "--ambient-caps=" + set, "--bounding-set=" + set, p}
}
