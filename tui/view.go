package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// View draws the screen: exactly height lines, none wider than width.
func (m *Model) View() string {
	var lines []string
	switch m.view {
	case viewTable:
		lines = m.tableView()
	case viewDetail:
		g := m.selected()
		if g == nil {
			lines = []string{m.titleLine(), m.st.dim.Render("  the group is gone (filtered out?): esc goes back")}
			break
		}
		body := g.detail(m)
		h := max(1, m.height-2)
		m.detailOffset = max(0, min(m.detailOffset, len(body)-h))
		end := min(len(body), m.detailOffset+h)
		lines = append([]string{g.title(m)}, body[m.detailOffset:end]...)
	case viewHelp:
		lines = m.helpView()
	}
	for len(lines) < m.height-1 {
		lines = append(lines, "")
	}
	lines = append(lines[:max(0, m.height-1)], m.statusBar())
	for i, l := range lines {
		lines[i] = clip(l, m.width)
	}
	return strings.Join(lines, "\n")
}

// helpView lists the keys and what the states mean.
func (m *Model) helpView() []string {
	out := []string{m.st.title.Render("vrrpdump keys")}
	desc := map[string]string{
		"enter": "detail of the selected group: routers, timeline, VIP owners, findings with fixes",
		"/":     "filter groups by text (link, VRID, state, address); enter keeps it, esc clears it",
		"s":     "sort by group, state (worst first), age (stalest first) or master",
		"p":     "pause the screen; the capture goes on, the counters keep counting",
		"q":     "quit and print the summary (exit 1 if an error finding was seen)",
		"?":     "this help; ? or esc goes back",
		"esc":   "back to the table (or clear the filter)",
	}
	for _, kv := range keys.helpLines() {
		d := kv[1]
		if long, ok := desc[kv[0]]; ok {
			d = long
		}
		out = append(out, "  "+fit(kv[0], 7)+" "+d)
	}
	// No blank line before the states: the help fits 80x24.
	out = append(out, m.st.title.Render("states")+" (CARP rows: VRID \"carp 7\" is the vhid, PRIO \"s0\" the advskew)")
	for _, s := range [][2]string{
		{"OK", "one master, advertising on time"},
		{"SPLIT-BRAIN", "two routers advertise as master at once"},
		{"DOWN", "the master fell silent beyond Master_Down_Interval"},
		{"COLLISION", "two virtual routers (unrelated VIPs) share the VRID"},
		{"FLAPPING", "mastership changed 3 or more times within 60 s"},
		{"MISMATCH", "routers disagree on interval, VIPs, auth or version"},
		{"RELEASED", "the master resigned (priority 0), no successor yet"},
		{"INIT", "nothing valid heard yet"},
	} {
		out = append(out, "  "+fit(s[0], 12)+s[1])
	}
	return out
}

// width is a string's width in cells, ignoring escape sequences.
func width(s string) int { return ansi.StringWidth(s) }
