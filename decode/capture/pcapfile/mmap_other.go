//go:build !linux

package pcapfile

import (
	"os"

	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// mapFile maps nothing here: files are read.
func mapFile(*os.File, string) (capture.Source, error) { return nil, nil }
