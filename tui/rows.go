package tui

import (
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// groupRow is one row of the groups table: a VRRP group or a CARP group
// (OpenBSD carp(4), pfSense, OPNsense: VRRP's protocol number, groups and
// virtual MACs, but its own protocol, followed apart by the tracker). The
// table, its sort and filter, and the detail view see a group only
// through it. now is the tracker's clock.
type groupRow interface {
	key() track.GroupKey
	state(now time.Time) track.State
	lastAdvert() time.Time
	master(now time.Time) string // the master advertising now; "" without one
	cells(m *Model) []string
	haystack(now time.Time) string // what the filter matches, lower case
	title(m *Model) string
	detail(m *Model) []string
}

// vrrpRow is a VRRP group.
type vrrpRow struct{ g *track.GroupSnapshot }

func (r vrrpRow) key() track.GroupKey         { return r.g.Key }
func (r vrrpRow) state(time.Time) track.State { return r.g.State }
func (r vrrpRow) lastAdvert() time.Time       { return r.g.LastAdvert() }
func (r vrrpRow) master(time.Time) string     { return r.g.Master }
func (r vrrpRow) cells(m *Model) []string     { return m.cells(r.g) }
func (r vrrpRow) haystack(time.Time) string   { return haystack(r.g) }
func (r vrrpRow) title(m *Model) string       { return m.detailTitle(r.g) }
func (r vrrpRow) detail(m *Model) []string    { return m.detailView(r.g) }

// carpRow is a CARP group (carp.go).
type carpRow struct{ g *track.CARPSnapshot }

func (r carpRow) key() track.GroupKey             { return r.g.Group }
func (r carpRow) state(now time.Time) track.State { return r.g.State(now) }
func (r carpRow) lastAdvert() time.Time           { return r.g.LastAdvert() }
func (r carpRow) cells(m *Model) []string         { return m.carpCells(r.g) }
func (r carpRow) title(m *Model) string           { return m.carpTitle(r.g) }
func (r carpRow) detail(m *Model) []string        { return m.carpDetail(r.g) }

func (r carpRow) master(now time.Time) string {
	if ms := r.g.Masters(now); len(ms) > 0 {
		return ms[0].Addr
	}
	return ""
}

func (r carpRow) haystack(now time.Time) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.g.Group.String()) + " " + strings.ToLower(string(r.g.State(now))))
	for _, rt := range r.g.Routers {
		b.WriteString(" " + rt.Addr + " " + rt.MAC)
	}
	return b.String()
}
