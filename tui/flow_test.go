package tui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/vrrpkit/vrrpkit/decode/capture/pcapfile"
	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/track"
)

// TestFlow runs the program as vrrpdump -r split-brain.pcap --tui does: a
// capture goroutine feeds the tracker and pokes Updates, the screen shows
// the split brain, Enter opens the detail, q quits. It waits on output,
// never on sleeps.
func TestFlow(t *testing.T) {
	tr := track.New(track.Options{})
	updates := make(chan struct{}, 1)
	fd := &feed.Feed{Tracker: tr, Source: "split-brain.pcap", Updates: updates}
	go func() {
		defer close(updates)
		src, err := pcapfile.Open("../testdata/pcaps/split-brain.pcap")
		if err != nil {
			t.Error(err)
			return
		}
		defer src.Close()
		pr, _ := tr.Read(context.Background(), src, track.ReadOptions{Link: "split-brain.pcap", Progress: func(track.Progress) {
			select {
			case updates <- struct{}{}:
			default:
			}
		}})
		tr.End(pr.Last)
	}()
	m := New(fd, Options{Renderer: asciiRenderer(), Clock: func() time.Time { return t0 }, Started: started,
		Location: time.UTC, MinRefresh: 20 * time.Millisecond, Health: func() []feed.Health { return nil }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	waitFor("replay done")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor("TIMELINE")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	fm := tm.FinalModel(t).(*Model)
	if fm.view != viewDetail || fm.selected() == nil || fm.selected().state(fm.d.now) != track.StateSplitBrain {
		t.Errorf("final view %v, group %+v; want the split brain's detail", fm.view, fm.selected())
	}
}
