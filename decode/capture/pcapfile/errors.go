package pcapfile

import (
	"strconv"

	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// IncompleteError says where and why a capture file could not be read to
// its end: cut short inside a record (tcpdump killed, a full disk, a file
// still being written, a truncated .gz), or a corrupt record in the middle.
// The frames before it were read whole. It unwraps to capture.ErrIncomplete
// and to its cause.
type IncompleteError struct {
	Offset int64  // byte offset of the record that could not be read (of the uncompressed capture); -1 unknown
	Frames int    // frames read before it
	Reason string // what was wrong there
	Err    error  // the cause, if any (io.ErrUnexpectedEOF, a gzip error)
}

func (e *IncompleteError) Error() string {
	s := "stopped after frame " + strconv.Itoa(e.Frames)
	if e.Offset >= 0 {
		s += " at byte " + strconv.FormatInt(e.Offset, 10)
	}
	return s + ": " + e.Reason
}

// Unwrap returns capture.ErrIncomplete and the cause.
func (e *IncompleteError) Unwrap() []error {
	if e.Err == nil {
		return []error{capture.ErrIncomplete}
	}
	return []error{capture.ErrIncomplete, e.Err}
}
