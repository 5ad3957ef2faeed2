package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vrrpkit/vrrpkit/track"
)

// Columns of the groups table, in screen order. prio says which stay when
// the terminal is narrow: at 80 columns the MAC, the count of other
// routers, the family and the version go first.
const (
	colLink = iota
	colVLAN
	colFamily
	colVRID
	colVersion
	colState
	colMaster
	colMAC
	colPrio
	colOthers
	colInterval
	colVIPs
	colAge
	numCols
)

var groupCols = [numCols]column{
	colLink:     {title: "LINK", min: 5, max: 5, prio: 7},
	colVLAN:     {title: "VLAN", min: 4, max: 4, prio: 6, right: true},
	colFamily:   {title: "AF", min: 4, max: 4, prio: 9},
	colVRID:     {title: "VRID", min: 4, max: 4, prio: 0, right: true},
	colVersion:  {title: "VER", min: 3, max: 3, prio: 11},
	colState:    {title: "STATE", min: 11, max: 11, prio: 1},
	colMaster:   {title: "MASTER", min: 15, max: 15, prio: 2},
	colMAC:      {title: "MASTER MAC", min: 17, max: 17, prio: 12},
	colPrio:     {title: "PRIO", min: 4, max: 4, prio: 4, right: true},
	colOthers:   {title: "OTHERS", min: 6, max: 6, prio: 10, right: true},
	colInterval: {title: "ADV/REAL", min: 11, max: 11, prio: 5},
	colVIPs:     {title: "VIPS", min: 11, max: 11, prio: 8},
	colAge:      {title: "AGE", min: 5, max: 5, prio: 3, right: true},
}

// tableRows is how many groups fit on the table screen.
func (m *Model) tableRows() int {
	return max(1, m.height-3-m.findingsHeight())
}

// findingsHeight is the height of the findings pane under the table,
// title included.
func (m *Model) findingsHeight() int {
	if m.height < 12 {
		return 0
	}
	return min(max(m.height/4, 3), 12)
}

// cells returns the text of every column for group g.
func (m *Model) cells(g *track.GroupSnapshot) []string {
	c := make([]string, numCols)
	c[colLink] = g.Key.Link
	c[colVLAN] = vlanString(g.Key.VLAN)
	c[colFamily] = g.Key.Family
	c[colVRID] = strconv.Itoa(int(g.Key.VRID))
	c[colState] = string(g.State)
	var master *track.RouterSnapshot
	for i := range g.Routers {
		if g.Routers[i].Master {
			master = &g.Routers[i]
		}
	}
	switch {
	case g.Master != "":
		c[colMaster] = g.Master
	case g.LastMaster != "":
		c[colMaster] = "was " + g.LastMaster
	default:
		c[colMaster] = "-"
	}
	ref := master
	if ref == nil && len(g.Routers) > 0 {
		ref = &g.Routers[0]
	}
	others := len(g.Routers)
	if master != nil {
		others--
		c[colMAC] = master.MAC
		if master.VirtualMAC {
			c[colMAC] += " vmac"
		}
		c[colPrio] = strconv.Itoa(int(master.Priority))
	}
	c[colOthers] = strconv.Itoa(others)
	if g.State == track.StateSplitBrain {
		// Every router advertising as master: addresses, MACs and
		// priorities side by side.
		var addrs, macs, prios []string
		for i := range g.Routers {
			r := &g.Routers[i]
			if r.Priority == 0 || m.d.now.Sub(r.Last) > 3*r.AdverInt+time.Second {
				continue
			}
			addrs, macs, prios = append(addrs, r.Addr), append(macs, r.MAC), append(prios, strconv.Itoa(int(r.Priority)))
		}
		if len(addrs) > 1 {
			c[colMaster], c[colMAC], c[colPrio] = strings.Join(addrs, "+"), strings.Join(macs, "+"), strings.Join(prios, "+")
			c[colOthers] = strconv.Itoa(len(g.Routers) - len(addrs))
		}
	}
	if ref != nil {
		c[colVersion] = "v" + strconv.Itoa(ref.Version)
		c[colInterval] = fmtInterval(ref.AdverInt) + "/" + fmtInterval(ref.IntervalMean)
		c[colVIPs] = strings.Join(ref.VIPs, ",")
	}
	if t := g.LastAdvert(); !t.IsZero() {
		c[colAge] = fmtAge(m.d.now.Sub(t))
	}
	return c
}

// widths lays out the table for the current width, widening the columns
// whose text is longer than their minimum.
func (m *Model) widths(cells [][]string) []int {
	cols := groupCols
	// One link for every group (the usual -i or -r): the title names it.
	cols[colLink].skip = m.d.oneLink
	cols[colVLAN].skip = !m.d.anyVLAN
	for _, cs := range cells {
		for _, i := range []int{colLink, colVLAN, colMaster, colMAC, colPrio, colVIPs, colInterval} {
			cols[i].max = max(cols[i].max, min(ansi.StringWidth(cs[i]), 48))
		}
		// A CARP row's "carp 7" is never cut: without "carp" it would
		// read as a VRRP group.
		cols[colVRID].min = max(cols[colVRID].min, min(ansi.StringWidth(cs[colVRID]), 8))
		cols[colVRID].max = max(cols[colVRID].max, cols[colVRID].min)
	}
	return layout(cols[:], m.width)
}

// tableView is the groups table, the findings pane and the status bar.
func (m *Model) tableView() []string {
	var out []string
	out = append(out, m.titleLine())
	n := m.tableRows()
	end := min(len(m.rows), m.offset+n)
	cells := make([][]string, 0, end-m.offset)
	for _, r := range m.rows[m.offset:end] {
		cells = append(cells, m.d.rows[r].cells(m))
	}
	w := m.widths(cells)
	out = append(out, m.heading(groupCols[:], w))
	for i, cs := range cells {
		g := m.d.rows[m.rows[m.offset+i]]
		sel := m.offset+i == m.cursor
		if sel {
			out = append(out, m.st.selected.Render(fit("> "+row(groupCols[:], w, cs), m.width)))
			continue
		}
		out = append(out, "  "+m.styledRow(w, cs, g))
	}
	if len(m.rows) == 0 {
		msg := "  no VRRP or CARP advert yet"
		if m.filter != "" {
			msg = fmt.Sprintf("  no group matches %q (esc clears the filter)", m.filter)
		}
		out = append(out, m.st.dim.Render(msg))
	}
	for len(out) < 2+n {
		out = append(out, "")
	}
	out = append(out, m.findingsPane(m.findingsHeight())...)
	return out
}

// styledRow is row with the state coloured.
func (m *Model) styledRow(w []int, cs []string, g groupRow) string {
	var b strings.Builder
	first := true
	for i, c := range groupCols {
		if w[i] == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		var s string
		if c.right {
			s = fitRight(cs[i], w[i])
		} else {
			s = fit(cs[i], w[i])
		}
		switch i {
		case colState:
			s = m.st.state[g.state(m.d.now)].Render(s)
		case colMaster:
			if g.master(m.d.now) == "" {
				s = m.st.dim.Render(s)
			}
		}
		b.WriteString(s)
	}
	return b.String()
}

// titleLine names the screen, the source, and counts groups per state.
func (m *Model) titleLine() string {
	var b strings.Builder
	b.WriteString(m.st.title.Render("vrrpdump"))
	b.WriteString(" " + m.feed.Source)
	switch {
	case m.feed.Live && m.ended:
		b.WriteString(" (capture ended)")
	case m.feed.Live:
		b.WriteString(" (live)")
	case m.ended:
		b.WriteString(" (replay done)")
	default:
		b.WriteString(" (replay)")
	}
	if len(m.d.rows) == 1 {
		b.WriteString("  1 group")
	} else {
		fmt.Fprintf(&b, "  %d groups", len(m.d.rows))
	}
	if n := len(m.d.carps); n > 0 {
		fmt.Fprintf(&b, " (%d CARP)", n)
	}
	b.WriteByte(':')
	for _, s := range track.States() {
		if n := m.d.counts[s]; n > 0 {
			b.WriteString(" " + m.st.state[s].Render(fmt.Sprintf("%d %s", n, s)))
		}
	}
	if m.view == viewTable {
		b.WriteString("  sort:" + m.sortBy.String())
		if m.filter != "" && !m.editing {
			fmt.Fprintf(&b, "  filter:%q %d/%d", m.filter, len(m.rows), len(m.d.rows))
		}
	}
	return b.String()
}

// vlanString prints a group's VLAN key: "" untagged, "10", or "100.10"
// (outer.inner) for QinQ.
func vlanString(v uint32) string {
	switch {
	case v == 0:
		return ""
	case v>>16 != 0:
		return strconv.Itoa(int(v>>16)) + "." + strconv.Itoa(int(v&0xffff))
	}
	return strconv.Itoa(int(v))
}
