package pcapfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// fileSource reads a classic pcap or a pcapng file.
type fileSource struct {
	frameReader
	lt     layers.LinkType
	name   string
	c      io.Closer
	mapped bool // frames stay valid until Close
}

// frameReader is a reader of frames: pcapReader (classic pcap) or ngReader.
type frameReader interface {
	gopacket.ZeroCopyPacketDataSource
	ReadFrame() ([]byte, int64, error)
}

// ngReader reads pcapng through gopacket's pcapgo.
type ngReader struct{ *pcapgo.NgReader }

func (r ngReader) ReadFrame() ([]byte, int64, error) {
	data, ci, err := r.ZeroCopyReadPacketData()
	return data, ci.Timestamp.UnixNano(), err
}

func (f *fileSource) LinkType() layers.LinkType { return f.lt }
func (f *fileSource) Name() string              { return f.name }
func (f *fileSource) Info() capture.Info        { return capture.Info{Stable: f.mapped} }
func (f *fileSource) Stats() (capture.Stats, error) {
	return capture.Stats{}, capture.ErrNoStats
}
func (f *fileSource) Close() error { return f.c.Close() }

// pcapng's section header block type, as the file's first four bytes.
var pcapngMagic = []byte{0x0a, 0x0d, 0x0d, 0x0a}

// Open opens a pcap or pcapng file ("-" is standard input), telling the
// two apart by their magic number. A big classic pcap file is mapped and
// read in place.
func Open(path string) (capture.Source, error) {
	var rc io.ReadCloser = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open capture: %w", err)
		}
		if st, err := f.Stat(); err == nil && st.IsDir() {
			f.Close()
			return nil, fmt.Errorf("read %s: is a directory: give a pcap or pcapng file (tcpdump -w, tshark -w, vrrpdump -w)", path)
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
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read capture %s: %w (is it empty?)", path, err)
		}
		return nil, fmt.Errorf("read capture %s: %w", path, err)
	}
	if bytes.Equal(magic, pcapngMagic) {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("read pcapng %s: %w", path, err)
		}
		return &fileSource{frameReader: ngReader{r}, lt: r.LinkType(), name: path, c: rc}, nil
	}
	r, err := newPcapReader(br)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("read %s: %w: want a pcap or pcapng file (tcpdump -w, tshark -w, vrrpdump -w)", path, err)
	}
	return &fileSource{frameReader: r, lt: r.lt, name: path, c: rc}, nil
}
