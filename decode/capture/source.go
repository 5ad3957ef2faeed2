package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Source is where frames come from: a file or a live interface.
type Source interface {
	gopacket.ZeroCopyPacketDataSource
	// LinkType is the link type of every frame, for decode.NewParser.
	LinkType() layers.LinkType
	// Name is the interface name or file path, used as the link of groups.
	Name() string
	Close() error
}

// Stats are a live source's counters as the kernel keeps them.
type Stats struct {
	Received  int // packets the filter accepted
	Dropped   int // dropped because the buffer was full
	IfDropped int // dropped by the interface or driver
}

// StatsSource is a Source that counts drops (a live interface).
type StatsSource interface {
	Source
	Stats() (Stats, error)
}

// fileSource reads a classic pcap or a pcapng file.
type fileSource struct {
	gopacket.ZeroCopyPacketDataSource
	lt   layers.LinkType
	name string
	c    io.Closer
}

func (f *fileSource) LinkType() layers.LinkType { return f.lt }

// stable reports whether frames stay valid until Close (a mapped file), so
// that the pipeline need not copy them.
func (f *fileSource) stable() bool {
	pr, ok := f.ZeroCopyPacketDataSource.(*pcapReader)
	return ok && pr.mapped
}
func (f *fileSource) Name() string { return f.name }
func (f *fileSource) Close() error { return f.c.Close() }

// pcapng's section header block type, as the file's first four bytes.
var pcapngMagic = []byte{0x0a, 0x0d, 0x0d, 0x0a}

// OpenFile opens a pcap or pcapng file ("-" is standard input), telling the
// two apart by their magic number.
func OpenFile(path string) (Source, error) {
	var rc io.ReadCloser = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open capture: %w", err)
		}
		rc = f
	}
	if f, ok := rc.(*os.File); ok && f != os.Stdin {
		if src, err := mapFile(f, path); src != nil || err != nil {
			return src, err
		}
	}
	br := bufio.NewReaderSize(rc, 1<<20)
	magic, err := br.Peek(4)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("read capture %s: %w (is it empty?)", path, err)
	}
	if bytes.Equal(magic, pcapngMagic) {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("read pcapng %s: %w", path, err)
		}
		return &fileSource{r, r.LinkType(), path, rc}, nil
	}
	r, err := newPcapReader(br)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("read %s: %w: want a pcap or pcapng file (tcpdump -w, tshark -w, vrrpdump -w)", path, err)
	}
	return &fileSource{r, r.lt, path, rc}, nil
}

// Writer writes frames to a classic pcap file with nanosecond timestamps.
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
