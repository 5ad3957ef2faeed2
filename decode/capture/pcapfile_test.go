package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
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
	pr, err := newPcapReader(smallReads{bytes.NewReader(file), chunk})
	if err != nil {
		if len(want) > 0 {
			t.Fatalf("header refused (%v) but pcapgo reads %d frames", err, len(want))
		}
		return
	}
	pr.buf = pr.buf[:max(64, chunk*3)] // a small buffer forces moves and growth
	got, gotErr := readAll(pr)
	if len(got) != len(want) {
		t.Fatalf("read %d frames (then %v), pcapgo %d (then %v)", len(got), gotErr, len(want), wantErr)
	}
	for i := range want {
		if !want[i].ci.Timestamp.Equal(got[i].ci.Timestamp) || want[i].ci.CaptureLength != got[i].ci.CaptureLength ||
			want[i].ci.Length != got[i].ci.Length || !bytes.Equal(want[i].data, got[i].data) {
			t.Fatalf("frame %d: got %+v % x, pcapgo %+v % x", i+1, got[i].ci, got[i].data, want[i].ci, want[i].data)
		}
	}
	if errors.Is(wantErr, io.EOF) != errors.Is(gotErr, io.EOF) {
		t.Fatalf("ended with %v, pcapgo with %v", gotErr, wantErr)
	}
}

func TestPcapReaderAgreesWithPcapgo(t *testing.T) {
	paths, _ := filepath.Glob("../../testdata/pcaps/*.pcap")
	if len(paths) == 0 {
		t.Fatal("no captures in testdata/pcaps")
	}
	for _, p := range paths {
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
