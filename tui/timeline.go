package tui

import (
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// Timeline cells.
const (
	cellAdvert = '█' // at least one advert with a priority above 0
	cellResign = '0' // only a priority-0 advert: the router resigned
	cellSilent = '·' // no advert
)

// bucketSteps are the durations one timeline cell may stand for.
var bucketSteps = []time.Duration{
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond,
	200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second,
	10 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute,
}

// bucketFor picks the cell duration for a timeline of n cells: at least
// the longest advert interval, so a steady master is a solid bar, and long
// enough to show all the adverts the tracker remembers.
func bucketFor(g *track.GroupSnapshot, now time.Time, n int) time.Duration {
	var interval time.Duration
	for _, r := range g.Routers {
		interval = max(interval, r.AdverInt)
	}
	span := historySpan(g, now)
	for _, b := range bucketSteps {
		if b >= interval && time.Duration(n)*b >= span {
			return b
		}
	}
	return bucketSteps[len(bucketSteps)-1]
}

// strip is one router's adverts in n cells of bucket each, ending at now.
func strip(r *track.RouterSnapshot, now time.Time, n int, bucket time.Duration) []rune {
	cells := []rune(strings.Repeat(string(cellSilent), n))
	start := now.Add(-time.Duration(n) * bucket)
	for _, s := range r.Recent {
		if !s.Time.After(start) {
			continue
		}
		i := int(s.Time.Sub(start) / bucket)
		if s.Time.Sub(start)%bucket == 0 {
			i-- // a sample exactly on a boundary belongs to the cell it ends
		}
		i = max(0, min(i, n-1))
		switch {
		case s.Priority > 0:
			cells[i] = cellAdvert
		case cells[i] == cellSilent:
			cells[i] = cellResign
		}
	}
	return cells
}

// historySpan is how far back the remembered adverts of g reach.
func historySpan(g *track.GroupSnapshot, now time.Time) time.Duration {
	oldest := now
	for _, r := range g.Routers {
		if len(r.Recent) > 0 && r.Recent[0].Time.Before(oldest) {
			oldest = r.Recent[0].Time
		}
	}
	return now.Sub(oldest)
}
