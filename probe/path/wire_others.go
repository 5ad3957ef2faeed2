//go:build !linux

package path

import (
	"errors"
	"net"
	"runtime"
)

// ErrUnsupported: the path test needs Linux packet sockets.
var ErrUnsupported = errors.New("vrrpprobe path is not supported on " + runtime.GOOS + ": it needs Linux packet sockets")

// OpenWire is not supported outside Linux.
func OpenWire(*net.Interface, bool) (Wire, error) { return nil, ErrUnsupported }
