package pcapfile

import (
	"bufio"
	"io"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Writer writes frames to a classic pcap file with nanosecond timestamps;
// it is a capture.Writer (Options.Write).
type Writer struct {
	w  *pcapgo.Writer
	bw *bufio.Writer
}

// NewWriter writes the pcap file header for frames of link type lt.
func NewWriter(w io.Writer, lt layers.LinkType, snaplen uint32) (*Writer, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	pw := pcapgo.NewWriterNanos(bw)
	if err := pw.WriteFileHeader(snaplen, lt); err != nil {
		return nil, err
	}
	return &Writer{pw, bw}, nil
}

// WritePacket appends one frame.
func (w *Writer) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	return w.w.WritePacket(ci, data)
}

// Flush writes buffered frames out; call it before closing the file.
func (w *Writer) Flush() error { return w.bw.Flush() }
