// Package replay reads a reference capture frame by frame for tests, as
// vrrpdump -r does (apart from refcap so that decode/capture's own tests
// may use refcap).
package replay

import (
	"context"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
)

// Frames calls fn with every frame of the capture at path, decoded, in
// order, and returns the number of frames.
func Frames(t testing.TB, path string, fn func(*capture.Packet)) int {
	t.Helper()
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	n := 0
	err = capture.Run(context.Background(), src, capture.Options{}, func(p *capture.Packet) error {
		n = p.N
		fn(p)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}
