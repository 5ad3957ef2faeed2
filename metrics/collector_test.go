package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/metrics"
	"github.com/vrrpkit/vrrpkit/track"

	gold "github.com/vrrpkit/vrrpkit/internal/golden"
)

// replay feeds testdata/pcaps/NAME.pcap (or the capture at the absolute
// path NAME) to a new tracker, as vrrpdump -r does, up to stop seconds
// after the first frame (0: the whole capture),
// and then moves the tracker's clock to tick seconds after the first frame
// (0: the last frame read), as the live driver's idle ticks do.
func replay(t testing.TB, name string, stop, tick float64) *track.Tracker {
	t.Helper()
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join("..", "testdata", "pcaps", name+".pcap")
	}
	src, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tr := track.New(track.Options{})
	var first, last time.Time
	errStop := errors.New("stop")
	_, err = tr.Read(context.Background(), src, track.ReadOptions{Link: "lab0", Each: func(p *capture.Packet) error {
		ts := p.CI.Timestamp
		if first.IsZero() {
			first = ts
		}
		if stop > 0 && ts.Sub(first) > secs(stop) {
			return errStop
		}
		last = ts
		return nil
	}})
	if err != nil && !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if tick > 0 {
		tr.Tick(first.Add(secs(tick)))
	} else {
		tr.End(last)
	}
	return tr
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// scrape gathers c alone and returns its text exposition and the parsed
// families.
func scrape(t testing.TB, c prometheus.Collector) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var b bytes.Buffer
	byName := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
		byName[mf.GetName()] = mf
	}
	return b.String(), byName
}

// value returns the value of the series of family name whose labels include
// want ("k=v" pairs), or fails when there is not exactly one.
func value(t testing.TB, mfs map[string]*dto.MetricFamily, name string, want ...string) float64 {
	t.Helper()
	var got []float64
	for _, m := range mfs[name].GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		ok := true
		for _, kv := range want {
			k, v, _ := strings.Cut(kv, "=")
			if have[k] != v {
				ok = false
			}
		}
		if ok {
			switch {
			case m.Gauge != nil:
				got = append(got, m.GetGauge().GetValue())
			case m.Counter != nil:
				got = append(got, m.GetCounter().GetValue())
			}
		}
	}
	if len(got) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, want, len(got))
	}
	return got[0]
}

// count returns the number of series of family name.
func count(mfs map[string]*dto.MetricFamily, name string) int { return len(mfs[name].GetMetric()) }

func golden(t *testing.T, got string) {
	t.Helper()
	gold.File(t, filepath.Join("testdata", t.Name()+".golden"), []byte(got))
}

// The whole scrape of each reference capture, read to its end, is a golden
// file; the checks below name the values the alerting rules depend on.
func TestCollectorCaptures(t *testing.T) {
	for _, name := range []string{"v2-basic", "v2-failover", "v2-graceful", "split-brain", "v3-ipv4", "v3-ipv6", "unicast", "ah-auth", "frr-v3"} {
		t.Run(name, func(t *testing.T) {
			text, _ := scrape(t, metrics.New(replay(t, name, 0, 0), nil))
			golden(t, text)
		})
	}
}

func TestCollectorSteady(t *testing.T) {
	_, mfs := scrape(t, metrics.New(replay(t, "v2-basic", 0, 0), nil))
	g := []string{"link=lab0", "vlan=0", "family=ipv4", "vrid=51"}
	r := append(g, "router=192.0.2.11")
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"vrrp_group_masters", g, 1},
		{"vrrp_group_state", append(g, "state=OK"), 1},
		{"vrrp_group_master_info", append(g, "master=192.0.2.11", "priority=150"), 1},
		{"vrrp_group_master_changes_total", g, 0},
		{"vrrp_group_last_advert_age_seconds", g, 0},
		{"vrrp_router_adverts_total", r, 15},
		{"vrrp_router_priority", r, 150},
		{"vrrp_router_advertised_interval_seconds", r, 1},
		{"vrrp_findings_active", append(g, "id=auth-plaintext", "severity=warning"), 1},
		{"vrrp_groups", nil, 1},
		{"vrrp_adverts_total", nil, 15},
		{"vrrp_decode_errors_total", nil, 0},
	} {
		if got := value(t, mfs, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %g, want %g", c.name, c.labels, got, c.want)
		}
	}
	if got := value(t, mfs, "vrrp_router_observed_interval_seconds", r...); got < 0.99 || got > 1.01 {
		t.Errorf("observed interval %g s, want 1 s", got)
	}
	if n := count(mfs, "vrrp_group_state"); n != 1 {
		t.Errorf("%d state series, want 1 (the current state)", n)
	}
}

// split-brain.pcap: both keepalived nodes advertise as master to the end.
func TestCollectorSplitBrain(t *testing.T) {
	g := []string{"link=lab0", "vlan=0", "family=ipv4", "vrid=51"}
	_, mfs := scrape(t, metrics.New(replay(t, "split-brain", 0, 0), nil))
	if got := value(t, mfs, "vrrp_group_masters", g...); got != 2 {
		t.Errorf("masters = %g, want 2", got)
	}
	if got := value(t, mfs, "vrrp_group_state", append(g, "state=SPLIT-BRAIN")...); got != 1 {
		t.Errorf("state SPLIT-BRAIN = %g, want 1", got)
	}
	for _, m := range []string{"master=192.0.2.11,priority=150", "master=192.0.2.12,priority=100"} {
		if got := value(t, mfs, "vrrp_group_master_info", append(g, strings.Split(m, ",")...)...); got != 1 {
			t.Errorf("master_info{%s} = %g", m, got)
		}
	}
	if n := count(mfs, "vrrp_group_master_info"); n != 2 {
		t.Errorf("%d master_info series, want 2", n)
	}
	if got := value(t, mfs, "vrrp_findings_active", append(g, "id=split-brain", "severity=error")...); got != 1 {
		t.Errorf("active split-brain = %g, want 1", got)
	}
	if got := value(t, mfs, "vrrp_router_adverts_total", append(g, "router=192.0.2.12")...); got != 16 {
		t.Errorf("adverts from 192.0.2.12 = %g, want 16", got)
	}

	// Four seconds into the capture only h1 had advertised long enough:
	// 3.653 s is h2's first advert, so at 3.5 s there is one master.
	_, mfs = scrape(t, metrics.New(replay(t, "split-brain", 3.5, 0), nil))
	if got := value(t, mfs, "vrrp_group_masters", g...); got != 1 {
		t.Errorf("masters before h2's first advert = %g, want 1", got)
	}
	for _, m := range mfs["vrrp_findings_active"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "id" && l.GetValue() == "split-brain" {
				t.Errorf("split-brain finding before h2's first advert: %v", m)
			}
		}
	}
}

// v2-failover.pcap: h1 is killed at 7.123 s; h2 takes over at 10.611 s.
// Stopping the replay in the silence and letting the clock run shows the
// group down; the whole capture shows two changes and the failovers.
func TestCollectorMasterDown(t *testing.T) {
	g := []string{"link=lab0", "vlan=0", "family=ipv4", "vrid=51"}
	for _, c := range []struct {
		name         string
		stop, tick   float64
		masters      float64
		state        string
		down, flap   float64
		failover     float64
		changes      float64
		plaintextNow float64
	}{
		// 0.5 s after h1's last advert: still master.
		{"before", 7.2, 7.5, 1, "OK", -1, -1, -1, 0, 1},
		// No backup was ever heard, so the tracker waits for the slowest
		// one (priority 1): 3.996 s after h1's last advert at 7.001 s.
		// auth-plaintext is about adverts: it held for 3 intervals + 1 s.
		{"down", 10.5, 11.1, 0, "DOWN", 1, -1, -1, 0, 0},
		// Long silence: still down.
		{"silent", 10.5, 600, 0, "DOWN", 1, -1, -1, 0, 0},
		{"end", 0, 0, 1, "OK", -1, -1, 2, 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, mfs := scrape(t, metrics.New(replay(t, "v2-failover", c.stop, c.tick), nil))
			if got := value(t, mfs, "vrrp_group_masters", g...); got != c.masters {
				t.Errorf("masters = %g, want %g", got, c.masters)
			}
			if got := value(t, mfs, "vrrp_group_state", append(g, "state="+c.state)...); got != 1 {
				t.Errorf("state %s = %g, want 1", c.state, got)
			}
			if got := value(t, mfs, "vrrp_group_master_changes_total", g...); got != c.changes {
				t.Errorf("changes = %g, want %g", got, c.changes)
			}
			for id, want := range map[string]float64{"master-down": c.down, "failover": c.failover, "auth-plaintext": c.plaintextNow} {
				if want < 0 {
					continue
				}
				if got := value(t, mfs, "vrrp_findings_active", append(g, "id="+id)...); got != want {
					t.Errorf("active %s = %g, want %g", id, got, want)
				}
			}
		})
	}
}

// Capture health comes from the feed; counters never go backwards when a
// stopped capture reads zero from libpcap.
func TestCollectorCapture(t *testing.T) {
	hs := []feed.Health{{Link: "eth0", Packets: 10, Received: 12, Dropped: 2, Running: true}, {Link: "eth1", Running: true}}
	c := metrics.New(track.New(track.Options{}), func() []feed.Health { return slices.Clone(hs) })
	_, mfs := scrape(t, c)
	for _, want := range []struct {
		name, link string
		v          float64
	}{
		{"vrrp_capture_up", "eth0", 1}, {"vrrp_capture_packets_total", "eth0", 10},
		{"vrrp_capture_kernel_received_packets_total", "eth0", 12}, {"vrrp_capture_kernel_dropped_packets_total", "eth0", 2},
		{"vrrp_capture_interface_dropped_packets_total", "eth0", 0}, {"vrrp_capture_up", "eth1", 1},
	} {
		if got := value(t, mfs, want.name, "link="+want.link); got != want.v {
			t.Errorf("%s{link=%s} = %g, want %g", want.name, want.link, got, want.v)
		}
	}
	hs[0] = feed.Health{Link: "eth0", Packets: 11, Running: false}
	hs[1].Err = fmt.Errorf("reading eth1: device went away")
	_, mfs = scrape(t, c)
	if got := value(t, mfs, "vrrp_capture_up", "link=eth0"); got != 0 {
		t.Errorf("stopped capture up = %g", got)
	}
	if got := value(t, mfs, "vrrp_capture_up", "link=eth1"); got != 0 {
		t.Errorf("failed capture up = %g", got)
	}
	if got := value(t, mfs, "vrrp_capture_kernel_received_packets_total", "link=eth0"); got != 12 {
		t.Errorf("received after stop = %g, want 12 (kept)", got)
	}
	if got := value(t, mfs, "vrrp_capture_packets_total", "link=eth0"); got != 11 {
		t.Errorf("packets = %g, want 11", got)
	}
}

// The collector's own consistency, as client_golang's linter and pedantic
// registry see it.
func TestCollectorLint(t *testing.T) {
	c := metrics.New(replay(t, "split-brain", 0, 0), func() []feed.Health { return []feed.Health{{Link: "eth0", Running: true}} })
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}
