package pcapfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"

	"github.com/google/gopacket"
)

// Writer writes frames to a classic pcap file with nanosecond timestamps;
// it is a capture.Writer (Options.Write). It writes the format itself, not
// through pcapgo, whose 8-bit link type cannot hold every link type read.
// Errors stick: after the first, every call returns it.
type Writer struct {
	bw  *bufio.Writer
	hdr [16]byte
	err error
}

// NewWriter writes the pcap file header for frames of link type lt
// (LINKTYPE_*, any width).
func NewWriter[T ~uint8 | ~uint16 | ~uint32 | ~int](w io.Writer, lt T, snaplen uint32) (*Writer, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], magicNanos)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], snaplen)
	binary.LittleEndian.PutUint32(h[20:], uint32(lt))
	wr := &Writer{bw: bw}
	if _, err := bw.Write(h[:]); err != nil {
		return nil, err
	}
	return wr, nil
}

var errCaptureLength = errors.New("pcap writer: captured length differs from the data")

// WritePacket appends one frame.
func (w *Writer) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	if w.err != nil {
		return w.err
	}
	if ci.CaptureLength != len(data) {
		return errCaptureLength
	}
	ns := ci.Timestamp.UnixNano()
	binary.LittleEndian.PutUint32(w.hdr[0:], uint32(ns/1e9))
	binary.LittleEndian.PutUint32(w.hdr[4:], uint32(ns%1e9))
	binary.LittleEndian.PutUint32(w.hdr[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(w.hdr[12:], uint32(ci.Length))
	if _, err := w.bw.Write(w.hdr[:]); err != nil {
		w.err = err
		return err
	}
	if _, err := w.bw.Write(data); err != nil {
		w.err = err
	}
	return w.err
}

// Flush writes buffered frames out; call it before closing the file.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	w.err = w.bw.Flush()
	return w.err
}
