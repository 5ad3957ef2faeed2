package pcapfile

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode/capture"
)

// pcapOf builds a little-endian microsecond pcap file with the given snap
// length and records (captured bytes, original length).
func pcapOf(snaplen, linkType uint32, recs ...struct {
	data []byte
	orig uint32
}) []byte {
	b := binary.LittleEndian.AppendUint32(nil, magicMicros)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, snaplen)
	b = binary.LittleEndian.AppendUint32(b, linkType)
	for i, r := range recs {
		b = binary.LittleEndian.AppendUint32(b, uint32(1795315143+i))
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(r.data)))
		b = binary.LittleEndian.AppendUint32(b, r.orig)
		b = append(b, r.data...)
	}
	return b
}

type rec = struct {
	data []byte
	orig uint32
}

func bytesOf(n int, fill byte) []byte { return bytes.Repeat([]byte{fill}, n) }

// TestLibpcapRecords: records read as libpcap reads them (sf-pcap.c), so
// that vrrpdump sees the frames tcpdump and tshark see in fuzzed and odd
// files (tcpdump's own tests vrrp-vrrp_print-oobr-2, icmp-icmp_print-oobr-1).
func TestLibpcapRecords(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     []byte
		lens     []int // captured lengths delivered
		origs    []int
		complete bool
	}{
		{"a record longer than the snap length is cut to it",
			pcapOf(41, 1, rec{bytesOf(54, 1), 262144}, rec{bytesOf(30, 2), 30}), []int{41, 30}, []int{262144, 30}, true},
		{"a captured length above the original length is kept",
			pcapOf(65535, 1, rec{bytesOf(35, 1), 34}, rec{bytesOf(64, 2), 0}), []int{35, 64}, []int{34, 0}, true},
		{"snap length 0 means the maximum",
			pcapOf(0, 1, rec{bytesOf(1500, 1), 1500}), []int{1500}, []int{1500}, true},
		{"a record beyond 262144 bytes is corrupt: the frames before stand",
			pcapOf(65535, 1, rec{bytesOf(60, 1), 60}, rec{bytesOf(262145, 2), 262145}), []int{60}, []int{60}, false},
		{"cut inside a record",
			pcapOf(65535, 1, rec{bytesOf(60, 1), 60}, rec{bytesOf(60, 2), 60})[:24+76+30], []int{60}, []int{60}, false},
		{"cut inside a record header",
			pcapOf(65535, 1, rec{bytesOf(60, 1), 60}, rec{bytesOf(60, 2), 60})[:24+76+5], []int{60}, []int{60}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, mapped := range []bool{false, true} {
				var pr *pcapReader
				var err error
				if mapped {
					pr, err = newMappedPcapReader(tc.file)
				} else {
					pr, err = newPcapReader(smallReads{bytes.NewReader(tc.file), 50})
				}
				if err != nil {
					t.Fatal(err)
				}
				got, err := readAll(pr)
				if len(got) != len(tc.lens) {
					t.Fatalf("mapped %v: %d frames then %v, want %d", mapped, len(got), err, len(tc.lens))
				}
				for i, f := range got {
					if len(f.data) != tc.lens[i] || f.ci.CaptureLength != tc.lens[i] || f.ci.Length != tc.origs[i] ||
						f.data[0] != byte(i+1) {
						t.Errorf("mapped %v: frame %d: %d bytes, %+v", mapped, i+1, len(f.data), f.ci)
					}
				}
				var ie *IncompleteError
				switch {
				case tc.complete && !errors.Is(err, io.EOF):
					t.Errorf("mapped %v: ended with %v, want io.EOF", mapped, err)
				case !tc.complete && (!errors.As(err, &ie) || !errors.Is(err, capture.ErrIncomplete)):
					t.Errorf("mapped %v: ended with %v, want an IncompleteError", mapped, err)
				case !tc.complete && (ie.Frames != len(tc.lens) || ie.Offset != int64(24+16*len(tc.lens)+sum(tc.lens))):
					t.Errorf("mapped %v: %v: frames %d offset %d", mapped, err, ie.Frames, ie.Offset)
				}
			}
		})
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// TestGzipAndStdin: .pcap.gz and .pcapng.gz read as the plain files do,
// "-" reads standard input (plain or compressed), and a compressed file
// cut short stops where the stream ends, with the frames before it.
func TestGzipAndStdin(t *testing.T) {
	plain := synthPcap(false, true, 300)
	var ngBuf bytes.Buffer
	nw, err := pcapgo.NewNgWriter(&ngBuf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := newPcapReader(bytes.NewReader(plain))
	want, _ := readAll(pr)
	for _, f := range want {
		nw.WritePacket(f.ci, f.data)
	}
	nw.Flush()
	gz := func(b []byte) []byte {
		var out bytes.Buffer
		w := gzip.NewWriter(&out)
		w.Write(b)
		w.Close()
		return out.Bytes()
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	check := func(name string, src capture.Source, complete bool) {
		t.Helper()
		got, err := readAll(src)
		src.Close()
		if complete && (len(got) != len(want) || !errors.Is(err, io.EOF)) {
			t.Errorf("%s: %d frames then %v, want %d then EOF", name, len(got), err, len(want))
		}
		if !complete && (len(got) == 0 || len(got) >= len(want) || !errors.Is(err, capture.ErrIncomplete)) {
			t.Errorf("%s: %d frames then %v, want some and an IncompleteError", name, len(got), err)
		}
		for i := range got {
			if !bytes.Equal(got[i].data, want[i].data) {
				t.Fatalf("%s: frame %d differs", name, i+1)
			}
		}
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		complete bool
	}{
		{"x.pcap.gz", gz(plain), true},
		{"x.pcapng.gz", gz(ngBuf.Bytes()), true},
		{"cut.pcap.gz", func() []byte { b := gz(plain); return b[:len(b)*2/3] }(), false},
		{"cut.pcapng", ngBuf.Bytes()[:ngBuf.Len()*2/3], false},
	} {
		src, err := Open(write(tc.name, tc.data))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		check(tc.name, src, tc.complete)
	}
	// Standard input, plain and compressed.
	for _, tc := range []struct {
		name string
		data []byte
	}{{"stdin", plain}, {"stdin.gz", gz(plain)}} {
		f, err := os.Open(write(tc.name, tc.data))
		if err != nil {
			t.Fatal(err)
		}
		saved := os.Stdin
		os.Stdin = f
		src, err := Open("-")
		os.Stdin = saved
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		check(tc.name, src, true)
	}
	// Not a capture, compressed: the error says what is wanted.
	if _, err := Open(write("notes.txt.gz", gz([]byte("hello, this is not a capture")))); err == nil ||
		!strings.Contains(err.Error(), "gzip-compressed") {
		t.Errorf("a compressed text file: %v", err)
	}
}
