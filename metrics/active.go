package metrics

import (
	"slices"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// The tracker keeps every finding it raised; a scrape says which of them
// are still true. How depends on how the tracker raises the id.
const (
	// EventWindow is how long an event (failover, release, late-advert,
	// garp-missing, ...) counts as active after it last happened: the
	// tracker's own episode length, after which a repeat is news again.
	EventWindow = 5 * time.Minute
	// FlapWindow is how long flapping stays active after the master change
	// that last raised it: the tracker's flapping window.
	FlapWindow = 60 * time.Second
	// PeerWindow is how recently both routers named by a configuration
	// conflict must have advertised for it to count as active.
	PeerWindow = 5 * time.Minute
)

// activity is how a finding id's "active" is decided.
type activity int

const (
	actEvent     activity = iota // within EventWindow of its last occurrence
	actPerAdvert                 // re-raised by every advert showing it: within 3 intervals + 1 s
	actConfig                    // both routers heard within PeerWindow and still differing
	actSplit                     // the group is SPLIT-BRAIN and the finding was bumped within 3 intervals + 1 s
	actDown                      // the group is DOWN or RELEASED since the finding
	actFlap                      // within FlapWindow of its last occurrence
)

// activities maps the tracker's finding ids; ids not listed are events.
var activities = map[string]activity{
	"split-brain":               actSplit,
	"master-down":               actDown,
	"flapping":                  actFlap,
	"auth-plaintext":            actPerAdvert,
	"unicast":                   actPerAdvert,
	"checksum-v2-style":         actPerAdvert,
	"bad-checksum":              actPerAdvert,
	"bad-ttl":                   actPerAdvert,
	"ipv6-first-addr":           actPerAdvert,
	"malformed":                 actPerAdvert,
	"duplicate-source":          actPerAdvert,
	"interval-mismatch":         actConfig,
	"vip-mismatch":              actConfig,
	"auth-mismatch":             actConfig,
	"version-mismatch":          actConfig,
	"owner-conflict":            actConfig,
	"checksum-flavour-mismatch": actConfig,
	"vrid-collision":            actConfig,
}

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
		if Active(g, f, now) {
			out[j].n++
		}
	}
	return out
}

// Active reports whether finding f of group g (nil when the tracker has no
// such group) is still true at now, the tracker's clock:
//
//   - split-brain: the group is SPLIT-BRAIN and the finding was bumped (by
//     an advert of either side) within 3 advertisement intervals + 1 s;
//   - master-down: the group is DOWN or RELEASED and nothing was heard
//     since the finding;
//   - flapping: within FlapWindow of the master change that raised it;
//   - findings about single adverts (auth-plaintext, unicast, bad-ttl,
//     bad-checksum, checksum-v2-style, ipv6-first-addr, malformed,
//     duplicate-source): the router's last such advert is within 3 of its
//     intervals + 1 s;
//   - configuration conflicts (*-mismatch, owner-conflict, vrid-collision):
//     both routers advertised within PeerWindow and still differ in that
//     field;
//   - events (failover, release, late-advert, garp-missing, stale-garp,
//     vip-arp-conflict, peer-unreachable, and any id added later): within
//     EventWindow of the last occurrence.
func Active(g *track.GroupSnapshot, f *track.Finding, now time.Time) bool {
	age := now.Sub(f.Last)
	switch activities[f.ID] {
	case actSplit:
		return g != nil && g.State == track.StateSplitBrain && age <= hold(g, f.Routers)
	case actDown:
		return g != nil && (g.State == track.StateDown || g.State == track.StateReleased) && !g.LastAdvert().After(f.Last)
	case actFlap:
		return age <= FlapWindow
	case actPerAdvert:
		return age <= hold(g, f.Routers)
	case actConfig:
		return g != nil && conflicts(g, f, now)
	}
	return age <= EventWindow
}

// hold is 3 advertisement intervals + 1 s of the slowest of the named
// routers (of the whole group when none is known; 1 s intervals without a
// group): at least the Master_Down_Interval after which the tracker stops
// counting a silent router.
func hold(g *track.GroupSnapshot, routers []string) time.Duration {
	var iv time.Duration
	if g != nil {
		for _, r := range g.Routers {
			if len(routers) == 0 || slices.Contains(routers, r.Addr) {
				iv = max(iv, r.AdverInt)
			}
		}
	}
	if iv == 0 {
		iv = time.Second
	}
	return 3*iv + time.Second
}

func router(g *track.GroupSnapshot, addr string) *track.RouterSnapshot {
	for i := range g.Routers {
		if g.Routers[i].Addr == addr {
			return &g.Routers[i]
		}
	}
	return nil
}

// conflicts re-checks a configuration conflict against the routers' latest
// adverts.
func conflicts(g *track.GroupSnapshot, f *track.Finding, now time.Time) bool {
	if len(f.Routers) != 2 {
		return false
	}
	a, b := router(g, f.Routers[0]), router(g, f.Routers[1])
	if a == nil || b == nil || now.Sub(a.Last) > PeerWindow || now.Sub(b.Last) > PeerWindow {
		return false
	}
	switch f.ID {
	case "version-mismatch":
		return a.Version != b.Version
	case "interval-mismatch":
		return a.AdverInt != b.AdverInt
	case "auth-mismatch":
		return a.AuthType != b.AuthType || a.AuthFingerprint != b.AuthFingerprint
	case "vip-mismatch":
		return !sameSet(a.VIPs, b.VIPs)
	case "owner-conflict":
		return a.Priority == 255 && b.Priority == 255
	case "checksum-flavour-mismatch":
		return a.Checksum != b.Checksum && a.Checksum != "" && b.Checksum != ""
	case "vrid-collision":
		return len(a.VIPs) > 0 && len(b.VIPs) > 0 && !slices.ContainsFunc(a.VIPs, func(v string) bool { return slices.Contains(b.VIPs, v) })
	}
	return true
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
