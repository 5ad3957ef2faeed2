package pcapfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// fileSource reads a classic pcap or a pcapng file.
type fileSource struct {
	frameReader
	lt     uint32
	name   string
	c      io.Closer
	mapped bool // frames stay valid until Close
}

// frameReader is a reader of frames: pcapReader (classic pcap) or ngReader.
type frameReader interface {
	gopacket.ZeroCopyPacketDataSource
	ReadFrame() ([]byte, int64, error)
}

// ngReader reads pcapng through gopacket's pcapgo, counting frames so that
// an error names where it happened.
type ngReader struct {
	r       *pcapgo.NgReader
	framing *ngFraming
	frames  int
}

func (r *ngReader) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := r.r.ZeroCopyReadPacketData()
	switch {
	case err == nil:
		r.frames++
	case errors.Is(err, io.EOF) && !r.framing.boundary():
		// pcapgo calls a file cut inside a block io.EOF.
		err = &IncompleteError{Offset: -1, Frames: r.frames,
			Reason: "pcapng: the capture ends inside a block (it was cut short)", Err: io.ErrUnexpectedEOF}
	case !errors.Is(err, io.EOF):
		err = &IncompleteError{Offset: -1, Frames: r.frames, Reason: "pcapng: " + err.Error(), Err: err}
	}
	return data, ci, err
}

// ngFraming follows pcapng's block framing in the bytes read from a file,
// so that the reader can tell a file that ends between two blocks from one
// cut inside a block.
type ngFraming struct {
	r     io.Reader
	order binary.ByteOrder
	hdr   [12]byte // type, length, and (for a section header) byte-order magic
	nhdr  int      // bytes of the current block's header seen
	left  int64    // bytes of the current block after its header still to come
}

func (f *ngFraming) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	for b := p[:n]; len(b) > 0; {
		if f.nhdr < len(f.hdr) {
			k := copy(f.hdr[f.nhdr:], b)
			f.nhdr, b = f.nhdr+k, b[k:]
			if f.nhdr == len(f.hdr) {
				if binary.LittleEndian.Uint32(f.hdr[:]) == 0x0a0d0d0a { // section header: its byte order
					f.order = binary.LittleEndian
					if binary.BigEndian.Uint32(f.hdr[8:]) == 0x1a2b3c4d {
						f.order = binary.BigEndian
					}
				}
				if f.order == nil {
					f.order = binary.LittleEndian
				}
				f.left = int64(f.order.Uint32(f.hdr[4:])) - int64(len(f.hdr))
				if f.left < 0 {
					f.left = 1 << 62 // a broken length: never a boundary again
				}
			}
			continue
		}
		k := min(int64(len(b)), f.left)
		f.left, b = f.left-k, b[k:]
		if f.left == 0 {
			f.nhdr = 0
		}
	}
	return n, err
}

// boundary reports whether the bytes read so far end between two blocks.
func (f *ngFraming) boundary() bool { return f.nhdr == 0 }

func (r *ngReader) ReadFrame() ([]byte, int64, error) {
	data, ci, err := r.ZeroCopyReadPacketData()
	return data, ci.Timestamp.UnixNano(), err
}

func (f *fileSource) LinkType() uint32   { return f.lt }
func (f *fileSource) Name() string       { return f.name }
func (f *fileSource) Info() capture.Info { return capture.Info{Stable: f.mapped} }
func (f *fileSource) Stats() (capture.Stats, error) {
	return capture.Stats{}, capture.ErrNoStats
}
func (f *fileSource) Close() error { return f.c.Close() }

// pcapng's section header block type, as the file's first four bytes.
var pcapngMagic = []byte{0x0a, 0x0d, 0x0d, 0x0a}

// gzipMagic starts a gzip stream (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

// Open opens a pcap or pcapng file, gzip-compressed or not (.pcap.gz,
// .pcapng.gz), or standard input for "-", telling them apart by their
// magic numbers. A big classic pcap file is mapped and read in place.
func Open(path string) (capture.Source, error) {
	var rc io.ReadCloser = os.Stdin
	name := path
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
	} else {
		name = "stdin"
	}
	if f, ok := rc.(*os.File); ok && f != os.Stdin {
		if src, err := mapFile(f, path); src != nil || err != nil {
			return src, err
		}
	}
	c := io.Closer(rc)
	framing := &ngFraming{r: rc}
	br := bufio.NewReaderSize(framing, 1<<20)
	if magic, _ := br.Peek(2); bytes.Equal(magic, gzipMagic) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("read capture %s: gzip: %w", name, err)
		}
		framing = &ngFraming{r: gz}
		br = bufio.NewReaderSize(framing, 1<<20)
		c = closers{gz, rc}
	}
	magic, err := br.Peek(4)
	if err != nil {
		c.Close()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read capture %s: %w (is it empty?)", name, err)
		}
		return nil, fmt.Errorf("read capture %s: %w", name, err)
	}
	if bytes.Equal(magic, pcapngMagic) {
		lt, ltOK := ngLinkType(br)
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("read pcapng %s: %w", name, err)
		}
		if !ltOK {
			lt = uint32(r.LinkType())
		}
		return &fileSource{frameReader: &ngReader{r: r, framing: framing}, lt: lt, name: name, c: c}, nil
	}
	pr, err := newPcapReader(br)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("read %s: %w: want a pcap or pcapng file, plain or gzip-compressed (tcpdump -w, tshark -w, vrrpdump -w)", name, err)
	}
	return &fileSource{frameReader: pr, lt: pr.lt, name: name, c: c}, nil
}

// ngLinkType reads the link type of a pcapng file's first interface
// description block, all 16 bits of it: pcapgo keeps 8 (layers.LinkType),
// which turns LINKTYPE_LINUX_SLL2 (276) into 20.
func ngLinkType(br *bufio.Reader) (uint32, bool) {
	h, err := br.Peek(12)
	if err != nil {
		return 0, false
	}
	var order binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint32(h[8:]) == 0x1a2b3c4d {
		order = binary.BigEndian
	}
	shb := int(order.Uint32(h[4:]))
	if shb < 28 || shb > 1<<16 {
		return 0, false
	}
	b, err := br.Peek(shb + 12)
	if err != nil || order.Uint32(b[shb:]) != 1 { // block type 1: interface description
		return 0, false
	}
	return uint32(order.Uint16(b[shb+8:])), true
}

// closers closes a decompressor, then the file under it.
type closers []io.Closer

func (cs closers) Close() error {
	var err error
	for _, c := range cs {
		if e := c.Close(); err == nil {
			err = e
		}
	}
	return err
}
