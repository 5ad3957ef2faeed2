package doctor_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/doctor"
)

// wireFrom replays a bundled capture into a Wire, as --listen would fill it:
// the frames of its first until (all when 0), written to a file first.
func wireFrom(t *testing.T, pcap string, until time.Duration) *doctor.Wire {
	t.Helper()
	f, err := os.Open("../testdata/pcaps/" + pcap)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), pcap)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := pcapfile.NewWriter(out, r.LinkType(), 65535)
	if err != nil {
		t.Fatal(err)
	}
	var start time.Time
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if start.IsZero() {
			start = ci.Timestamp
		}
		if until > 0 && ci.Timestamp.Sub(start) > until {
			break
		}
		if err := pw.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(pw.Flush(), out.Close()); err != nil {
		t.Fatal(err)
	}
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w := &doctor.Wire{Duration: until, Ifaces: []string{"eth0"}}
	if err := w.Read(context.Background(), "eth0", src, capture.Options{}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestLiveFromCapture(t *testing.T) {
	cases := []struct {
		name, host, pcap string
		ifaces           []string
		want             map[string]string
	}{
		{"split-brain-seen-from-h2", "split-brain-h2", "split-brain.pcap", nil, map[string]string{
			"live-split-brain/VI_51":   "fail",
			"live-other-masters/VI_51": "fail",
			"live-adverts/VI_51":       "pass",
		}},
		{"stale-neighbour-on-client", "stale-client", "v2-failover.pcap", []string{"eth0"}, map[string]string{
			"neighbor-vip-mac/192.0.2.100": "fail",
		}},
		{"no-listen", "split-brain-h2", "", nil, map[string]string{
			"live-split-brain": "skip",
			"neighbor-vip-mac": "skip",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := hostEnv(t, c.host, c.ifaces...)
			if c.pcap != "" {
				// v2-failover: h2 is master from 10.6 s to 19.6 s.
				until := time.Duration(0)
				if c.pcap == "v2-failover.pcap" {
					until = 19 * time.Second
				}
				env.Wire = wireFrom(t, c.pcap, until)
			}
			var checks []doctor.Check
			for _, ch := range doctor.Checks() {
				if ch.Area == doctor.AreaLive || ch.Area == doctor.AreaNeighbor {
					checks = append(checks, ch)
				}
			}
			rs := doctor.RunChecks(context.Background(), env, checks)
			got := statuses(rs)
			for k, want := range c.want {
				if got[k] != want {
					t.Errorf("%s: %q, want %q", k, got[k], want)
				}
			}
			var b bytes.Buffer
			_ = doctor.WriteText(&b, rs, doctor.TextOptions{})
			golden(t, b.Bytes())
		})
	}
}
