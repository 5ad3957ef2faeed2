//go:build !linux

package probe

import (
	"errors"
	"net"
	"net/netip"
	"runtime"

	"github.com/vrrpkit/vrrpkit/decode"
)

// ErrNoInterface is returned when sending is asked for without naming an
// interface.
var ErrNoInterface = errors.New("no interface named: pass -i IFACE")

// ErrUnsupported: the live speaker, owner lookup and drill need Linux.
var ErrUnsupported = errors.New("vrrpprobe live mode is not supported on " + runtime.GOOS + ": it needs Linux raw sockets")

// PrimaryAddr is not supported outside Linux.
func PrimaryAddr(*net.Interface, decode.Family) (netip.Addr, error) {
	return netip.Addr{}, ErrUnsupported
}

// OpenLink is not supported outside Linux.
func OpenLink(*net.Interface, decode.Family, netip.Addr) (Link, error) { return nil, ErrUnsupported }

// OpenHost is not supported outside Linux.
func OpenHost(*net.Interface) (HostCloser, error) { return nil, ErrUnsupported }

// AddVMAC is not supported outside Linux.
func AddVMAC(*net.Interface, decode.Family, uint8) (*net.Interface, func() error, error) {
	return nil, nil, ErrUnsupported
}

// OpenResolver is not supported outside Linux.
func OpenResolver(*net.Interface, netip.Addr) (Resolver, error) { return nil, ErrUnsupported }

// OpenAnnounceWatch is not supported outside Linux.
func OpenAnnounceWatch(*net.Interface, netip.Addr) (Resolver, error) { return nil, ErrUnsupported }
