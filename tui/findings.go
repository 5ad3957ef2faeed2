package tui

import (
	"fmt"
	"strings"

	"github.com/vrrpkit/vrrpkit/track"
)

// findingLine is one finding on one line: when it opened (an event: its
// last occurrence), severity, id, incident and repeat count, group, open
// or ended, and message.
func (m *Model) findingLine(f *track.Finding) string {
	head := sortTime(f).In(m.opts.Location).Format("15:04:05") + " "
	id := f.ID
	if f.Incident > 0 {
		id += fmt.Sprintf(" #%d", f.Incident)
	}
	if f.Count > 1 {
		id += fmt.Sprintf(" ×%d", f.Count)
	}
	state := ""
	switch f.Phase {
	case track.PhaseOpen:
		state = "open " + track.FormatDuration(m.d.now.Sub(f.Start)) + ": "
	case track.PhaseClose:
		state = "ended after " + track.FormatDuration(f.End.Sub(f.Start)) + ": "
	}
	rest := " " + fit(id, 20) + " " + m.groupTag(f.Group) + "  " + state + f.Message
	return head + m.st.severity[f.Severity].Render(fmt.Sprintf("%-5s", f.Severity.Word())) + clip(rest, max(0, m.width-len(head)-5))
}

// groupTag names a group briefly: "vrid 51", "vlan 10 vrid 51 ipv6",
// "carp vhid 7", with the link first when there are several.
func (m *Model) groupTag(k track.GroupKey) string {
	var b strings.Builder
	if !m.d.oneLink {
		b.WriteString(k.Link + " ")
	}
	if k.VLAN != 0 {
		b.WriteString("vlan " + vlanString(k.VLAN) + " ")
	}
	if k.Proto == track.ProtoCARP {
		fmt.Fprintf(&b, "carp vhid %d", k.VRID)
	} else {
		fmt.Fprintf(&b, "vrid %d", k.VRID)
	}
	if k.Family == "ipv6" {
		b.WriteString(" ipv6")
	}
	return b.String()
}

// findingsPane is the findings of every group, worst first, then newest
// opening first, in h lines (title included).
func (m *Model) findingsPane(h int) []string {
	if h == 0 {
		return nil
	}
	var n [3]int
	for i := range m.d.findings {
		f := &m.d.findings[i]
		switch f.Severity {
		case track.SeverityError:
			n[0]++
		case track.SeverityWarning:
			n[1]++
		default:
			n[2]++
		}
	}
	title := fmt.Sprintf("FINDINGS worst, then newest first: %d error, %d warning, %d info; %d active now", n[0], n[1], n[2], m.d.active)
	out := []string{m.st.header.Render(fit(title, m.width))}
	for i := 0; i < len(m.d.findings) && len(out) < h; i++ {
		out = append(out, m.findingLine(&m.d.findings[i]))
	}
	if len(m.d.findings) == 0 {
		out = append(out, m.st.dim.Render("none"))
	}
	for len(out) < h {
		out = append(out, "")
	}
	return out
}

// statusBar is the last line: source, counters, elapsed time, keys.
func (m *Model) statusBar() string {
	if m.editing {
		return fit("/"+m.filter+"█", m.width-1) + " "
	}
	var pkts, drops, recv int64
	var errs []string
	for _, h := range m.opts.Health() {
		pkts += h.Packets
		recv += h.Received
		drops += h.Dropped + h.IfDropped
		if h.Err != nil {
			errs = append(errs, h.Err.Error())
		}
	}
	adverts := fmt.Sprintf("%d adverts", m.d.stats.Adverts)
	if n := m.d.stats.CARP; n > 0 {
		adverts += fmt.Sprintf(", %d CARP", n)
	}
	parts := []string{fit(m.feed.Source, min(width(m.feed.Source), 24)),
		fmt.Sprintf("%d pkts", pkts),
		adverts,
		fmt.Sprintf("%d dropped", drops),
		fmtElapsed(m.opts.Clock().Sub(m.opts.Started)),
	}
	left := " " + strings.Join(parts, " │ ") + " "
	var flag string
	switch {
	case m.paused:
		flag = " PAUSED (capture continues, p resumes) "
	case len(errs) > 0:
		flag = " " + strings.Join(errs, "; ") + " "
	}
	// The keys, shorter as the terminal narrows.
	choices := []string{" ?:help q:quit ", " ? q "}
	switch m.view {
	case viewTable:
		choices = []string{" ↑↓ enter:detail /:filter s:sort p:pause ?:help q:quit ", " enter / s p ? q ", " ?:help "}
	case viewDetail:
		choices = []string{" ↑↓:scroll esc:back p:pause ?:help q:quit ", " esc p ? q ", " ?:help "}
	}
	keysText := ""
	for _, c := range choices {
		if width(left)+width(flag)+width(c) <= m.width {
			keysText = c
			break
		}
	}
	gap := m.width - width(left) - width(flag) - width(keysText)
	if gap < 0 {
		return clip(m.st.bar.Render(left)+m.st.paused.Render(flag), m.width)
	}
	if flag == "" {
		return m.st.bar.Render(left + strings.Repeat(" ", gap) + keysText)
	}
	return m.st.bar.Render(left) + m.st.paused.Render(flag) + m.st.bar.Render(strings.Repeat(" ", gap)+keysText)
}
