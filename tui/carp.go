package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/track"
)

// CARP groups on the screen. A CARP group's row says "carp" before its
// vhid in the VRID column; its PRIO column holds the masters' advskew as
// "s0" (the lowest skew wins, as the highest priority does in VRRP) and its VIPS
// column says the addresses are in the HMAC: CARP adverts do not list
// them. The master is the router with the lowest demote, then the lowest
// advskew; only masters advertise, so every router heard within 3 of its
// intervals is a master (two at once: carp-split).

// carpCells returns the text of every table column for CARP group g.
func (m *Model) carpCells(g *track.CARPSnapshot) []string {
	now := m.d.now
	c := make([]string, numCols)
	k := g.Group
	c[colLink], c[colVLAN], c[colFamily] = k.Link, vlanString(k.VLAN), k.Family
	c[colVRID] = "carp " + strconv.Itoa(int(k.VRID))
	c[colVersion] = "-"
	c[colState] = string(g.State(now))
	masters := g.Masters(now)
	var addrs, macs, skews []string
	for _, r := range masters {
		addrs, macs, skews = append(addrs, r.Addr), append(macs, carpMAC(r)), append(skews, carpSkew(r))
	}
	switch {
	case len(masters) > 0:
		c[colMaster], c[colMAC], c[colPrio] = strings.Join(addrs, "+"), strings.Join(macs, "+"), strings.Join(skews, "+")
	case g.Master != "":
		c[colMaster] = "was " + g.Master
	default:
		c[colMaster] = "-"
	}
	c[colOthers] = strconv.Itoa(len(g.Routers) - len(masters))
	ref := (*track.CARPRouterSnapshot)(nil)
	if len(masters) > 0 {
		ref = masters[0]
	} else if len(g.Routers) > 0 {
		ref = &g.Routers[0]
	}
	if ref != nil {
		c[colInterval] = fmtInterval(ref.Interval) + "/" + fmtInterval(ref.MeanInterval())
	}
	c[colVIPs] = "in HMAC"
	if t := g.LastAdvert(); !t.IsZero() {
		c[colAge] = fmtAge(now.Sub(t))
	}
	return c
}

// carpSkew is a router's advskew for the PRIO column, and its demote
// counter when it is demoted: "s100", "s0 d1".
func carpSkew(r *track.CARPRouterSnapshot) string {
	s := "s" + strconv.Itoa(r.AdvSkew)
	if r.Demote != 0 {
		s += " d" + strconv.Itoa(r.Demote)
	}
	return s
}

// carpMAC is a router's source MAC, marked when it is the group's virtual
// MAC (CARP sends from it, as VRRP does).
func carpMAC(r *track.CARPRouterSnapshot) string {
	if strings.HasPrefix(r.MAC, "00:00:5e:00:01:") {
		return r.MAC + " vmac"
	}
	return r.MAC
}

// carpTitle is a CARP group's detail view's first line.
func (m *Model) carpTitle(g *track.CARPSnapshot) string {
	var b strings.Builder
	st := g.State(m.d.now)
	b.WriteString(m.st.title.Render(g.Group.String()))
	b.WriteString("  " + m.st.state[st].Render(string(st)))
	switch {
	case g.Master != "" && st == track.StateDown:
		b.WriteString("  last master " + g.Master)
	case g.Master != "":
		b.WriteString("  master " + g.Master)
	}
	if g.Changes == 1 {
		b.WriteString(", 1 change")
	} else {
		fmt.Fprintf(&b, ", %d changes", g.Changes)
	}
	return b.String()
}

// Columns of the CARP routers table in the detail view.
const (
	ccAddr = iota
	ccRole
	ccSkew
	ccDemote
	ccBase
	ccCount
	ccAdv
	ccMean
	ccMAC
	ccLast
	numCARPCols
)

var carpRouterCols = [numCARPCols]column{
	ccAddr:   {title: "ROUTER", min: 15, max: 15, prio: 0},
	ccRole:   {title: "ROLE", min: 8, max: 8, prio: 1},
	ccSkew:   {title: "ADVSKEW", min: 7, max: 7, prio: 2, right: true},
	ccDemote: {title: "DEMOTE", min: 6, max: 6, prio: 3, right: true},
	ccBase:   {title: "ADVBASE", min: 7, max: 7, prio: 6, right: true},
	ccCount:  {title: "COUNT", min: 6, max: 6, prio: 4, right: true},
	ccAdv:    {title: "ADV", min: 7, max: 7, prio: 5, right: true},
	ccMean:   {title: "MEAN", min: 7, max: 7, prio: 7, right: true},
	ccMAC:    {title: "MAC", min: 17, max: 22, prio: 9},
	ccLast:   {title: "LAST", min: 5, max: 5, prio: 8, right: true},
}

// carpRole says what a CARP router is doing: the elected master, a second
// master (advertising too: in CARP only masters advertise), or silent (a
// backup, or gone: the wire cannot tell).
func carpRole(r *track.CARPRouterSnapshot, now time.Time) string {
	switch adv := r.Advertising(now); {
	case r.Master && adv:
		return "master"
	case adv:
		return "master 2"
	}
	return "silent"
}

// carpDetail is every line of a CARP group's detail view below its title.
func (m *Model) carpDetail(g *track.CARPSnapshot) []string {
	now := m.d.now
	cols := carpRouterCols
	var cells [][]string
	for i := range g.Routers {
		r := &g.Routers[i]
		c := make([]string, numCARPCols)
		c[ccAddr], c[ccRole] = r.Addr, carpRole(r, now)
		c[ccSkew], c[ccDemote], c[ccBase] = strconv.Itoa(r.AdvSkew), strconv.Itoa(r.Demote), strconv.Itoa(r.AdvBase)+"s"
		c[ccCount], c[ccAdv], c[ccMean] = strconv.FormatInt(r.Count, 10), fmtInterval(r.Interval), fmtInterval(r.MeanInterval())
		c[ccMAC], c[ccLast] = carpMAC(r), fmtAge(now.Sub(r.Last))
		cells = append(cells, c)
		cols[ccAddr].max = max(cols[ccAddr].max, min(len(r.Addr), 39))
	}
	w := layout(cols[:], m.width)
	out := []string{m.heading(cols[:], w)}
	for _, c := range cells {
		line := "  " + row(cols[:], w, c)
		switch c[ccRole] {
		case "master":
			line = m.st.master.Render(line)
		case "master 2":
			line = m.st.state[track.StateSplitBrain].Render(line)
		}
		out = append(out, line)
	}
	out = append(out, "")
	out = appendWrapped(out, "  ", "CARP (OpenBSD carp(4), pfSense, OPNsense), not VRRP: the master is the router with the "+
		"lowest demote, then the lowest advskew, advertising every advbase + advskew/256 s; only masters advertise. "+
		"The addresses it protects are inside the HMAC, not on the wire.", m.width)
	return append(out, m.groupFindings(g.Group)...)
}
