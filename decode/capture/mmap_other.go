//go:build !linux

package capture

import "os"

// mapFile maps nothing here: files are read.
func mapFile(*os.File, string) (Source, error) { return nil, nil }
