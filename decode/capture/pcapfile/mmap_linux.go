package pcapfile

import (
	"encoding/binary"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// mapThreshold: smaller files are read; mapping pays off on big ones.
const mapThreshold = 8 << 20

// mapFile maps a big classic pcap file and reads it in place: no copy by
// read(2), no copy per frame in the pipeline. Only a window around the
// reader is in memory at a time (window). It returns nil, nil when the
// file is not one to map (small, pcapng, not a regular file, or mmap
// failed), and the caller reads it instead. A file truncated by another
// process while mapped would fault (SIGBUS); captures are appended to, not
// truncated.
func mapFile(f *os.File, path string) (capture.Source, error) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() < mapThreshold || st.Size() > 1<<40 {
		return nil, nil
	}
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil {
		return nil, nil
	}
	switch binary.LittleEndian.Uint32(magic[:]) {
	case magicMicros, magicNanos, swap(magicMicros), swap(magicNanos):
	default:
		return nil, nil // pcapng or not a capture: the reader says which
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil
	}
	_ = unix.Madvise(data, unix.MADV_SEQUENTIAL)
	pr, err := newMappedPcapReader(data)
	if err != nil {
		unix.Munmap(data)
		f.Close()
		return nil, fmt.Errorf("read %s: %w: want a pcap or pcapng file (tcpdump -w, tshark -w, vrrpdump -w)", path, err)
	}
	w := &window{data: data}
	pr.slide = w.slide
	pr.slideAt = w.slide(0)
	return &fileSource{frameReader: pr, lt: pr.lt, name: path, c: mapping{f, data}, mapped: true}, nil
}

// mapWindow: the reader keeps this much of a mapped file ahead of it in
// memory and lets go of what lies further behind, so that vrrpdump's
// memory stays flat however big the file is. (A variable for tests.)
var mapWindow = 16 << 20

// window maps a big file's pages in bulk ahead of the reader (one
// madvise instead of a page fault per 64 KB) and drops them behind it.
// Dropping is always safe: a frame still in use behind the window (a
// consumer a few runs behind) reads its page back from the page cache.
type window struct {
	data   []byte
	ahead  int // pages are populated up to here
	behind int // and released below here
}

func (w *window) slide(off int) int {
	if end := min(off+mapWindow, len(w.data)); end > w.ahead {
		_ = unix.Madvise(w.data[w.ahead:end], unix.MADV_POPULATE_READ) // Linux 5.14; faults do it otherwise
		w.ahead = end
	}
	if rel := (off - mapWindow) &^ (os.Getpagesize() - 1); rel > w.behind {
		_ = unix.Madvise(w.data[w.behind:rel], unix.MADV_DONTNEED)
		w.behind = rel
	}
	return off + mapWindow/4
}

func swap(x uint32) uint32 { return x>>24 | x>>8&0xff00 | x<<8&0xff0000 | x<<24 }

// mapping closes the file and unmaps it.
type mapping struct {
	f    *os.File
	data []byte
}

func (m mapping) Close() error {
	err := unix.Munmap(m.data)
	if cerr := m.f.Close(); err == nil {
		err = cerr
	}
	return err
}
