package tui

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/internal/synth"
	"github.com/vrrpkit/vrrpkit/track"
)

// t0 is the injected wall clock: the replay "started" 90 s before.
var (
	started = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	t0      = started.Add(90 * time.Second)
)

// replay reads bundled captures into one tracker, as vrrpdump -r does
// with one. Several captures are shifted in time to end together and
// merged in time order, each on a link named after its file: a busy
// segment of real speakers.
func replay(t testing.TB, names ...string) (*track.Tracker, int) {
	t.Helper()
	type frame struct {
		ts   time.Time
		link string
		data []byte
		p    *decode.Parser
	}
	var frames []frame
	end := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	for _, name := range names {
		path := name
		if !filepath.IsAbs(path) {
			path = "../testdata/pcaps/" + name
		}
		src, err := pcapfile.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := decode.NewParser(src.LinkType())
		if err != nil {
			t.Fatal(err)
		}
		var fs []frame
		err = capture.Run(context.Background(), src, capture.Options{}, func(pkt *capture.Packet) error {
			fs = append(fs, frame{pkt.CI.Timestamp, filepath.Base(name), bytes.Clone(pkt.Data), p})
			return nil
		})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		shift := time.Duration(0)
		if len(names) > 1 {
			shift = end.Sub(fs[len(fs)-1].ts)
		}
		for i := range fs {
			fs[i].ts = fs[i].ts.Add(shift)
		}
		frames = append(frames, fs...)
	}
	slices.SortStableFunc(frames, func(a, b frame) int { return a.ts.Compare(b.ts) })
	tr := track.New(track.Options{})
	for _, f := range frames {
		kind, err := f.p.Decode(f.data)
		tr.Observe(f.ts, f.link, f.p, kind, err)
	}
	tr.End(frames[len(frames)-1].ts)
	return tr, len(frames)
}

// asciiRenderer draws without colours: what golden frames hold.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// newModel is the screen over a replayed capture at a fixed size.
func newModel(t testing.TB, w, h int, names ...string) *Model {
	t.Helper()
	tr, frames := replay(t, names...)
	bases := make([]string, len(names))
	for i, n := range names {
		bases[i] = filepath.Base(n)
	}
	fd := &feed.Feed{Tracker: tr, Source: strings.Join(bases, ",")}
	m := New(fd, Options{
		Renderer: asciiRenderer(),
		Clock:    func() time.Time { return t0 },
		Location: time.UTC,
		Health:   func() []feed.Health { return []feed.Health{{Link: fd.Source, Packets: int64(frames)}} },
		Started:  started,
	})
	m.ended = true
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case "backspace":
			msg = tea.KeyMsg{Type: tea.KeyBackspace}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		m.Update(msg)
	}
}

// checkFrame asserts the frame's size and compares it with the golden file.
func checkFrame(t *testing.T, m *Model, w, h int) {
	t.Helper()
	v := m.View()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := width(l); n > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, n, w, l)
		}
	}
	golden.RequireEqual(t, []byte(v+"\n"))
}

var sizes = []struct {
	name string
	w, h int
}{{"80x24", 80, 24}, {"160x48", 160, 48}}

// TestFrames are the screens reviewed by eye, from real captures.
func TestFrames(t *testing.T) {
	for _, sz := range sizes {
		t.Run("split-brain-table-"+sz.name, func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, "split-brain.pcap")
			checkFrame(t, m, sz.w, sz.h)
		})
		t.Run("split-brain-detail-"+sz.name, func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, "split-brain.pcap")
			press(m, "enter")
			checkFrame(t, m, sz.w, sz.h)
		})
		t.Run("failover-detail-"+sz.name, func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, "v2-failover.pcap")
			press(m, "enter")
			checkFrame(t, m, sz.w, sz.h)
		})
		t.Run("many-table-"+sz.name, func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, "split-brain.pcap", "v2-failover.pcap", "v3-ipv6.pcap", "frr-v3.pcap",
				"unicast.pcap", "ah-auth.pcap", "v3-ipv4.pcap", "v2-graceful.pcap")
			press(m, "s") // by state, worst first
			checkFrame(t, m, sz.w, sz.h)
		})
	}
	// Incidents that open and close (internal/synth's scenarios): the
	// detail view shows each resolved with its duration, the cause before
	// the fix; the split brain's table row both masters.
	dir := t.TempDir()
	for _, name := range []string{"split-brain-ends", "failover", "release", "mismatch"} {
		path := filepath.Join(dir, name+".pcap")
		if err := synth.WriteScenario(path, synth.Scenarios()[name]); err != nil {
			t.Fatal(err)
		}
		for _, sz := range []struct {
			name string
			w, h int
		}{{"80x24", 80, 24}, {"120x35", 120, 35}} {
			t.Run("scenario-"+name+"-detail-"+sz.name, func(t *testing.T) {
				m := newModel(t, sz.w, sz.h, path)
				press(m, "enter")
				checkFrame(t, m, sz.w, sz.h)
			})
		}
	}
	// CARP (OpenBSD, pfSense, OPNsense) beside VRRP: its own row, detail
	// and findings.
	carp := filepath.Join(dir, "carp-split.pcap")
	if err := synth.WriteCARPScenario(carp, synth.CARPScenarios()["carp-split"]); err != nil {
		t.Fatal(err)
	}
	for _, sz := range []struct {
		name string
		w, h int
	}{{"80x24", 80, 24}, {"120x35", 120, 35}} {
		t.Run("carp-split-table-"+sz.name, func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, "split-brain.pcap", "v2-failover.pcap", carp)
			checkFrame(t, m, sz.w, sz.h)
		})
		t.Run("carp-split-detail-"+sz.name, func(t *testing.T) {
			m := newModel(t, sz.w, sz.h, carp)
			press(m, "enter")
			checkFrame(t, m, sz.w, sz.h)
		})
	}
	t.Run("split-brain-table-120x35", func(t *testing.T) {
		m := newModel(t, 120, 35, "split-brain.pcap")
		checkFrame(t, m, 120, 35)
	})
	t.Run("help-80x24", func(t *testing.T) {
		m := newModel(t, 80, 24, "v2-basic.pcap")
		press(m, "?")
		checkFrame(t, m, 80, 24)
	})
}

func winSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
