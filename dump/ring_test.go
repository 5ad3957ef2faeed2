package dump_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/dump"
)

// frameTimes reads a pcap: every frame's time, and the VRRP adverts' sources.
func frameTimes(t *testing.T, path string) (times []time.Time, srcs []string) {
	t.Helper()
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	err = capture.Run(context.Background(), src, capture.Options{}, func(p *capture.Packet) error {
		times = append(times, p.CI.Timestamp)
		if p.Kind == decode.KindVRRP {
			srcs = append(srcs, p.P.VRRP.IP.Src.String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return times, srcs
}

// TestFlightRecorderFile: --ring on the split-brain capture saves exactly
// one incident (split-brain and the vip-arp-conflict raised meanwhile join
// it): the frames from D before the split brain to 5 s after, and the
// report beside them.
func TestFlightRecorderFile(t *testing.T) {
	dir := t.TempDir()
	pcap := filepath.Join("..", "testdata", "pcaps", "split-brain.pcap")
	_, stderr, err := run(t, "-r", pcap, "--ring", "2s", "--save", dir)
	if !errors.Is(err, dump.ErrErrorFinding) {
		t.Fatalf("err %v", err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	const base = "20261122T024033.542Z_split-brain.pcap-ipv4-vrid51_split-brain"
	if !slices.Equal(names, []string{base + ".html", base + ".pcap"}) {
		t.Fatalf("saved %v, want %s.pcap and .html", names, base)
	}
	if !strings.Contains(stderr, " frames around split-brain, vip-arp-conflict to ") || !strings.Contains(stderr, "1 incident(s) saved") {
		t.Errorf("stderr: %s", stderr)
	}
	times, srcs := frameTimes(t, filepath.Join(dir, base+".pcap"))
	split := time.Date(2026, 11, 22, 2, 40, 33, 542109000, time.UTC) // 192.0.2.12's first advert
	if len(times) == 0 || times[0].Before(split.Add(-2*time.Second)) || times[len(times)-1].After(split.Add(5*time.Second)) {
		t.Errorf("frames %v – %v, want within 2 s before and 5 s after %v", times[0], times[len(times)-1], split)
	}
	if !times[0].Before(split) || !times[len(times)-1].After(split.Add(4*time.Second)) {
		t.Errorf("frames %v – %v: want some before the split brain and until about 5 s after", times[0], times[len(times)-1])
	}
	if !slices.Contains(srcs, "192.0.2.11") || !slices.Contains(srcs, "192.0.2.12") {
		t.Errorf("adverts from %v, want both masters", srcs)
	}
	b, err := os.ReadFile(filepath.Join(dir, base+".html"))
	if err != nil || !strings.Contains(string(b), `class="split"`) {
		t.Errorf("the report beside it: %v", err)
	}
	// A capture without error findings saves nothing.
	dir2 := t.TempDir()
	if _, _, err := run(t, "-r", filepath.Join("..", "testdata", "pcaps", "v2-failover.pcap"), "--ring", "2s", "--save", dir2); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir2); len(ents) != 0 {
		t.Errorf("saved %d files without an error finding", len(ents))
	}
}

// TestRotation: -G splits the frames by capture time into FILE, FILE1, ...;
// -W keeps the newest N as FILE0 ... FILE(N-1).
func TestRotation(t *testing.T) {
	pcap := filepath.Join("..", "testdata", "pcaps", "split-brain.pcap")
	all, _ := frameTimes(t, pcap)
	dir := t.TempDir()
	w := filepath.Join(dir, "x.pcap")
	if _, _, err := run(t, "-r", pcap, "-w", w, "-G", "5"); !errors.Is(err, dump.ErrErrorFinding) {
		t.Fatal(err)
	}
	n := 0
	for i, name := range []string{"x.pcap", "x.pcap1", "x.pcap2", "x.pcap3"} {
		ts, _ := frameTimes(t, filepath.Join(dir, name))
		if len(ts) == 0 || ts[len(ts)-1].Sub(ts[0]) >= 5*time.Second {
			t.Errorf("file %d (%s): %d frames spanning %v", i, name, len(ts), ts[len(ts)-1].Sub(ts[0]))
		}
		n += len(ts)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 4 || n != len(all) {
		t.Errorf("%d files with %d frames, want 4 with %d", len(ents), n, len(all))
	}
	dir = t.TempDir()
	w = filepath.Join(dir, "y.pcap")
	if _, _, err := run(t, "-r", pcap, "-w", w, "-G", "5", "-W", "2"); !errors.Is(err, dump.ErrErrorFinding) {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 || ents[0].Name() != "y.pcap0" || ents[1].Name() != "y.pcap1" {
		t.Fatalf("files %v, want y.pcap0 and y.pcap1", ents)
	}
	// The fourth file (frames from 15 s on) reused y.pcap1.
	last, _ := frameTimes(t, filepath.Join(dir, "y.pcap1"))
	if !last[len(last)-1].Equal(all[len(all)-1]) {
		t.Errorf("y.pcap1 ends at %v, want the capture's last frame %v", last[len(last)-1], all[len(all)-1])
	}
	for _, bad := range [][]string{{"-r", pcap, "-G", "5"}, {"-r", pcap, "-w", w, "-W", "2"}, {"-r", pcap, "--ring", "5s"}, {"-r", pcap, "--save", dir}} {
		if _, _, err := run(t, bad...); err == nil {
			t.Errorf("%v: no usage error", bad)
		}
	}
}
