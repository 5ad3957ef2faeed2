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
func AddVMAC(*net.Interface, decode.Family, uint8, *StateFile) (*net.Interface, func() error, error) {
	return nil, nil, ErrUnsupported
}

// OpenResolver is not supported outside Linux.
func OpenResolver(*net.Interface, netip.Addr) (Resolver, error) { return nil, ErrUnsupported }

// OpenAnnounceWatch is not supported outside Linux.
func OpenAnnounceWatch(*net.Interface, netip.Addr) (Resolver, error) { return nil, ErrUnsupported }

// StateDirs lists where state files would be; none outside Linux.
func StateDirs() []string { return nil }

// Found is a state file of a speaker; none outside Linux.
type Found struct {
	Path      string     `json:"path"`
	Leftovers *Leftovers `json:"leftovers"`
	Alive     bool       `json:"alive"`
}

// FindLeftovers is not supported outside Linux.
func FindLeftovers([]string, string) ([]Found, error) { return nil, ErrUnsupported }

// Clean is not supported outside Linux.
func Clean(string, *Leftovers) ([]string, error) { return nil, ErrUnsupported }

// Claim is a speaker's state file.
type Claim struct {
	File            *StateFile
	Cleaned, Others []string
}

// ClaimState is not supported outside Linux.
func ClaimState(*net.Interface, decode.Family, uint8) (*Claim, error) { return nil, ErrUnsupported }

// OpenFrames is not supported outside Linux.
func OpenFrames(*net.Interface) (FrameSource, error) { return nil, ErrUnsupported }

// Participation cannot tell outside Linux.
func Participation(*Group) (why, doubts []string) { return nil, nil }

// Orphan is a speaker's macvlan, table or chain no state file lists.
type Orphan struct{ Kind, Name, Remove string }

// FindOrphans is not supported outside Linux.
func FindOrphans([]Found) ([]Orphan, error) { return nil, ErrUnsupported }

// RemoveOrphan is not supported outside Linux.
func RemoveOrphan(Orphan) error { return ErrUnsupported }

// LocalDaemons cannot tell outside Linux.
func LocalDaemons(uint8) (why, doubts []string) { return nil, nil }
