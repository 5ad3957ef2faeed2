// Package feed is what a running capture offers its readers: the tracker,
// the capture's own health per link, and a signal when something changed.
// vrrpdump fills it; the screen (tui) and the exporter (metrics) read it,
// without waiting on the capture or importing the command.
package feed

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/track"
)

// Feed is what the TUI and the metrics exporter read while a capture runs.
// The capture loop never waits for them.
type Feed struct {
	Tracker *track.Tracker
	// Source names what is read: the interface(s), or the file's base name.
	Source string
	Live   bool
	// Updates gets a value (without blocking the capture, so values merge)
	// after frames were observed, and is closed when every capture ended.
	Updates <-chan struct{}
	links   []*Link
	start   time.Time
}

// New returns a Feed of tr started now.
func New(tr *track.Tracker, live bool) *Feed {
	return &Feed{Tracker: tr, Live: live, start: time.Now()}
}

// Health is the capture's own state, per link.
type Health struct {
	Link    string `json:"link"`
	Packets int64  `json:"packets"` // frames read by vrrpdump
	// Received, Dropped and IfDropped are the kernel's counters (live
	// only): what the filter accepted, what the kernel dropped because
	// vrrpdump was too slow, and what the interface dropped.
	Received  int64 `json:"received"`
	Dropped   int64 `json:"dropped"`
	IfDropped int64 `json:"if_dropped"`
	// Running is false once the capture ended; Err says why when it
	// failed.
	Running bool  `json:"running"`
	Err     error `json:"-"`
}

// Link is one capture's side of the feed: the loop reading it counts its
// frames and says when and why it ended.
type Link struct {
	name    string
	src     capture.Source
	packets atomic.Int64
	done    atomic.Bool
	mu      sync.Mutex
	err     error
}

// AddLink adds a capture named name (what groups are keyed by) reading src.
func (f *Feed) AddLink(name string, src capture.Source) *Link {
	l := &Link{name: name, src: src}
	f.links = append(f.links, l)
	return l
}

// Links returns the links in the order they were added.
func (f *Feed) Links() []*Link { return f.links }

// Name is the link's name.
func (l *Link) Name() string { return l.name }

// Source is what the link reads.
func (l *Link) Source() capture.Source {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.src
}

// SetSource replaces what the link reads: a live capture reopened after it
// failed (the interface went down).
func (l *Link) SetSource(src capture.Source) {
	l.mu.Lock()
	l.src = src
	l.mu.Unlock()
}

// SetPackets records how many frames the capture has read.
func (l *Link) SetPackets(n int) { l.packets.Store(int64(n)) }

// End records that the capture on l ended, and why when err is not nil;
// it returns err naming the link.
func (l *Link) End(err error) error {
	if err != nil {
		err = fmt.Errorf("reading %s: %w", l.name, err)
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
	}
	l.done.Store(true)
	return err
}

// Health reads the counters of every link now.
func (f *Feed) Health() []Health {
	hs := make([]Health, len(f.links))
	for i, l := range f.links {
		h := Health{Link: l.name, Packets: l.packets.Load(), Running: !l.done.Load()}
		if h.Running {
			if st, err := l.Source().Stats(); err == nil {
				h.Received, h.Dropped, h.IfDropped = int64(st.Received), int64(st.Dropped), int64(st.IfDropped)
			}
		}
		l.mu.Lock()
		h.Err = l.err
		l.mu.Unlock()
		hs[i] = h
	}
	return hs
}

// Started is the wall-clock time the capture started.
func (f *Feed) Started() time.Time { return f.start }
