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
	binMu.Lock()
	defer binMu.Unlock()
	if p, ok := binBuilt[pkgDir]; ok {
		return p
	}
	if err, ok := binErr[pkgDir]; ok {
		t.Fatal(err)
	}
	name := filepath.Base(pkgDir)
	dir, err := os.MkdirTemp("", name+"-test-")
	if err == nil {
		p := filepath.Join(dir, name)
		out, berr := exec.Command("go", "build", "-o", p, pkgDir).CombinedOutput()
		if berr == nil {
			binBuilt[pkgDir] = p
			return p
		}
		err = fmt.Errorf("go build %s: %v\n%s", pkgDir, berr, out)
	}
	binErr[pkgDir] = err
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
