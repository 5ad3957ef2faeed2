package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/daemonlog"
	"github.com/vrrpkit/vrrpkit/track"
)

// Input is what Write needs besides the Recorder: the tracker's view at the
// end of the run.
type Input struct {
	Source   string // the file or interfaces read
	Frames   int
	Stats    track.Stats
	Groups   []track.GroupSnapshot // Tracker.Overview (Recent timelines are not needed)
	Findings []track.Finding       // Tracker.Findings, plus any from comparing logs
	Logs     []daemonlog.Event     // the daemons' log events (after daemonlog.Match), if any
	// LogSources names each log read and the router it was matched to.
	LogSources []LogSource
	// Notes are shown under the summary (kernel drops, a partial capture).
	Notes []string
	// Location for times of day (default UTC).
	Location *time.Location
	// Generated is when the report was made; zero leaves it out (tests).
	Generated time.Time
}

// LogSource is one log read and whose it is.
type LogSource struct {
	Name, Path, Format, Router, MatchedBy string
	Events                                int
}

// Write renders the report of rec and in to w as one HTML page.
func Write(w io.Writer, rec *Recorder, in Input) error {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	first, last := rec.first, rec.last
	// The axis is the capture's: log events outside it are listed, not drawn.
	if first.IsZero() {
		first, last = time.Unix(0, 0), time.Unix(1, 0)
	}
	if !last.After(first) {
		last = first.Add(time.Second)
	}
	tf := timeFmt{loc: loc, layout: "15:04:05.000000"}
	if y1, m1, d1 := first.In(loc).Date(); true {
		if y2, m2, d2 := last.In(loc).Date(); y1 != y2 || m1 != m2 || d1 != d2 {
			tf.layout = "2006-01-02 15:04:05.000000"
		}
	}
	pg := page{
		Source: in.Source, Frames: in.Frames, Stats: in.Stats,
		From: first.In(loc).Format("2006-01-02 15:04:05.000000 MST"), To: last.In(loc).Format("2006-01-02 15:04:05.000000 MST"),
		Duration: secsStr(last.Sub(first)), Notes: in.Notes, CSS: template.CSS(css), JS: template.JS(js),
		LogSources: in.LogSources,
	}
	if !in.Generated.IsZero() {
		pg.Generated = in.Generated.In(loc).Format(time.RFC3339)
	}
	if d := rec.dropped; d != (Dropped{}) {
		pg.Notes = append(pg.Notes, fmt.Sprintf("the report's memory bounds left out %d advert times (those routers are drawn from runs of adverts), %d runs, %d GARP/NA, %d events, %d capture gaps",
			d.Samples, d.Runs, d.Claims, d.Events, d.Gaps))
	}

	// Groups: the tracker's, plus any the recorder saw that the tracker
	// dropped (over its MaxGroups).
	snaps := map[track.GroupKey]*track.GroupSnapshot{}
	for i := range in.Groups {
		snaps[in.Groups[i].Key] = &in.Groups[i]
	}
	recs := map[track.GroupKey]*group{}
	keys := make([]track.GroupKey, 0, len(in.Groups))
	for i := range in.Groups {
		keys = append(keys, in.Groups[i].Key)
	}
	for _, g := range rec.list {
		recs[g.key] = g
		if snaps[g.key] == nil {
			keys = append(keys, g.key)
		}
	}
	byGroup := map[track.GroupKey][]track.Finding{}
	for _, f := range in.Findings {
		byGroup[f.Group] = append(byGroup[f.Group], f)
	}
	count := func(k track.GroupKey, s track.Severity) int {
		n := 0
		for _, f := range byGroup[k] {
			if f.Severity == s {
				n++
			}
		}
		return n
	}
	rank := func(k track.GroupKey) int {
		if s := snaps[k]; s != nil {
			return s.State.Rank()
		}
		return len(track.States())
	}
	slices.SortStableFunc(keys, func(a, b track.GroupKey) int {
		for _, s := range []track.Severity{track.SeverityError, track.SeverityWarning} {
			if c := count(b, s) - count(a, s); c != 0 {
				return c
			}
		}
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		return strings.Compare(keyOrder(a), keyOrder(b))
	})

	// States and severities for the summary.
	states := map[track.State]int{}
	for _, g := range in.Groups {
		states[g.State]++
	}
	for _, s := range track.States() {
		if n := states[s]; n > 0 {
			pg.States = append(pg.States, countRow{Name: string(s), Class: stateClass(s), N: n})
		}
	}
	sev := map[track.Severity]int{}
	for _, f := range in.Findings {
		sev[f.Severity]++
	}
	for _, s := range []track.Severity{track.SeverityError, track.SeverityWarning, track.SeverityInfo} {
		pg.Severities = append(pg.Severities, countRow{Name: string(s), Class: string(s), N: sev[s]})
	}
	pg.Groups = len(keys)

	anchors := map[track.GroupKey]string{}
	for i, k := range keys {
		anchors[k] = "g" + strconv.Itoa(i+1)
	}
	fs := slices.Clone(in.Findings)
	slices.SortStableFunc(fs, func(a, b track.Finding) int {
		if d := a.Severity.Rank() - b.Severity.Rank(); d != 0 {
			return d
		}
		return a.First.Compare(b.First)
	})
	row := func(f track.Finding) findingRow {
		r := findingRow{Severity: f.Severity.Word(), Class: string(f.Severity), ID: f.ID, Group: f.Group.String(),
			Anchor: anchors[f.Group], First: f.First.In(loc).Format(tf.layout), Count: f.Count,
			Message: f.Message, Cause: f.Cause, Fix: f.Hint, Routers: strings.Join(f.Routers, ", ")}
		if f.Count > 1 {
			r.Last = f.Last.In(loc).Format(tf.layout)
		}
		return r
	}
	for _, f := range fs {
		pg.Findings = append(pg.Findings, row(f))
	}

	// What each group's timeline draws.
	claimsBy := map[vipOn][]claim{}
	for _, c := range rec.claims {
		k := vipOn{c.link, c.vlan, c.addr}
		claimsBy[k] = append(claimsBy[k], c)
	}
	eventsBy := map[track.GroupKey][]track.Finding{}
	for _, f := range rec.events {
		eventsBy[f.Group] = append(eventsBy[f.Group], f)
	}
	tl := &timeline{t0: first.UnixNano(), t1: last.UnixNano(), tf: tf}
	for _, k := range keys {
		snap, g := snaps[k], recs[k]
		d := groupDraw{key: k, snap: snap, g: g, events: eventsBy[k]}
		// Claims of the group's virtual addresses, in time order.
		vips := groupVIPs(snap, g)
		for _, v := range vips {
			d.claims = append(d.claims, claimsBy[vipOn{k.Link, k.VLAN, v}]...)
		}
		slices.SortFunc(d.claims, func(a, b claim) int { return int(a.t - b.t) })
		if l, ok := rec.links[k.Link]; ok {
			limit := int64(4*l.maxIntv + time.Second)
			for _, gp := range l.gaps {
				if gp[1]-gp[0] >= max(limit, int64(minGap)) {
					d.gaps = append(d.gaps, gp)
				}
			}
		}
		heard := map[string]bool{}
		if g != nil {
			for _, rt := range g.routers {
				heard[rt.addr.String()] = true
			}
		}
		var logRows []logRow
		for _, e := range in.Logs {
			if !logInGroup(e, k) {
				continue
			}
			if heard[e.Router] {
				d.logs = append(d.logs, e)
			} else {
				d.unplaced = append(d.unplaced, e)
			}
			logRows = append(logRows, logRow{Time: e.Time.In(loc).Format(tf.layout), Source: e.Log, Router: e.Router,
				Kind: string(e.Kind), State: e.State, Text: e.Text})
		}
		sec := section{Anchor: anchors[k], Title: k.String(), SVG: tl.svg(d), Logs: logRows}
		for _, f := range fs {
			if f.Group == k {
				sec.Findings = append(sec.Findings, row(f))
			}
		}
		ir := indexRow{Anchor: sec.Anchor, Group: k.String(), Errors: count(k, track.SeverityError),
			Warnings: count(k, track.SeverityWarning), VIPs: strings.Join(addrStrings(vips), " ")}
		if snap != nil {
			sec.State, sec.StateClass = string(snap.State), stateClass(snap.State)
			sec.Master = snap.Master
			if sec.Master == "" && snap.LastMaster != "" {
				sec.Master = "none (last " + snap.LastMaster + ")"
			}
			sec.Changes = snap.Changes
			for _, r := range snap.Routers {
				sec.Routers = append(sec.Routers, routerRowOf(r, tf))
			}
			ir.State, ir.StateClass, ir.Master, ir.Routers = sec.State, sec.StateClass, snap.Master, len(snap.Routers)
		} else {
			sec.State, ir.State = "not tracked", "not tracked"
		}
		pg.Sections = append(pg.Sections, sec)
		pg.Index = append(pg.Index, ir)
	}

	bw := bufio.NewWriterSize(w, 256<<10)
	if err := pageTmpl.Execute(bw, pg); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return bw.Flush()
}

type vipOn struct {
	link string
	vlan uint32
	addr netip.Addr
}

func groupVIPs(s *track.GroupSnapshot, g *group) []netip.Addr {
	var out []netip.Addr
	if s != nil {
		for _, r := range s.Routers {
			for _, v := range r.VIPs {
				if a, err := netip.ParseAddr(v); err == nil && !slices.Contains(out, a) {
					out = append(out, a)
				}
			}
		}
	}
	return out
}

func addrStrings(as []netip.Addr) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.String()
	}
	return out
}

// logInGroup reports whether a log event belongs to group k: same VRID and
// family when the log says them.
func logInGroup(e daemonlog.Event, k track.GroupKey) bool {
	if e.VRID != 0 && e.VRID != k.VRID {
		return false
	}
	if e.Family != "" && e.Family != k.Family {
		return false
	}
	return e.VRID != 0 || e.Router != ""
}

func keyOrder(k track.GroupKey) string {
	return fmt.Sprintf("%s\x00%010d\x00%s\x00%03d", k.Link, k.VLAN, k.Family, k.VRID)
}

func stateClass(s track.State) string {
	switch s {
	case track.StateOK:
		return "ok"
	case track.StateSplitBrain, track.StateDown, track.StateCollision:
		return "error"
	case track.StateInit:
		return "info"
	}
	return "warning"
}

func routerRowOf(r track.RouterSnapshot, tf timeFmt) routerRow {
	rr := routerRow{Addr: r.Addr, MAC: r.MAC, Master: r.Master, Resigned: r.Resigned, Priority: int(r.Priority),
		Version: r.Version, Count: r.Count, AdverInt: durStr(r.AdverInt), Mean: durStr(r.IntervalMean),
		Max: durStr(r.IntervalMax), Jitter: durStr(r.Jitter), TTL: int(r.TTL), Dst: r.Dst, VIPs: strings.Join(r.VIPs, " "),
		Problems: strings.Join(r.Problems, " "), First: r.First.In(tf.loc).Format(tf.layout), Last: r.Last.In(tf.loc).Format(tf.layout)}
	if r.VirtualMAC {
		rr.MAC += " (virtual)"
	}
	switch {
	case r.AuthType == "":
		rr.Auth = "-"
	case r.AuthText != "":
		rr.Auth = r.AuthType + " " + strconv.Quote(r.AuthText)
	case r.AuthFingerprint != "":
		rr.Auth = r.AuthType + " fp " + r.AuthFingerprint
	default:
		rr.Auth = r.AuthType
	}
	return rr
}

func durStr(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Microsecond).String()
}

type page struct {
	Source, From, To, Duration, Generated string
	Frames, Groups                        int
	Stats                                 track.Stats
	States, Severities                    []countRow
	Findings                              []findingRow
	Index                                 []indexRow
	Sections                              []section
	Notes                                 []string
	LogSources                            []LogSource
	CSS                                   template.CSS
	JS                                    template.JS
}

type countRow struct {
	Name, Class string
	N           int
}

type findingRow struct {
	Severity, Class, ID, Group, Anchor, First, Last, Message, Cause, Fix, Routers string
	Count                                                                         int
}

type indexRow struct {
	Anchor, Group, State, StateClass, Master, VIPs string
	Routers, Errors, Warnings                      int
}

type section struct {
	Anchor, Title, State, StateClass, Master string
	Changes                                  int
	SVG                                      template.HTML
	Routers                                  []routerRow
	Findings                                 []findingRow
	Logs                                     []logRow
}

type routerRow struct {
	Addr, MAC, AdverInt, Mean, Max, Jitter, Dst, VIPs, Problems, Auth, First, Last string
	Master, Resigned                                                               bool
	Priority, Version, TTL                                                         int
	Count                                                                          int64
}

type logRow struct{ Time, Source, Router, Kind, State, Text string }

//go:embed report.css
var css string

//go:embed report.js
var js string

//go:embed report.html.tmpl
var pageSrc string

var pageTmpl = template.Must(template.New("report").Parse(pageSrc))
