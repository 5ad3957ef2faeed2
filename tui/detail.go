package tui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/timers"
	"github.com/vrrpkit/vrrpkit/track"
)

// Columns of the routers table in the detail view.
const (
	rcAddr = iota
	rcRole
	rcPrio
	rcCount
	rcAdv
	rcMean
	rcMax
	rcJitter
	rcTTL
	rcAuth
	rcMAC
	rcLast
	numRouterCols
)

var routerCols = [numRouterCols]column{
	rcAddr:   {title: "ROUTER", min: 15, max: 15, prio: 0},
	rcRole:   {title: "ROLE", min: 8, max: 8, prio: 1},
	rcPrio:   {title: "PRIO", min: 4, max: 4, prio: 2, right: true},
	rcCount:  {title: "COUNT", min: 6, max: 6, prio: 3, right: true},
	rcAdv:    {title: "ADV", min: 5, max: 6, prio: 4, right: true},
	rcMean:   {title: "MEAN", min: 7, max: 7, prio: 5, right: true},
	rcMax:    {title: "MAX", min: 7, max: 7, prio: 6, right: true},
	rcJitter: {title: "JITTER", min: 7, max: 7, prio: 7, right: true},
	rcTTL:    {title: "TTL", min: 3, max: 3, prio: 9, right: true},
	rcAuth:   {title: "AUTH", min: 6, max: 15, prio: 10},
	rcMAC:    {title: "MAC", min: 17, max: 17, prio: 11},
	rcLast:   {title: "LAST", min: 5, max: 5, prio: 8, right: true},
}

// role says what a router is doing: the master, a second master during a
// split brain, resigned (priority 0), still advertising, or silent.
func role(g *track.GroupSnapshot, r *track.RouterSnapshot, now time.Time) string {
	alive := now.Sub(r.Last) <= timers.MasterDownInterval(decode.Version(r.Version), r.Priority, r.AdverInt)
	switch {
	case r.Master:
		return "master"
	case r.Resigned:
		return "resigned"
	case alive && g.State == track.StateSplitBrain:
		return "master 2"
	case alive:
		return "adverts"
	}
	return "silent"
}

// detailView is every line of the detail view below its title; View
// scrolls it.
func (m *Model) detailView(g *track.GroupSnapshot) []string {
	now := m.d.now
	var out []string

	// Routers.
	cols := routerCols
	var cells [][]string
	addrW := 0
	for i := range g.Routers {
		r := &g.Routers[i]
		c := make([]string, numRouterCols)
		c[rcAddr], c[rcRole] = r.Addr, role(g, r, now)
		c[rcPrio], c[rcCount] = strconv.Itoa(int(r.Priority)), strconv.FormatInt(r.Count, 10)
		c[rcAdv], c[rcMean] = fmtInterval(r.AdverInt), fmtInterval(r.IntervalMean)
		c[rcMax], c[rcJitter] = fmtInterval(r.IntervalMax), fmtInterval(r.Jitter)
		if r.Jitter == 0 && r.Count > 1 {
			c[rcJitter] = "0"
		}
		c[rcTTL] = strconv.Itoa(int(r.TTL))
		c[rcAuth] = "v" + strconv.Itoa(r.Version)
		if r.AuthType != "" {
			c[rcAuth] = r.AuthType
		}
		if r.AuthFingerprint != "" {
			c[rcAuth] += " " + r.AuthFingerprint
		}
		c[rcMAC] = r.MAC
		if r.VirtualMAC {
			c[rcMAC] += " vmac"
		}
		c[rcLast] = fmtAge(now.Sub(r.Last))
		cells = append(cells, c)
		addrW = max(addrW, len(r.Addr))
		cols[rcAuth].max = max(cols[rcAuth].max, len(c[rcAuth]))
		cols[rcMAC].max = max(cols[rcMAC].max, len(c[rcMAC]))
	}
	cols[rcAddr].max = max(cols[rcAddr].max, min(addrW, 39))
	w := layout(cols[:], m.width)
	out = append(out, m.heading(cols[:], w))
	for i, c := range cells {
		line := "  " + row(cols[:], w, c)
		if g.Routers[i].Master {
			line = m.st.master.Render(line)
		} else if c[rcRole] == "master 2" {
			line = m.st.state[track.StateSplitBrain].Render(line)
		}
		out = append(out, line)
	}

	// Timeline.
	label := min(max(addrW, 10), 39)
	n := max(10, m.width-label-3)
	bucket := bucketFor(g, now, n)
	// A short history gets a short strip (a minute at least) rather
	// than a screen of dots.
	n = min(n, max(60, int(historySpan(g, now)/bucket)+2))
	out = m.section(out, fmt.Sprintf("TIMELINE last %s, one cell %s: %c advert  %c priority 0  %c none",
		fmtSpan(time.Duration(n)*bucket), fmtSpan(bucket), cellAdvert, cellResign, cellSilent))
	for i := range g.Routers {
		r := &g.Routers[i]
		st := m.st.other
		if r.Master {
			st = m.st.master
		}
		out = append(out, fit(r.Addr, label)+" │"+st.Render(string(strip(r, now, n, bucket))))
	}
	left := "-" + fmtSpan(time.Duration(n)*bucket)
	axis := fit(left, n-3) + "now"
	out = append(out, strings.Repeat(" ", label)+"  "+m.st.dim.Render(axis))

	// VIP owners.
	out = m.section(out, "VIP OWNERS by ARP / NA")
	if len(g.VIPs) == 0 {
		out = append(out, m.st.dim.Render("  no virtual address"))
	}
	byMAC := map[string]string{}
	for _, r := range g.Routers {
		if r.MAC != "" && !r.VirtualMAC {
			byMAC[r.MAC] = r.Addr
		}
	}
	owner := func(mac string) string {
		if a, ok := byMAC[mac]; ok {
			return mac + " (" + a + ")"
		}
		return mac
	}
	for _, v := range g.VIPs {
		if v.MAC == "" {
			out = append(out, "  "+v.Addr+"  "+m.st.dim.Render("no ARP / NA seen"))
			continue
		}
		s := "  " + v.Addr + "  " + owner(v.MAC)
		if v.PrevMAC != "" {
			s += ", before: " + owner(v.PrevMAC)
		}
		out = append(out, s, m.st.dim.Render(fmt.Sprintf("  %s  %d claims, %d gratuitous, last %s ago",
			strings.Repeat(" ", len(v.Addr)), v.Count, v.Gratuitous, fmtAge(now.Sub(v.Last)))))
	}

	return append(out, m.groupFindings(g.Key)...)
}

// groupFindings is the detail view's findings of group k: incidents and
// events, open incidents first, worst first, then by how recently they
// opened; configuration facts once per router at the end, counted.
func (m *Model) groupFindings(k track.GroupKey) []string {
	now := m.d.now
	var out []string
	var fs, facts []*track.Finding
	for i := range m.d.findings {
		f := &m.d.findings[i]
		if f.Group != k {
			continue
		}
		if r, ok := track.RuleOf(f.ID); ok && r.Kind == track.KindFact {
			facts = append(facts, f)
		} else {
			fs = append(fs, f)
		}
	}
	slices.SortStableFunc(fs, func(a, b *track.Finding) int {
		if ao, bo := a.Phase == track.PhaseOpen, b.Phase == track.PhaseOpen; ao != bo {
			if ao {
				return -1
			}
			return 1
		}
		if d := a.Severity.Rank() - b.Severity.Rank(); d != 0 {
			return d
		}
		return opened(b).Compare(opened(a))
	})
	out = m.section(out, fmt.Sprintf("FINDINGS %d, open first, worst first, newest first", len(fs)))
	if len(fs) == 0 {
		out = append(out, m.st.dim.Render("  none"))
	}
	for _, f := range fs {
		head := fmt.Sprintf("%s %s %s", opened(f).In(m.opts.Location).Format("15:04:05"),
			m.st.severity[f.Severity].Render(fmt.Sprintf("%-5s", f.Severity.Word())), f.ID)
		if f.Incident > 0 {
			head += fmt.Sprintf(" #%d", f.Incident)
		}
		switch f.Phase {
		case track.PhaseOpen:
			head += ", open for " + track.FormatDuration(now.Sub(f.Start))
		case track.PhaseClose:
			head += ", resolved after " + track.FormatDuration(f.End.Sub(f.Start))
		}
		if f.Count > 1 {
			head += fmt.Sprintf(" ×%d", f.Count)
		}
		out = append(out, head)
		out = appendWrapped(out, "  ", f.Message, m.width)
		out = appendWrapped(out, "  cause: ", f.Cause, m.width)
		out = appendWrapped(out, "  fix:   ", f.Hint, m.width)
	}
	if len(facts) > 0 {
		out = m.section(out, "CONFIGURATION seen on the wire")
		for _, f := range facts {
			out = appendWrapped(out, "  ", fmt.Sprintf("%s %s: %s (%d %s); fix: %s", m.st.severity[f.Severity].Render(f.Severity.Word()),
				f.ID, f.Message, f.Count, plural(f.Count, "advert", "adverts"), f.Hint), m.width)
		}
	}
	return out
}

// section appends a blank line and a section's title to out.
func (m *Model) section(out []string, title string) []string {
	return append(out, "", m.st.header.Render(fit(title, m.width)))
}

// opened is when a finding's incident opened, or the finding first
// happened.
func opened(f *track.Finding) time.Time {
	if !f.Start.IsZero() {
		return f.Start
	}
	return f.Last
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// appendWrapped adds text wrapped under a label.
func appendWrapped(out []string, label, text string, width int) []string {
	for i, l := range wrap(text, width-len(label)) {
		if i > 0 {
			label = strings.Repeat(" ", len(label))
		}
		out = append(out, label+l)
	}
	return out
}

// detailTitle is the detail view's first line.
func (m *Model) detailTitle(g *track.GroupSnapshot) string {
	var b strings.Builder
	b.WriteString(m.st.title.Render(g.Key.String()))
	b.WriteString("  " + m.st.state[g.State].Render(string(g.State)))
	switch {
	case g.Master != "":
		fmt.Fprintf(&b, "  master %s", g.Master)
		if !g.MasterSince.IsZero() {
			b.WriteString(" for " + fmtAge(m.d.now.Sub(g.MasterSince)))
		}
	case g.LastMaster != "":
		b.WriteString("  last master " + g.LastMaster)
	}
	if g.Changes == 1 {
		b.WriteString(", 1 change")
	} else {
		fmt.Fprintf(&b, ", %d changes", g.Changes)
	}
	if g.MasterMAC != "" {
		b.WriteString("  MAC " + g.MasterMAC)
	}
	return b.String()
}

// fmtSpan prints a timeline span: 60s, 2m, 500ms.
func fmtSpan(d time.Duration) string {
	switch {
	case d < time.Second:
		return strconv.Itoa(int(d/time.Millisecond)) + "ms"
	case d < 2*time.Minute || d%time.Minute != 0:
		if d%time.Second == 0 {
			return strconv.Itoa(int(d/time.Second)) + "s"
		}
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}
