package tui

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/internal/synth"
	"github.com/vrrpkit/vrrpkit/track"
)

var busy = []string{"split-brain.pcap", "v2-failover.pcap", "v3-ipv6.pcap", "frr-v3.pcap",
	"unicast.pcap", "ah-auth.pcap", "v3-ipv4.pcap", "v2-graceful.pcap"}

func shownGroups(m *Model) []string {
	var out []string
	for _, r := range m.rows {
		out = append(out, m.d.rows[r].key().String())
	}
	return out
}

func TestFilterSortSelect(t *testing.T) {
	m := newModel(t, 220, 30, busy...)
	if n := len(m.rows); n != 9 {
		t.Fatalf("%d groups, want 9: %v", n, shownGroups(m))
	}
	press(m, "/", "i", "p", "v", "6")
	if got := shownGroups(m); len(got) != 2 || !strings.Contains(m.View(), "/ipv6") {
		t.Errorf("while typing /ipv6: groups %v, status %q", got, lastLine(m.View()))
	}
	press(m, "enter")
	if !strings.Contains(m.View(), `filter:"ipv6" 2/9`) {
		t.Errorf("title does not show the filter:\n%s", m.View())
	}
	press(m, "esc")
	if n := len(m.rows); n != 9 {
		t.Errorf("esc left %d groups, want 9", n)
	}
	press(m, "/", "n", "o", "p", "e", "enter")
	if !strings.Contains(m.View(), `no group matches "nope"`) {
		t.Errorf("an empty filter result says nothing:\n%s", m.View())
	}
	press(m, "enter") // Enter on no rows stays on the table
	if m.view != viewTable {
		t.Errorf("enter with no rows opened %v", m.view)
	}
	press(m, "esc")

	// Sort by state puts the split brain first; the selection follows its group.
	press(m, "G")
	last := m.sel
	press(m, "s")
	if m.sortBy != sortState || m.d.rows[m.rows[0]].state(m.d.now) != track.StateSplitBrain {
		t.Errorf("sort %v: first row %v", m.sortBy, m.d.rows[m.rows[0]].key())
	}
	if m.sel != last {
		t.Errorf("sorting moved the selection from %v to %v", last, m.sel)
	}
	press(m, "s", "s", "s")
	if m.sortBy != sortGroup {
		t.Errorf("four presses of s: sort %v, want group", m.sortBy)
	}

	press(m, "g", "j", "j", "k")
	if m.cursor != 1 {
		t.Errorf("g j j k: cursor %d, want 1", m.cursor)
	}
	want := m.sel
	press(m, "enter")
	if m.view != viewDetail || !strings.HasPrefix(m.View(), want.String()) {
		t.Errorf("enter: view %v, first line %q, want the detail of %v", m.view, firstLine(m.View()), want)
	}
	press(m, "?")
	if !strings.Contains(m.View(), "SPLIT-BRAIN two routers advertise as master") {
		t.Errorf("? shows no help:\n%s", m.View())
	}
	press(m, "?")
	if m.view != viewDetail {
		t.Errorf("? twice: view %v, want the detail again", m.view)
	}
	press(m, "esc")
	if m.view != viewTable {
		t.Errorf("esc: view %v, want the table", m.view)
	}
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")}); cmd == nil || cmd() != tea.Quit() {
		t.Errorf("q does not quit")
	}
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }
func lastLine(s string) string  { return s[strings.LastIndex(s, "\n")+1:] }

// TestResize draws every screen at many sizes: exactly the terminal's
// height, no line wider than it, columns dropped rather than wrapped.
func TestResize(t *testing.T) {
	m := newModel(t, 80, 24, busy...)
	for _, v := range []string{"table", "detail", "help"} {
		for w := 20; w <= 220; w += 7 {
			for _, h := range []int{5, 11, 24, 37, 60} {
				m.Update(tea.WindowSizeMsg{Width: w, Height: h})
				frame := m.View()
				lines := strings.Split(frame, "\n")
				if len(lines) != h {
					t.Errorf("%s %dx%d: %d lines", v, w, h, len(lines))
				}
				for i, l := range lines {
					if width(l) > w {
						t.Errorf("%s %dx%d: line %d is %d wide: %q", v, w, h, i+1, width(l), l)
					}
				}
			}
		}
		switch v {
		case "table":
			press(m, "enter")
		case "detail":
			press(m, "?")
		}
	}
	// At 80 columns the table keeps what matters and drops the rest.
	m = newModel(t, 80, 24, busy...)
	head := strings.Fields(strings.Split(m.View(), "\n")[1])
	if strings.Join(head, " ") != "LINK AF VRID STATE MASTER PRIO ADV/REAL VIPS AGE" {
		t.Errorf("80-column heading: %v", head)
	}
}

// env is a fake environment for termenv.
type env map[string]string

func (e env) Environ() []string {
	var out []string
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	return out
}
func (e env) Getenv(k string) string { return e[k] }

// colour matches an SGR sequence that sets a foreground or background.
var colour = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;[0-9;]*)?m`)

// TestNoColor: with NO_COLOR the screen has no colour, and still tells
// states and the selection apart in words and markers.
func TestNoColor(t *testing.T) {
	for _, tc := range []struct {
		env    env
		colour bool
	}{
		{env{"TERM": "xterm-256color"}, true},
		{env{"TERM": "xterm-256color", "NO_COLOR": "1"}, false},
	} {
		tr, _ := replay(t, "split-brain.pcap")
		r := lipgloss.NewRenderer(io.Discard, termenv.WithEnvironment(tc.env), termenv.WithTTY(true))
		m := New(&feed.Feed{Tracker: tr, Source: "split-brain.pcap"},
			Options{Renderer: r, Clock: func() time.Time { return t0 }, Started: started})
		frame := m.View()
		if got := colour.MatchString(frame); got != tc.colour {
			t.Errorf("env %v: colour %v, want %v:\n%q", tc.env, got, tc.colour, frame)
		}
		if !strings.Contains(frame, "> ") || !strings.Contains(frame, "SPLIT-BRAIN") || !strings.Contains(frame, "ERROR") {
			t.Errorf("env %v: the selection, state or severity is missing from the words:\n%s", tc.env, frame)
		}
	}
}

// TestPause: p freezes the view while the tracker moves on; p again shows
// the new state.
func TestPause(t *testing.T) {
	m := newModel(t, 80, 24, "v2-basic.pcap")
	before := m.d.stats.Adverts
	press(m, "p")
	if !strings.Contains(m.View(), "PAUSED") {
		t.Errorf("no PAUSED in the status bar: %q", lastLine(m.View()))
	}
	tr2, _ := replay(t, "v2-failover.pcap")
	m.feed.Tracker = tr2 // the capture goes on: a different state
	m.Update(updateMsg{})
	m.Update(refreshMsg{})
	if m.d.stats.Adverts != before {
		t.Errorf("paused view moved: %d adverts, was %d", m.d.stats.Adverts, before)
	}
	press(m, "p")
	if m.d.stats.Adverts == before {
		t.Errorf("unpausing did not refresh")
	}
}

// TestThrottle: updates faster than MinRefresh make one snapshot now and
// one when the interval is over, not one each.
func TestThrottle(t *testing.T) {
	m := newModel(t, 80, 24, "v2-basic.pcap")
	ch := make(chan struct{}, 1)
	m.feed.Updates = ch
	m.ended = false
	m.opts.MinRefresh, m.interval = time.Hour, time.Hour
	first := m.last
	m.Update(updateMsg{})
	if m.last != first || !m.pending || !m.timerOut {
		t.Errorf("an update within MinRefresh refreshed (last moved %v) or scheduled nothing (pending %v, timer %v)",
			m.last != first, m.pending, m.timerOut)
	}
	_, cmd := m.Update(updateMsg{})
	if cmd != nil {
		t.Errorf("a second update while a refresh is scheduled returned a command")
	}
	_, cmd = m.Update(refreshMsg{})
	if m.last == first || m.pending || cmd == nil {
		t.Errorf("the scheduled refresh did not refresh and listen again")
	}
	close(ch)
	if msg := cmd(); msg != (endedMsg{}) {
		t.Errorf("closed Updates gave %T, want endedMsg", msg)
	}
	m.Update(endedMsg{})
	if m.wait() != nil {
		t.Errorf("listening again after the capture ended")
	}
}

// TestCARPRow: a CARP group (OpenBSD carp(4)) replayed beside VRRP ones
// is a row of its own, marked CARP, with both masters of its split and
// their advskews; its carp-split finding is in the findings pane under the
// vhid; the filter finds it by "carp"; its detail names the second
// master.
func TestCARPRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "carp-split.pcap")
	if err := synth.WriteCARPScenario(path, synth.CARPScenarios()["carp-split"]); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, 160, 40, "v2-basic.pcap", path)
	if got := shownGroups(m); len(got) != 2 || got[1] != "carp-split.pcap ipv4 carp vhid 7" {
		t.Fatalf("rows %v, want the VRRP group and then the CARP one", got)
	}
	var row, finding string
	for _, l := range strings.Split(m.View(), "\n") {
		switch {
		case strings.Contains(l, "carp 7"):
			row = l
		case strings.Contains(l, "ERROR carp-split"):
			finding = l
		}
	}
	for _, want := range []string{"SPLIT-BRAIN", "192.0.2.1+192.0.2.2", "s0+s100", "1s/1s", "in HMAC"} {
		if !strings.Contains(row, want) {
			t.Errorf("CARP row lacks %q: %q", want, row)
		}
	}
	if !strings.Contains(finding, "carp vhid 7") || !strings.Contains(finding, "192.0.2.1 (advskew 0, demote 0) and 192.0.2.2") {
		t.Errorf("findings pane: %q", finding)
	}
	if !strings.Contains(m.View(), "2 groups (1 CARP): 1 SPLIT-BRAIN 1 OK") {
		t.Errorf("title: %q", strings.Split(m.View(), "\n")[0])
	}
	press(m, "s") // by state: the CARP split first
	if got := shownGroups(m); got[0] != "carp-split.pcap ipv4 carp vhid 7" {
		t.Errorf("sorted by state: %v", got)
	}
	press(m, "/", "c", "a", "r", "p", "enter")
	if got := shownGroups(m); len(got) != 1 {
		t.Errorf("filter carp: %v", got)
	}
	press(m, "enter")
	v := m.View()
	for _, want := range []string{"carp-split.pcap ipv4 carp vhid 7  SPLIT-BRAIN  master 192.0.2.1", "master 2", "ADVSKEW",
		"carp-split #1, open for 20.0 s"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
}

// TestCARPExternal: scapy's CARP test capture, read in place (third-party
// data, never copied): its one CARP advert is a CARP row, OK, master
// 192.168.0.111 with advskew 0; its undecodable frame is a VRRP malformed
// finding, not a CARP group.
func TestCARPExternal(t *testing.T) {
	path, err := filepath.Abs("../../shared/external/secdev-scapy/carp_uts.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI has shared/ beside its clone", err)
		}
		t.Skipf("%v (shared/ is not beside this checkout)", err)
	}
	m := newModel(t, 120, 30, path)
	if got := shownGroups(m); len(got) != 1 || got[0] != "carp_uts.pcap ipv4 carp vhid 1" {
		t.Fatalf("rows %v, want the CARP group alone", got)
	}
	v := m.View()
	for _, want := range []string{"carp 1", "192.168.0.111", "s0", "1 group (1 CARP): 1 OK", "malformed"} {
		if !strings.Contains(v, want) {
			t.Errorf("screen lacks %q:\n%s", want, v)
		}
	}
}
