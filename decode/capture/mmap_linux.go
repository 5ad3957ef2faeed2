package capture

import (
	"encoding/binary"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapThreshold: smaller files are read; mapping pays off on big ones.
const mapThreshold = 8 << 20

// mapFile maps a big classic pcap file and reads it in place: no copy by
// read(2), no copy per frame in the pipeline. It returns nil, nil when the
// file is not one to map (small, pcapng, not a regular file, or mmap
// failed), and the caller reads it instead. A file truncated by another
// process while mapped would fault (SIGBUS); captures are appended to, not
// truncated.
func mapFile(f *os.File, path string) (Source, error) {
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
	data, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_POPULATE)
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
	return &fileSource{pr, pr.lt, path, mapping{f, data}}, nil
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
