package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/layers"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/internal/synth"
	"github.com/vrrpkit/vrrpkit/track"
)

// busyTracker is 1,000 groups at 10 ms (VRRPv3, VLANs 1 to 4), each
// router's timeline full: the load the issue asks the screen to carry.
func busyTracker(t testing.TB) *track.Tracker {
	t.Helper()
	c := synth.Config{Groups: 1000, Version: decode.V3, Interval: 10 * time.Millisecond,
		Start: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	p, err := decode.NewParser(layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	tr := track.New(track.Options{})
	var last time.Time
	err = c.Each(300*1000, func(ts time.Time, frame []byte) error {
		kind, err := p.Decode(frame)
		tr.Observe(ts, "eth0", p, kind, err)
		last = ts
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.End(last)
	return tr
}

func busyModel(t testing.TB) *Model {
	tr := busyTracker(t)
	return New(&feed.Feed{Tracker: tr, Source: "eth0", Live: true}, Options{Renderer: asciiRenderer(),
		Clock: func() time.Time { return t0 }, Started: started, Location: time.UTC,
		Health: func() []feed.Health { return []feed.Health{{Link: "eth0", Packets: 300000}} }})
}

// TestThousandGroups: VLANs get a column, the last group is reachable, and
// a snapshot of 1,000 groups stays far below the refresh interval.
func TestThousandGroups(t *testing.T) {
	m := busyModel(t)
	m.Update(winSize(80, 24))
	if len(m.rows) != 1000 {
		t.Fatalf("%d groups, want 1000", len(m.rows))
	}
	head := strings.Fields(strings.Split(m.View(), "\n")[1])
	if strings.Join(head, " ") != "VLAN AF VRID STATE MASTER PRIO ADV/REAL VIPS AGE" {
		t.Errorf("heading with VLANs: %v", head)
	}
	press(m, "G")
	if sel := m.selected(); sel == nil || sel.key().VLAN != 4 || sel.key().VRID != 235 {
		t.Errorf("G selects %+v, want the 1000th group (VLAN 4, VRID 235)", m.sel)
	}
	if !strings.Contains(m.View(), "> ") {
		t.Errorf("the selected row is off screen:\n%s", m.View())
	}
	// The cost is measured, not asserted (a loaded or -race run is slower);
	// BenchmarkRefresh has the number. The interval follows it.
	t.Logf("a refresh of 1,000 groups cost %v; the screen waits %v between refreshes", m.cost, m.interval)
	if want := min(max(200*time.Millisecond, 10*m.cost), 2*time.Second); m.interval != want {
		t.Errorf("refresh interval %v after a refresh of %v, want %v", m.interval, m.cost, want)
	}
}

// BenchmarkRefresh is one snapshot of 1,000 groups with full timelines:
// what the screen costs the capture at most five times a second.
func BenchmarkRefresh(b *testing.B) {
	m := busyModel(b)
	b.ReportAllocs()
	for b.Loop() {
		m.refresh()
	}
}

// BenchmarkView is one frame at 160×48 over 1,000 groups, of the table
// and of a group's detail: what a key press costs.
func BenchmarkView(b *testing.B) {
	for _, keys := range [][]string{nil, {"enter"}} {
		name := "table"
		if keys != nil {
			name = "detail"
		}
		b.Run(name, func(b *testing.B) {
			m := busyModel(b)
			m.Update(winSize(160, 48))
			press(m, keys...)
			b.ReportAllocs()
			for b.Loop() {
				m.View()
			}
		})
	}
}
