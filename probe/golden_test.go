package probe

import (
	"path/filepath"
	"strings"
	"testing"

	gold "github.com/vrrpkit/vrrpkit/internal/golden"
)

// golden compares got with testdata/<Test>/<name>.golden.
func golden(t *testing.T, name, got string) {
	t.Helper()
	gold.File(t, filepath.Join("testdata", strings.ReplaceAll(t.Name(), "/", "_"), name+".golden"), []byte(got))
}
