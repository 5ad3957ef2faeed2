package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// fit pads or cuts plain text to exactly w cells; a cut ends in "…".
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// fitRight is fit, right-aligned.
func fitRight(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return fit(s, w)
	}
	return strings.Repeat(" ", w-n) + s
}

// clip cuts a line that may hold escape sequences to w cells, so nothing
// ever wraps.
func clip(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// wrap breaks plain text at spaces into lines of at most w cells (a longer
// word is cut).
func wrap(s string, w int) []string {
	if w < 8 {
		w = 8
	}
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
		for ansi.StringWidth(line) > w {
			out = append(out, ansi.Truncate(line, w, ""))
			line = ansi.TruncateLeft(line, w, "")
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// fmtInterval prints an interval to the millisecond: 1s, 1.003s, 100ms.
func fmtInterval(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		ms := float64(d) / float64(time.Millisecond)
		if ms >= 10 {
			return fmt.Sprintf("%.0fms", ms)
		}
		return fmt.Sprintf("%.1fms", ms)
	case d < time.Minute:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", d.Seconds()), "0"), ".") + "s"
	}
	return d.Round(time.Second).String()
}

// fmtAge prints how long ago, coarsely: 0.3s, 12s, 3m04s, 2h10m.
func fmtAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// fmtElapsed prints a clock-like duration: 00:01:23.
func fmtElapsed(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Seconds())
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// column is one column of a table: shown when there is room for it in
// order of prio (lower first), widened up to max when there is room left.
type column struct {
	title    string
	min, max int
	prio     int
	right    bool
	skip     bool // not shown at any width
}

// layout picks the columns that fit in width (one space between columns,
// first cell after a 2-cell marker) and their widths; the result holds, per
// column, its width or 0 when it is dropped.
func layout(cols []column, width int) []int {
	w := make([]int, len(cols))
	used := 2
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	// Insertion sort by prio keeps equal priorities in column order.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && cols[order[j]].prio < cols[order[j-1]].prio; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	for _, i := range order {
		if cols[i].skip {
			continue
		}
		need := cols[i].min
		if used > 2 {
			need++
		}
		if used+need > width {
			continue
		}
		w[i] = cols[i].min
		used += need
	}
	for _, i := range order {
		if w[i] == 0 || cols[i].max <= w[i] {
			continue
		}
		grow := min(cols[i].max-w[i], width-used)
		w[i] += grow
		used += grow
	}
	return w
}

// heading is a table's line of column titles, laid out as w says.
func (m *Model) heading(cols []column, w []int) string {
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	return m.st.header.Render(fit("  "+row(cols, w, titles), m.width))
}

// row joins cells of the shown columns.
func row(cols []column, w []int, cells []string) string {
	var b strings.Builder
	first := true
	for i, c := range cols {
		if w[i] == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		if c.right {
			b.WriteString(fitRight(cells[i], w[i]))
		} else {
			b.WriteString(fit(cells[i], w[i]))
		}
	}
	return b.String()
}
