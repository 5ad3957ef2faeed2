package afpacket

import (
	"errors"
	"time"

	"golang.org/x/net/bpf"
)

// Options tune a capture.
type Options struct {
	Filter []bpf.Instruction // attached before binding; compile it for the kernel (decode/filter)
	// FilterFor, when Filter is nil, returns the filter for the frames
	// the socket will see: cooked (SOCK_DGRAM, the network header first)
	// or Ethernet, which Open learns from the interface.
	FilterFor  func(cooked bool) ([]bpf.Instruction, error)
	Promisc    bool          // join the interface's promiscuous mode (not for "any")
	BufferSize int           // ring size in bytes; default 32 MiB
	Timeout    time.Duration // how long a read waits before ErrTimeout; default 100 ms
}

func (o *Options) defaults() {
	if o.BufferSize <= 0 {
		o.BufferSize = 32 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 100 * time.Millisecond
	}
}

// Stats are the kernel's counters since Open.
type Stats struct {
	Received  uint64 // frames the filter accepted, dropped ones included
	Dropped   uint64 // dropped because the ring was full
	IfDropped uint64 // dropped by the interface or driver (0 when /sys cannot be read)
}

var (
	// ErrTimeout is returned by a read when no frame came within the
	// read timeout.
	ErrTimeout = errors.New("read timeout")
	// ErrNoDevice: the interface does not exist.
	ErrNoDevice = errors.New("no such interface")
	// ErrIfaceDown: the interface went down while capturing.
	ErrIfaceDown = errors.New("interface down")
)

// Error is a failure to open a capture, naming the interface and, where
// there is one, what to do.
type Error struct {
	Iface string
	Op    string
	Err   error
	Hint  string
}

func (e *Error) Error() string {
	s := "capture on " + e.Iface + ": " + e.Op
	if e.Err != nil && !errors.Is(e.Err, ErrNoDevice) {
		s += ": " + e.Err.Error()
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }
