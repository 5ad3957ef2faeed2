package pcapfile_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
)

// count reads a source to the end and counts frames and adverts.
func count(t *testing.T, src capture.Source, o capture.Options) (frames, adverts int) {
	t.Helper()
	err := capture.Run(context.Background(), src, o, func(p *capture.Packet) error {
		frames = p.N
		if p.Kind == decode.KindVRRP && p.Err == nil {
			adverts++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return frames, adverts
}

func TestFilesAndWriter(t *testing.T) {
	path := "../../../testdata/pcaps/v2-failover.pcap"
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out bytes.Buffer
	w, err := pcapfile.NewWriter(&out, src.LinkType(), 65535)
	if err != nil {
		t.Fatal(err)
	}
	frames, adverts := count(t, src, capture.Options{Write: w})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// 25 adverts (tshark's truth rows) among all frames (GARPs too).
	if adverts != 25 || frames <= adverts {
		t.Fatalf("read %d frames, %d adverts; want 25 adverts among more frames", frames, adverts)
	}

	// What we wrote reads back the same, as pcap.
	tmp := filepath.Join(t.TempDir(), "out.pcap")
	if err := os.WriteFile(tmp, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := pcapfile.Open(tmp)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if f2, a2 := count(t, again, capture.Options{}); f2 != frames || a2 != adverts {
		t.Errorf("written file: %d frames %d adverts, want %d %d", f2, a2, frames, adverts)
	}

	// -c stops after N adverts.
	src3, _ := pcapfile.Open(path)
	defer src3.Close()
	if _, a := count(t, src3, capture.Options{Count: 3}); a != 3 {
		t.Errorf("Count 3 gave %d adverts", a)
	}
}

func TestPcapng(t *testing.T) {
	in, err := pcapfile.Open("../../../testdata/pcaps/v3-ipv6.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var ng bytes.Buffer
	nw, err := pcapgo.NewNgWriter(&ng, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	var want int
	capture.Run(context.Background(), in, capture.Options{}, func(p *capture.Packet) error {
		if p.Kind == decode.KindVRRP {
			want++
		}
		return nw.WritePacket(p.CI, p.Data)
	})
	nw.Flush()
	in.Close()
	path := filepath.Join(t.TempDir(), "x.pcapng")
	os.WriteFile(path, ng.Bytes(), 0o644)
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, got := count(t, src, capture.Options{}); got != want || want != 15 {
		t.Errorf("pcapng: %d adverts, want %d (15)", got, want)
	}
}

func TestOpenErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	text := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(text, []byte("hello, this is not a capture"), 0o644)
	for _, p := range []string{"/nonexistent/x.pcap", empty, text} {
		if _, err := pcapfile.Open(p); err == nil {
			t.Errorf("Open(%s) succeeded", p)
		} else if !bytes.Contains([]byte(err.Error()), []byte(filepath.Base(p))) {
			t.Errorf("error %q does not name the file", err)
		}
	}
}
