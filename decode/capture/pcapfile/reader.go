package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/gopacket"
)

// pcapReader reads classic pcap files (the format of tcpdump -w and
// vrrpdump -w) from a large buffer, handing out frames in place.
//
// It replaces pcapgo.Reader on the offline hot path: pcapgo makes two
// buffered reads per frame, which cost more than decoding a VRRP advert.
// pcapgo still reads pcapng, and the format tests check that both readers
// return the same frames (TestPcapReaderAgreesWithPcapgo, FuzzPcapReader).
type pcapReader struct {
	r       io.Reader
	buf     []byte
	off, n  int // unread bytes are buf[off:n]
	eof     bool
	big     bool // the file is big-endian
	nanos   bool
	snaplen uint32 // as libpcap takes it: the header's, or maxRecord when 0 or beyond
	lt      uint32
	pos     int64 // file offset of buf[off], for errors
	frames  int   // records read, for errors
	// mapped: buf is the whole file, mapped read-only (mapFile); it is
	// never written, and frames stay valid until the mapping is closed.
	mapped bool
	// slide, if set, is called when the reading reaches slideAt (see
	// window); it returns where to call it next.
	slide   func(off int) int
	slideAt int
}

// pcap magic numbers as written in the file's byte order.
const (
	magicMicros = 0xa1b2c3d4
	magicNanos  = 0xa1b23c4d
)

// maxRecord bounds a record's captured length as libpcap does
// (MAXIMUM_SNAPLEN): more means a corrupt record.
const maxRecord = 256 << 10

var errNotPcap = errors.New("not a classic pcap file")

// newPcapReader reads the file header from r.
func newPcapReader(r io.Reader) (*pcapReader, error) {
	p := &pcapReader{r: r, buf: make([]byte, 4<<20)}
	if err := p.fill(24); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: shorter than its 24-byte header", errNotPcap)
		}
		return nil, err
	}
	h := p.buf[:24]
	var order binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(h) == magicMicros:
		order = binary.LittleEndian
	case binary.LittleEndian.Uint32(h) == magicNanos:
		order, p.nanos = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h) == magicMicros:
		order, p.big = binary.BigEndian, true
	case binary.BigEndian.Uint32(h) == magicNanos:
		order, p.big, p.nanos = binary.BigEndian, true, true
	default:
		return nil, fmt.Errorf("%w: unknown magic number %#08x", errNotPcap, binary.BigEndian.Uint32(h))
	}
	if major := order.Uint16(h[4:]); major != 2 {
		return nil, fmt.Errorf("%w: version %d.%d (want 2.4)", errNotPcap, major, order.Uint16(h[6:]))
	}
	p.snaplen = order.Uint32(h[16:])
	if p.snaplen == 0 || p.snaplen > maxRecord {
		p.snaplen = maxRecord // libpcap's pcap_check_header
	}
	// The link type is the low 16 bits; the upper bits may carry FCS flags.
	p.lt = order.Uint32(h[20:]) & 0xffff
	p.off, p.pos = 24, 24
	return p, nil
}

// newMappedPcapReader reads a whole file held in data (see mapFile).
func newMappedPcapReader(data []byte) (*pcapReader, error) {
	p, err := newPcapReader(bytes.NewReader(data[:min(len(data), 24)]))
	if err != nil {
		return nil, err
	}
	p.r, p.buf, p.off, p.n, p.eof, p.mapped = nil, data, 24, len(data), true, true
	return p, nil
}

// fill makes at least need unread bytes available, moving the unread tail
// to the front of the buffer first. It returns io.EOF when the input ended
// with nothing unread and io.ErrUnexpectedEOF when it ended mid-record.
func (p *pcapReader) fill(need int) error {
	if p.n-p.off >= need {
		return nil
	}
	if p.mapped { // everything is in buf already
		if p.n == p.off {
			return io.EOF
		}
		return io.ErrUnexpectedEOF
	}
	if need > len(p.buf) {
		p.buf = append(make([]byte, 0, need), p.buf[p.off:p.n]...)[:need]
		p.n -= p.off
		p.off = 0
	} else if p.off > 0 {
		p.n = copy(p.buf, p.buf[p.off:p.n])
		p.off = 0
	}
	for p.n-p.off < need && !p.eof {
		k, err := p.r.Read(p.buf[p.n:])
		p.n += k
		if errors.Is(err, io.EOF) {
			p.eof = true
		} else if err != nil {
			return err
		}
	}
	switch {
	case p.n-p.off >= need:
		return nil
	case p.n == p.off:
		return io.EOF
	}
	return io.ErrUnexpectedEOF
}

// ZeroCopyReadPacketData returns the next frame; data is valid until the
// next call.
func (p *pcapReader) ZeroCopyReadPacketData() (data []byte, ci gopacket.CaptureInfo, err error) {
	data, sec, nsec, orig, err := p.record()
	if err != nil {
		return nil, ci, err
	}
	ci.Timestamp = time.Unix(sec, nsec).UTC()
	ci.CaptureLength, ci.Length = len(data), int(orig)
	return data, ci, nil
}

// ReadFrame is ZeroCopyReadPacketData with the time in Unix nanoseconds
// (as time.Time.UnixNano of its Timestamp).
func (p *pcapReader) ReadFrame() ([]byte, int64, error) {
	data, sec, nsec, _, err := p.record()
	return data, sec*1e9 + nsec, err
}

// record reads the next record: its frame, time (nsec may exceed a second
// in a corrupt file, as time.Unix allows) and original length.
//
// It reads as libpcap does (sf-pcap.c), so that vrrpdump sees what tcpdump
// and tshark see: a record longer than the file's snap length (fuzzed
// files, Solaris 2.3's BUFMOD) is cut to the snap length; a captured
// length above the original length is kept; only a captured length beyond
// 262,144 bytes, which no capture writes, is corrupt. The end of the input
// inside a record, or a corrupt record, is an *IncompleteError: the frames
// before it are good.
func (p *pcapReader) record() (data []byte, sec, nsec int64, orig uint32, err error) {
	if p.n-p.off < 16 {
		if err := p.fill(16); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = p.incomplete("the capture ends inside a record header (it was cut short)", err)
			} else if !errors.Is(err, io.EOF) {
				err = p.incomplete("reading the next record: "+err.Error(), err)
			}
			return nil, 0, 0, 0, err
		}
	}
	h := p.buf[p.off : p.off+16]
	var incl uint32
	if p.big {
		sec, nsec = int64(binary.BigEndian.Uint32(h)), int64(binary.BigEndian.Uint32(h[4:]))
		incl, orig = binary.BigEndian.Uint32(h[8:]), binary.BigEndian.Uint32(h[12:])
	} else {
		sec, nsec = int64(binary.LittleEndian.Uint32(h)), int64(binary.LittleEndian.Uint32(h[4:]))
		incl, orig = binary.LittleEndian.Uint32(h[8:]), binary.LittleEndian.Uint32(h[12:])
	}
	if incl > maxRecord {
		return nil, 0, 0, 0, p.incomplete(fmt.Sprintf("corrupt record: captured length %d, more than any capture holds (%d)",
			incl, maxRecord), nil)
	}
	if p.n-p.off < 16+int(incl) {
		if err := p.fill(16 + int(incl)); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = p.incomplete(fmt.Sprintf("the capture ends inside a record of %d bytes (it was cut short)", incl),
					io.ErrUnexpectedEOF)
			} else {
				err = p.incomplete("reading a record: "+err.Error(), err)
			}
			return nil, 0, 0, 0, err
		}
	}
	if !p.nanos {
		nsec *= 1000
	}
	start := p.off + 16
	p.off = start + int(incl)
	p.pos += 16 + int64(incl)
	p.frames++
	end := p.off
	if incl > p.snaplen {
		end = start + int(p.snaplen) // as libpcap: the first snaplen bytes
	}
	if p.slide != nil && p.off >= p.slideAt {
		p.slideAt = p.slide(p.off)
	}
	return p.buf[start:end:end], sec, nsec, orig, nil
}

// incomplete is the error for the record at p.pos.
func (p *pcapReader) incomplete(reason string, err error) error {
	return &IncompleteError{Offset: p.pos, Frames: p.frames, Reason: reason, Err: err}
}
