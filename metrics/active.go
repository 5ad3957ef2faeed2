package metrics

import (
	"slices"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// activeCount is the number of active findings of one id in a group.
type activeCount struct {
	id  string
	sev track.Severity
	n   int
}

// activeByID counts g's findings fs by id, in the order of first
// appearance; g is nil for findings about a key the tracker has no group
// for (an undecodable packet). Every id seen gets an entry, active or not.
func activeByID(g *track.GroupSnapshot, fs []track.Finding, now time.Time) []activeCount {
	var out []activeCount
	for i := range fs {
		f := &fs[i]
		j := slices.IndexFunc(out, func(a activeCount) bool { return a.id == f.ID })
		if j < 0 {
			out = append(out, activeCount{id: f.ID, sev: f.Severity})
			j = len(out) - 1
		}
		if track.Active(g, f, now) {
			out[j].n++
		}
	}
	return out
}
