package track

import (
	"fmt"
	"time"
)

// The capture's own health: when the capture interface goes down and up,
// or reading fails and the capture is reopened, vrrpdump sees nothing for
// a while, and the kernel may drop frames when vrrpdump falls behind. A
// silence then need not be the master's: a failover or master-down whose
// silence overlaps a gap of the capture says so in its cause.

// gap is a window in which a link's capture saw nothing.
type gap struct {
	link     string
	from, to instant
}

// openGap is the end of a gap still open (CaptureDown).
const openGap instant = 1<<63 - 1

// maxGaps bounds the gaps remembered (the oldest go first).
const maxGaps = 256

// CaptureDown reports that link's capture stopped seeing frames at from
// (the interface went down, reading failed): until CaptureGap closes it,
// a failover or master-down whose silence overlaps it says so.
func (t *Tracker) CaptureDown(link string, from time.Time) {
	t.mu.Lock()
	t.addGap(gap{link, at(from), openGap})
	t.unlockAndDeliver()
}

// CaptureGap reports that link's capture saw nothing from from to to
// (interface down and up, a read error and a reopen), with why. It raises
// capture-gap and keeps the window for findings whose silence overlaps it
// (closing the one CaptureDown opened at from).
func (t *Tracker) CaptureGap(link string, from, to time.Time, why string) {
	t.mu.Lock()
	f, e := at(from), at(to)
	closed := false
	for i := range t.gaps {
		if g := &t.gaps[i]; g.link == link && g.from == f {
			g.to, closed = e, true
		}
	}
	if !closed {
		t.addGap(gap{link, f, e})
	}
	ts := t.advance(e)
	t.raise(ruleCaptureGap, GroupKey{Link: link}, ts, nil,
		fmt.Sprintf("vrrpdump saw nothing on %s from %s to %s (%.3f s): %s", link,
			from.Format("15:04:05.000"), to.Format("15:04:05.000"), to.Sub(from).Seconds(), why), "",
		map[string]any{"from": from.UTC(), "to": to.UTC(), "gap_s": secs(to.Sub(from)), "reason": why})
	t.unlockAndDeliver()
}

// CaptureDrops reports that the kernel dropped frames of link's capture:
// dropped since the last report, in (since, now], total so far.
func (t *Tracker) CaptureDrops(link string, since, now time.Time, dropped, total int64) {
	if dropped <= 0 {
		return
	}
	t.mu.Lock()
	ts := t.advance(at(now))
	t.addGap(gap{link, at(since), ts})
	t.raise(ruleCaptureDrops, GroupKey{Link: link}, ts, nil,
		fmt.Sprintf("the kernel dropped %d frames of the capture on %s between %s and %s (%d in all): vrrpdump may have missed adverts",
			dropped, link, since.Format("15:04:05.000"), now.Format("15:04:05.000"), total), "",
		map[string]any{"dropped": dropped, "total": total, "from": since.UTC(), "to": now.UTC()})
	t.unlockAndDeliver()
}

// addGap remembers g, forgetting the oldest beyond maxGaps.
func (t *Tracker) addGap(g gap) {
	if len(t.gaps) == maxGaps {
		t.gaps = append(t.gaps[:0], t.gaps[1:]...)
	}
	t.gaps = append(t.gaps, g)
}

// gapCause says, for a silence of link from from to to, which gaps or
// drops of the capture overlap it; "" when none.
func (t *Tracker) gapCause(link string, from, to instant) string {
	for i := len(t.gaps) - 1; i >= 0; i-- {
		g := &t.gaps[i]
		if g.link == link && g.from.Before(to) && from.Before(g.to) {
			end := "now"
			if g.to != openGap {
				end = g.to.Time().Format("15:04:05.000")
			}
			return fmt.Sprintf("the capture on %s saw nothing or dropped frames from %s to %s (capture-gap / capture-drops): the silence may be the capture's, not the master's",
				link, g.from.Time().Format("15:04:05.000"), end)
		}
	}
	return ""
}
