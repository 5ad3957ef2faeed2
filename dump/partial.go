package dump

import (
	"github.com/google/gopacket"

	"github.com/vrrpkit/vrrpkit/internal/cli"
)

// ErrPartial is returned when the capture could not be read to its end: a
// file cut short (tcpdump killed, a full disk, a file still being written,
// a truncated .gz) or a corrupt record in the middle. Everything read before
// the cut was analysed and printed in the chosen mode (lines, NDJSON with
// "incomplete" in its summary, the summary with an INCOMPLETE line, the
// TUI's capture status, the metrics' capture-up); the error says where and
// why the reading stopped. vrrpdump exits 3.
var ErrPartial error = partialError{}

type partialError struct{}

func (partialError) Error() string { return "capture read only in part" }

// Is makes ErrPartial cli's exit status 3.
func (partialError) Is(target error) bool { return target == cli.ErrIncomplete }

// exitIncomplete is the exit status of a run that returns ErrPartial.
const exitIncomplete = 3

// outputError is a failed write, flush or close of an output (standard
// output, the -w file), naming it. The run stops and vrrpdump exits 2:
// nothing written after the first failure can be trusted.
type outputError struct {
	path string
	err  error
}

func (e *outputError) Error() string { return "writing " + e.path + ": " + e.err.Error() }

func (e *outputError) Unwrap() error { return e.err }

// pathWriter names the -w file in the errors of its writes.
type pathWriter struct {
	w interface {
		WritePacket(gopacket.CaptureInfo, []byte) error
	}
	path string
}

// flushingWriter is pathWriter flushing every frame to the file (-U).
type flushingWriter struct {
	w interface {
		WritePacket(gopacket.CaptureInfo, []byte) error
		Flush() error
	}
	path string
}

func (p flushingWriter) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	if err := p.w.WritePacket(ci, data); err != nil {
		return &outputError{p.path, err}
	}
	if err := p.w.Flush(); err != nil {
		return &outputError{p.path, err}
	}
	return nil
}

func (p pathWriter) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	if err := p.w.WritePacket(ci, data); err != nil {
		return &outputError{p.path, err}
	}
	return nil
}
