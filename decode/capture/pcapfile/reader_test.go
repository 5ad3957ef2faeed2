package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/internal/refcap"
)

type frame struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// readAll reads frames until the first error, copying them.
func readAll(src gopacket.ZeroCopyPacketDataSource) ([]frame, error) {
	var fs []frame
	for {
		d, ci, err := src.ZeroCopyReadPacketData()
		if err != nil {
			return fs, err
		}
		fs = append(fs, frame{ci, bytes.Clone(d)})
	}
}

// sameTime compares a timestamp from pcapgo with ours. pcapgo scales the
// fraction in 32 bits, so an out-of-range fraction (a corrupt or fuzzed
// file) wraps there by a multiple of 2^32 ns; ours does not.
func sameTime(pcapgo, ours time.Time) bool {
	return pcapgo.Equal(ours) || ours.Sub(pcapgo)%(1<<32) == 0
}

// smallReads hands out at most n bytes per Read, so records straddle
// refills.
type smallReads struct {
	r io.Reader
	n int
}

func (s smallReads) Read(p []byte) (int, error) {
	if len(p) > s.n {
		p = p[:s.n]
	}
	return s.r.Read(p)
}

// compareReaders checks that pcapReader returns what pcapgo returns: the
// same frames, and an error exactly where pcapgo has one.
func compareReaders(t *testing.T, file []byte, chunk int) {
	t.Helper()
	want, wantErr := func() ([]frame, error) {
		r, err := pcapgo.NewReader(bytes.NewReader(file))
		if err != nil {
			return nil, err
		}
		return readAll(r)
	}()
	if wantErr != nil && strings.Contains(wantErr.Error(), "minor version") {
		// pcapgo wants minor version 4; libpcap (tcpdump) and vrrpkit
		// read any minor version of 2.x.
		return
	}
	pr, err := newPcapReader(smallReads{bytes.NewReader(file), chunk})
	if err != nil {
		if len(want) > 0 {
			t.Fatalf("header refused (%v) but pcapgo reads %d frames", err, len(want))
		}
		return
	}
	pr.buf = pr.buf[:max(64, chunk*3)] // a small buffer forces moves and growth
	got, gotErr := readAll(pr)
	// pcapgo refuses a record longer than the snap length or than its
	// original length; libpcap, and so tcpdump, tshark and this reader,
	// cut the first to the snap length and keep the second
	// (TestLibpcapRecords): from there on only this reader reads.
	libpcapReads := func(err error) bool {
		return err != nil && (strings.Contains(err.Error(), "exceeds snap length") ||
			strings.Contains(err.Error(), "exceeds original packet length"))
	}(wantErr)
	if len(got) != len(want) && !(libpcapReads && len(got) > len(want)) {
		t.Fatalf("read %d frames (then %v), pcapgo %d (then %v)", len(got), gotErr, len(want), wantErr)
	}
	for i := range want {
		if !sameTime(want[i].ci.Timestamp, got[i].ci.Timestamp) || want[i].ci.CaptureLength != got[i].ci.CaptureLength ||
			want[i].ci.Length != got[i].ci.Length || !bytes.Equal(want[i].data, got[i].data) {
			t.Fatalf("frame %d: got %+v % x, pcapgo %+v % x", i+1, got[i].ci, got[i].data, want[i].ci, want[i].data)
		}
	}
	// A record longer than any capture holds is corrupt, where pcapgo may
	// try to read it (and allocate its length) and call a short read EOF.
	// A record cut short at the end of the file is incomplete here (an
	// IncompleteError), and EOF in pcapgo when not one byte of it is there.
	corrupt := func(err error) bool { return err != nil && strings.Contains(err.Error(), "corrupt record") }
	end := func(err error) bool {
		return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, capture.ErrIncomplete)
	}
	if !libpcapReads && end(wantErr) != end(gotErr) && !corrupt(gotErr) {
		t.Fatalf("ended with %v, pcapgo with %v", gotErr, wantErr)
	}
	if gotErr != nil && !errors.Is(gotErr, io.EOF) && !errors.Is(gotErr, capture.ErrIncomplete) {
		t.Fatalf("ended with %v: neither io.EOF nor an IncompleteError", gotErr)
	}
	// The mapped reader, on the same bytes.
	mr, err := newMappedPcapReader(file)
	if err != nil {
		t.Fatalf("mapped reader refused the header (%v) that the buffered one took", err)
	}
	mgot, mErr := readAll(mr)
	if len(mgot) != len(got) || fmt.Sprint(mErr) != fmt.Sprint(gotErr) {
		t.Fatalf("mapped: %d frames then %v; buffered %d then %v", len(mgot), mErr, len(got), gotErr)
	}
	if len(mgot) != len(want) && !libpcapReads || !libpcapReads && end(mErr) != end(wantErr) && !corrupt(mErr) {
		t.Fatalf("mapped: %d frames then %v; pcapgo %d then %v", len(mgot), mErr, len(want), wantErr)
	}
	for i := range want {
		if !bytes.Equal(want[i].data, mgot[i].data) || !sameTime(want[i].ci.Timestamp, mgot[i].ci.Timestamp) {
			t.Fatalf("mapped: frame %d differs", i+1)
		}
	}
}

func TestPcapReaderAgreesWithPcapgo(t *testing.T) {
	for _, p := range refcap.Paths(t, "../../..") {
		file, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			for _, chunk := range []int{7, 100, 1 << 20} {
				compareReaders(t, file, chunk)
			}
		})
	}
	// Every header variant: both byte orders, micro- and nanoseconds.
	for _, be := range []bool{false, true} {
		for _, nanos := range []bool{false, true} {
			file := synthPcap(be, nanos, 50)
			compareReaders(t, file, 33)
			// Truncated inside a record and inside a header.
			compareReaders(t, file[:len(file)-5], 33)
			compareReaders(t, file[:len(file)-70], 33)
		}
	}
}

// synthPcap builds a pcap file by hand, in either byte order.
func synthPcap(be, nanos bool, n int) []byte {
	var o binary.AppendByteOrder = binary.LittleEndian
	if be {
		o = binary.BigEndian
	}
	magic := uint32(magicMicros)
	if nanos {
		magic = magicNanos
	}
	b := o.AppendUint32(nil, magic)
	b = o.AppendUint16(b, 2)
	b = o.AppendUint16(b, 4)
	b = o.AppendUint32(b, 0)
	b = o.AppendUint32(b, 0)
	b = o.AppendUint32(b, 65535)
	b = o.AppendUint32(b, uint32(layers.LinkTypeEthernet))
	for i := range n {
		size := 40 + i%60
		b = o.AppendUint32(b, uint32(1795315143+i))
		b = o.AppendUint32(b, uint32(i*997))
		b = o.AppendUint32(b, uint32(size))
		b = o.AppendUint32(b, uint32(size+i%3))
		for j := range size {
			b = append(b, byte(i+j))
		}
	}
	return b
}

// FuzzPcapReader feeds arbitrary files to both readers.
func FuzzPcapReader(f *testing.F) {
	f.Add(synthPcap(false, false, 3), 16)
	f.Add(synthPcap(true, true, 3), 5)
	f.Fuzz(func(t *testing.T, file []byte, chunk int) {
		if chunk <= 0 || chunk > 1<<16 {
			chunk = 1 << 16
		}
		compareReaders(t, file, chunk)
	})
}

func TestPcapReaderTimestamps(t *testing.T) {
	pr, err := newPcapReader(bytes.NewReader(synthPcap(true, false, 2)))
	if err != nil {
		t.Fatal(err)
	}
	_, ci, err := pr.ZeroCopyReadPacketData()
	if err != nil {
		t.Fatal(err)
	}
	_, ci2, _ := pr.ZeroCopyReadPacketData()
	if want := time.Unix(1795315143, 0).UTC(); !ci.Timestamp.Equal(want) || ci.Timestamp.Location() != time.UTC {
		t.Errorf("first timestamp %v, want %v", ci.Timestamp, want)
	}
	if want := time.Unix(1795315144, 997000); !ci2.Timestamp.Equal(want) {
		t.Errorf("second timestamp %v, want %v (microseconds scaled)", ci2.Timestamp, want)
	}
}

// The mapped reader (whole file in memory, never refilled) returns what
// pcapgo returns, including at a truncated end.
func TestMappedReaderAgreesWithPcapgo(t *testing.T) {
	files := [][]byte{synthPcap(false, false, 40), synthPcap(true, true, 40)}
	for _, p := range refcap.Paths(t, "../../..") {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	for i, file := range files {
		for _, cut := range []int{0, 5, 70} {
			data := file[:len(file)-cut]
			want, wantErr := func() ([]frame, error) {
				r, err := pcapgo.NewReader(bytes.NewReader(data))
				if err != nil {
					return nil, err
				}
				return readAll(r)
			}()
			pr, err := newMappedPcapReader(data)
			if err != nil {
				t.Fatalf("file %d: %v", i, err)
			}
			got, gotErr := readAll(pr)
			if len(got) != len(want) || errors.Is(gotErr, io.EOF) != errors.Is(wantErr, io.EOF) {
				t.Fatalf("file %d cut %d: %d frames then %v; pcapgo %d then %v", i, cut, len(got), gotErr, len(want), wantErr)
			}
			for j := range want {
				if !bytes.Equal(got[j].data, want[j].data) || !got[j].ci.Timestamp.Equal(want[j].ci.Timestamp) {
					t.Fatalf("file %d cut %d: frame %d differs", i, cut, j+1)
				}
			}
		}
	}
}

// Open maps a big classic pcap file, and reads it as pcapgo does.
func TestOpenMapsBigFiles(t *testing.T) {
	file := synthPcap(false, true, 120000) // about 10 MB
	if len(file) < mapThreshold {
		t.Fatalf("test file of %d bytes is below the %d-byte threshold", len(file), mapThreshold)
	}
	src := openTemp(t, file)
	if !src.Info().Stable {
		t.Fatal("a 10 MB pcap file was not mapped")
	}
	got, err := readAll(src)
	if !errors.Is(err, io.EOF) || len(got) != 120000 {
		t.Fatalf("read %d frames, then %v", len(got), err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	r, _ := pcapgo.NewReader(bytes.NewReader(file))
	want, _ := readAll(r)
	for j := range want {
		if !bytes.Equal(got[j].data, want[j].data) {
			t.Fatalf("frame %d differs", j+1)
		}
	}
}

// openTemp writes file to a temporary file and opens it.
func openTemp(t *testing.T, file []byte) capture.Source {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.pcap")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
