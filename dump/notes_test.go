package dump_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
)

// vrrpOnly writes the VRRP frames of a reference capture alone, as
// "tcpdump -w x.pcap vrrp" would have captured them.
func vrrpOnly(t *testing.T, name string) string {
	t.Helper()
	src, err := pcapfile.Open(filepath.Join("..", "testdata", "pcaps", name))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "vrrp-only-"+name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapfile.NewWriter(f, src.LinkType(), 65535)
	if err != nil {
		t.Fatal(err)
	}
	err = capture.Run(context.Background(), src, capture.Options{}, func(p *capture.Packet) error {
		if p.Kind != decode.KindVRRP {
			return nil
		}
		return w.WritePacket(p.CI, p.Data)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestVRRPOnlyCapture: a capture filtered to VRRP has no ARP/NDP, so
// garp-missing is not raised (it would claim more than the capture shows)
// and the summary says what could not be judged. On frr-v3.pcap, where
// FRR's IPv6 master takes over with only a late NA, the full capture
// judges it.
func TestVRRPOnlyCapture(t *testing.T) {
	for _, name := range []string{"v2-failover.pcap", "v3-ipv6.pcap", "frr-v3.pcap"} {
		path := vrrpOnly(t, name)
		out, _, err := run(t, "-r", path, "--summary")
		if err != nil && !strings.Contains(err.Error(), "error findings") {
			t.Fatal(err)
		}
		if strings.Contains(out, "garp-missing [") {
			t.Errorf("%s filtered to VRRP: garp-missing raised:\n%s", name, out)
		}
		if !strings.Contains(out, "\nNOT JUDGED vrrp-only-"+name+" ipv") || !strings.Contains(out, "cannot be judged") {
			t.Errorf("%s filtered to VRRP: the summary does not say what cannot be judged:\n%s", name, out)
		}
		js, _, _ := run(t, "-r", path, "--json")
		objs := readNDJSON(t, js)
		if _, ok := objs[len(objs)-1]["notes"]; !ok {
			t.Errorf("%s filtered to VRRP: the NDJSON summary has no notes", name)
		}
		full, _, _ := run(t, "-r", filepath.Join("..", "testdata", "pcaps", name), "--summary")
		if strings.Contains(full, "NOT JUDGED") {
			t.Errorf("%s with its ARP/NDP: %s", name, full)
		}
	}
}
