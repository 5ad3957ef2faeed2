package capture

import (
	"errors"

	"github.com/google/gopacket"
)

// Source is where frames come from: a capture file (package pcapfile) or a
// live interface (package live). Run reads every source the same way; what
// differs is said by Info, not by the source's type.
type Source interface {
	// ZeroCopyReadPacketData returns the next frame. Its data is valid
	// until the next call (until Close when Info().Stable). It returns
	// io.EOF at the end of a file, and ErrTimeout when a live source's
	// read timeout passed with nothing to read.
	gopacket.ZeroCopyPacketDataSource
	// ReadFrame is ZeroCopyReadPacketData with only the capture time, in
	// Unix nanoseconds: what a tagged run needs (Options.Tag), for a file
	// source without building a CaptureInfo per frame.
	ReadFrame() (data []byte, unixNano int64, err error)
	// LinkType is the pcap link type of every frame (LINKTYPE_*), for
	// decode.NewParser; 32 bits, as gopacket's 8-bit layers.LinkType cannot
	// hold them all (LINKTYPE_LINUX_SLL2 is 276).
	LinkType() uint32
	// Name is the interface name or file path, used as the link of groups.
	Name() string
	Info() Info
	// Stats returns the kernel's counters of a live source; a file has
	// none and returns ErrNoStats.
	Stats() (Stats, error)
	Close() error
}

// Info says how a source's frames are read.
type Info struct {
	// Live: frames arrive as they happen. Run hands each one over at once
	// on the calling goroutine; read timeouts call Options.OnIdle and
	// Options.Until applies. Otherwise (a file) Run reads ahead on a
	// second goroutine.
	Live bool
	// Stable: frames stay valid until Close (a mapped file), so reading
	// ahead need not copy them.
	Stable bool
}

// Stats are a live source's counters as the kernel keeps them.
type Stats struct {
	Received  int // packets the filter accepted
	Dropped   int // dropped because the buffer was full
	IfDropped int // dropped by the interface or driver
}

// ErrNoStats is what a file's Stats returns: only the kernel counts drops.
var ErrNoStats = errors.New("no capture statistics for a file")

// ErrIncomplete is what a file source's error unwraps to when the file
// could not be read to its end (cut short, a corrupt record): every frame
// before was read whole, so what was read stands, and the consumer says
// where the reading stopped (pcapfile.IncompleteError says where and why).
var ErrIncomplete = errors.New("capture file incomplete")

// ErrTimeout is returned by a live source's read when nothing arrived
// within the read timeout; Run uses it to advance the clock.
var ErrTimeout = errors.New("read timeout")

// Writer is where Options.Write sends every frame read (pcapfile.Writer).
type Writer interface {
	WritePacket(ci gopacket.CaptureInfo, data []byte) error
}
