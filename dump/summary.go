package dump

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/vrrpkit/vrrpkit/track"
)

// writeSummary writes the end-of-run report: one block per group with its
// routers, then every finding, worst first.
func writeSummary(w io.Writer, source string, frames int, st track.Stats, groups []track.GroupSnapshot,
	carps []track.CARPSnapshot, findings []track.Finding, incidents []track.Incident, start, end time.Time, loc *time.Location, width int) {
	if width <= 0 {
		width = defaultWidth
	}
	groupsWord := "groups"
	if len(groups) == 1 {
		groupsWord = "group"
	}
	fmt.Fprintf(w, "%s: %s, %s (%d undecodable), %d ARP, %d NDP, %d %s",
		source, plural(int64(frames), "frame"), plural(st.Adverts, "advert"), st.Undecodable, st.ARP, st.Neighbor, len(groups), groupsWord)
	if len(carps) > 0 {
		fmt.Fprintf(w, "; %d CARP adverts, %d CARP groups", st.CARP, len(carps))
	}
	fmt.Fprintln(w)
	rel := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return fmt.Sprintf("%s (+%.3fs)", t.In(loc).Format("15:04:05.000"), t.Sub(start).Seconds())
	}
	if len(groups) > 0 {
		fmt.Fprintln(w, "\nGROUPS")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, g := range groups {
		master := g.Master
		if master == "" {
			master = "none"
		}
		fmt.Fprintf(tw, "%s\t%s\tmaster %s\tchanges %d\tVIPs %s\n", g.Key, g.State, master, g.Changes, vipList(g))
		for _, r := range g.Routers {
			role := "      "
			if r.Master {
				role = "master"
			}
			auth := ""
			if r.AuthType != "" {
				auth = "auth " + r.AuthType
				if r.AuthText != "" {
					auth += fmt.Sprintf(" %q", r.AuthText)
				} else if r.AuthFingerprint != "" {
					auth += " fp " + r.AuthFingerprint
				}
			}
			fmt.Fprintf(tw, "  %s %s\t%s\tprio %d\tv%d\t%s\tintvl %s (mean %s, max %s)\tttl %d\t%s\n",
				role, r.Addr, r.MAC, r.Priority, r.Version, plural(r.Count, "advert"), dur(r.AdverInt), dur(r.IntervalMean),
				dur(r.IntervalMax), r.TTL, auth)
		}
	}
	tw.Flush()
	if len(carps) > 0 {
		fmt.Fprintln(w, "\nCARP GROUPS (OpenBSD carp(4), pfSense, OPNsense: not VRRP; master = lowest demote, then advskew)")
	}
	for _, g := range carps {
		master := g.Master
		if master == "" {
			master = "none"
		}
		fmt.Fprintf(tw, "%s\tmaster %s\tchanges %d\n", g.Group, master, g.Changes)
		for _, r := range g.Routers {
			role := "      "
			if r.Master {
				role = "master"
			}
			fmt.Fprintf(tw, "  %s %s\t%s\tadvbase %d\tadvskew %d\tdemote %d\t%d adverts\tintvl %s\tlast %s\n",
				role, r.Addr, r.MAC, r.AdvBase, r.AdvSkew, r.Demote, r.Count, dur(r.Interval), rel(r.Last))
		}
	}
	tw.Flush()
	writeIncidents(w, incidents, start, end, loc)
	fs := slices.Clone(findings)
	slices.SortStableFunc(fs, func(a, b track.Finding) int {
		if d := a.Severity.Rank() - b.Severity.Rank(); d != 0 {
			return d
		}
		return a.First.Compare(b.First)
	})
	if len(fs) == 0 {
		if frames > 0 { // no frame at all is no all-clear: the caller says why
			fmt.Fprintln(w, "\nNo findings.")
		}
		return
	}
	fmt.Fprintln(w, "\nFINDINGS")
	for _, f := range fs {
		count := ""
		if f.Count > 1 {
			count = fmt.Sprintf(" ×%d", f.Count)
		}
		fmt.Fprintf(w, "%-5s %s [%s] %s%s\n", f.Severity.Word(), f.ID, f.Group, rel(f.First), count)
		writeWrapped(w, "      ", "      ", f.Message, width)
		if f.Cause != "" {
			writeWrapped(w, "      cause: ", "             ", f.Cause, width)
		}
		if f.Hint != "" {
			writeWrapped(w, "      fix:   ", "             ", f.Hint, width)
		}
	}
}

// writeIncidents lists every incident with its start, end and duration,
// in order of opening.
func writeIncidents(w io.Writer, incidents []track.Incident, start, end time.Time, loc *time.Location) {
	if len(incidents) == 0 {
		return
	}
	fmt.Fprintln(w, "\nINCIDENTS")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, in := range incidents {
		span := fmt.Sprintf("%s (+%.3fs)", in.Start.In(loc).Format("15:04:05.000"), in.Start.Sub(start).Seconds())
		if in.End.IsZero() {
			fmt.Fprintf(tw, "#%d\t%s\t[%s]\t%s → still open at the end\t%s so far\n", in.Incident, in.ID, in.Group, span,
				track.FormatDuration(end.Sub(in.Start)))
			continue
		}
		fmt.Fprintf(tw, "#%d\t%s\t[%s]\t%s → %s\t%s\t%s\n", in.Incident, in.ID, in.Group, span,
			in.End.In(loc).Format("15:04:05.000"), track.FormatDuration(in.End.Sub(in.Start)), in.Resolution)
	}
	tw.Flush()
}

// defaultWidth is the width the summary wraps to when standard output is
// not a terminal.
const defaultWidth = 100

// writeWrapped writes text after first, wrapped at spaces to width
// columns, later lines after indent; a word longer than a line stays whole.
func writeWrapped(w io.Writer, first, indent, text string, width int) {
	line := first
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			fmt.Fprintln(w, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	fmt.Fprintln(w, line)
}

// plural writes n and the noun, with an s unless n is 1: "1 advert",
// "2 adverts".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

func vipList(g track.GroupSnapshot) string {
	seen := map[string]bool{}
	var out []string
	for _, r := range g.Routers {
		for _, v := range r.VIPs {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, ",")
}

func dur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Millisecond).String()
}
