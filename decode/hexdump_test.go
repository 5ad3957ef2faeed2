package decode_test

import (
	"encoding/hex"
	"strings"
)

// hexdump renders bytes as hex -C style lines so that cmp.Diff marks the
// differing lines of two buffers.
func hexdump(b []byte) []string {
	return strings.Split(strings.TrimSpace(hex.Dump(b)), "\n")
}
