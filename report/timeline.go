package report

import (
	"fmt"
	"html/template"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/daemonlog"
	"github.com/vrrpkit/vrrpkit/track"
)

// Timeline geometry, in SVG user units (the SVG scales to the page width).
const (
	labelW  = 190.0 // router names
	plotW   = 900.0
	rightW  = 14.0
	axisH   = 24.0
	laneH   = 36.0
	annotH  = 20.0 // the row of failover annotations under the lanes
	mergePx = 2.5  // adverts closer than this on the page merge into one band
)

// timeline draws one group.
type timeline struct {
	t0, t1  int64 // the page's time range, Unix ns
	tf      timeFmt
	b       strings.Builder
	lanes   []lane
	nAnnots int
}

// lane is one row: a router, or the claims of MACs no router uses, or a
// log that names no router.
type lane struct {
	label, sub string
	addr       string // router address, "" for other lanes
	rt         *router
	claims     []claim
	logs       []daemonlog.Event
	class      string
}

type timeFmt struct {
	loc    *time.Location
	layout string
}

func (f timeFmt) at(ns int64) string { return time.Unix(0, ns).In(f.loc).Format(f.layout) }

func (tl *timeline) x(ns int64) float64 {
	span := tl.t1 - tl.t0
	if span <= 0 {
		span = int64(time.Second)
	}
	return labelW + float64(ns-tl.t0)/float64(span)*plotW
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func esc(s string) string { return template.HTMLEscapeString(s) }

func secsStr(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s" }

func (tl *timeline) rect(class string, x0, x1, y, h float64, attrs, title string) {
	w := x1 - x0
	if w < 1 {
		w = 1
	}
	fmt.Fprintf(&tl.b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s"%s><title>%s</title></rect>`,
		class, f1(x0), f1(y), f1(w), f1(h), attrs, esc(title))
}

// groupDraw is what one group's timeline is drawn from.
type groupDraw struct {
	key      track.GroupKey
	snap     *track.GroupSnapshot
	g        *group // nil when the recorder saw no advert of the group
	claims   []claim
	events   []track.Finding
	gaps     [][2]int64
	logs     []daemonlog.Event
	unplaced []daemonlog.Event // logs of the group that name no router heard
}

// svg returns the group's timeline.
func (tl *timeline) svg(d groupDraw) template.HTML {
	var routers []*router
	if d.g != nil {
		routers = slices.Clone(d.g.routers)
	}
	// Lanes: routers by priority (highest first), then address.
	prio := func(rt *router) int {
		if n := len(rt.runs); n > 0 {
			return int(rt.runs[n-1].prio)
		}
		return 0
	}
	slices.SortStableFunc(routers, func(a, b *router) int {
		if c := prio(b) - prio(a); c != 0 {
			return c
		}
		return a.addr.Compare(b.addr)
	})
	tl.lanes = tl.lanes[:0]
	byAddr := map[string]int{}
	byMAC := map[[6]byte]int{}
	for _, rt := range routers {
		sub := "priority " + strconv.Itoa(prio(rt))
		if rt.hasMAC {
			sub += " · " + net.HardwareAddr(rt.mac[:]).String()
		}
		byAddr[rt.addr.String()] = len(tl.lanes)
		if rt.hasMAC {
			byMAC[rt.mac] = len(tl.lanes)
		}
		tl.lanes = append(tl.lanes, lane{label: rt.addr.String(), sub: sub, addr: rt.addr.String(), rt: rt, class: "router"})
	}
	// Claims go to the lane of the router with the claiming MAC; a virtual
	// MAC's to the router that was master then.
	var other []claim
	for _, c := range d.claims {
		if i, ok := byMAC[c.mac]; ok {
			tl.lanes[i].claims = append(tl.lanes[i].claims, c)
			continue
		}
		if isVirtualMAC(c.mac) {
			if i := tl.masterAt(c.t); i >= 0 {
				tl.lanes[i].claims = append(tl.lanes[i].claims, c)
				continue
			}
		}
		other = append(other, c)
	}
	for _, e := range d.logs {
		if i, ok := byAddr[e.Router]; ok {
			tl.lanes[i].logs = append(tl.lanes[i].logs, e)
		}
	}
	if len(other) > 0 {
		tl.lanes = append(tl.lanes, lane{label: "other MACs", sub: "claims of the VIPs", claims: other, class: "other"})
	}
	logLanes := map[string]int{}
	for _, e := range d.unplaced {
		i, ok := logLanes[e.Log]
		if !ok {
			i = len(tl.lanes)
			logLanes[e.Log] = i
			tl.lanes = append(tl.lanes, lane{label: e.Log, sub: "log (no router matched)", class: "log"})
		}
		tl.lanes[i].logs = append(tl.lanes[i].logs, e)
	}
	if len(tl.lanes) == 0 {
		tl.lanes = append(tl.lanes, lane{label: "no adverts", class: "other"})
	}

	lanesH := float64(len(tl.lanes)) * laneH
	height := axisH + lanesH + annotH + 4
	tl.b.Reset()
	fmt.Fprintf(&tl.b, `<svg class="timeline" data-group="%s" data-lanes="%d" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="timeline of %s">`,
		esc(d.key.String()), len(tl.lanes), f1(labelW+plotW+rightW), f1(height), f1(labelW+plotW+rightW), f1(height), esc(d.key.String()))
	tl.axis(lanesH)
	for i, ln := range tl.lanes {
		y := axisH + float64(i)*laneH
		cls := "lane"
		if i%2 == 1 {
			cls = "lane odd"
		}
		fmt.Fprintf(&tl.b, `<rect class="%s" x="0" y="%s" width="%s" height="%s"/>`, cls, f1(y), f1(labelW+plotW+rightW), f1(laneH))
		fmt.Fprintf(&tl.b, `<text class="label" x="6" y="%s">%s</text><text class="sub" x="6" y="%s">%s</text>`,
			f1(y+15), esc(ln.label), f1(y+29), esc(ln.sub))
	}
	for _, gp := range d.gaps {
		tl.rect("capgap", tl.x(gp[0]), tl.x(gp[1]), axisH, lanesH, "",
			fmt.Sprintf("no frame captured for %s, %s – %s: a gap in the capture, or every router on the link silent",
				secsStr(time.Duration(gp[1]-gp[0])), tl.tf.at(gp[0]), tl.tf.at(gp[1])))
	}
	tl.splits(d.events, lanesH)
	for i := range tl.lanes {
		tl.drawLane(i)
	}
	tl.failovers(d.events, lanesH, byAddr)
	tl.b.WriteString(`</svg>`)
	return template.HTML(tl.b.String())
}

// masterAt is the lane of the router advertising as master at t, or -1.
func (tl *timeline) masterAt(t int64) int {
	for i, ln := range tl.lanes {
		if ln.rt == nil {
			continue
		}
		for _, p := range ln.rt.periods() {
			if t >= p.start-int64(2*time.Second) && t <= p.end+int64(time.Second) {
				return i
			}
		}
	}
	return -1
}

func isVirtualMAC(m [6]byte) bool {
	return m[0] == 0 && m[1] == 0 && m[2] == 0x5e && m[3] == 0 && (m[4] == 1 || m[4] == 2)
}

// axis draws the time axis and its grid.
func (tl *timeline) axis(lanesH float64) {
	span := time.Duration(tl.t1 - tl.t0)
	step := niceStep(span / 8)
	first := (tl.t0/int64(step) + 1) * int64(step)
	if tl.t0%int64(step) == 0 {
		first = tl.t0
	}
	layout := "15:04:05"
	if step < time.Second {
		layout = "15:04:05.000"
	}
	for t := first; t <= tl.t1; t += int64(step) {
		x := tl.x(t)
		fmt.Fprintf(&tl.b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/><text class="tick" x="%s" y="15">%s</text>`,
			f1(x), f1(axisH-4), f1(x), f1(axisH+lanesH), f1(x), time.Unix(0, t).In(tl.tf.loc).Format(layout))
	}
}

var steps = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

func niceStep(d time.Duration) time.Duration {
	for _, s := range steps {
		if s >= d {
			return s
		}
	}
	return steps[len(steps)-1] * time.Duration(1+d/steps[len(steps)-1])
}

// band is adverts merged because they sit closer than mergePx on the page.
type band struct {
	x0, x1     float64
	t0, t1     int64
	n          int64
	pmin, pmax uint8
}

func (b *band) title(tf timeFmt) string {
	prio := strconv.Itoa(int(b.pmin))
	if b.pmin != b.pmax {
		prio = prio + "–" + strconv.Itoa(int(b.pmax))
	}
	if b.n == 1 {
		return fmt.Sprintf("advert at %s, priority %s", tf.at(b.t0), prio)
	}
	return fmt.Sprintf("%d adverts, %s – %s, priority %s", b.n, tf.at(b.t0), tf.at(b.t1), prio)
}

func (tl *timeline) drawLane(i int) {
	ln := &tl.lanes[i]
	y := axisH + float64(i)*laneH
	if rt := ln.rt; rt != nil {
		for _, p := range rt.periods() {
			d := time.Duration(p.end - p.start)
			prios := ""
			for j, ru := range p.runs {
				if j == 0 || ru.prio != p.runs[j-1].prio {
					if prios != "" {
						prios += " → "
					}
					prios += strconv.Itoa(int(ru.prio))
				}
			}
			tl.rect("master", tl.x(p.start), tl.x(p.end), y+11, 14,
				fmt.Sprintf(` data-router="%s" data-start="%s" data-end="%s"`, esc(ln.addr), tl.iso(p.start), tl.iso(p.end)),
				fmt.Sprintf("%s advertised as master %s – %s (%s, %d adverts, priority %s)",
					ln.addr, tl.tf.at(p.start), tl.tf.at(p.end), secsStr(d), p.n, prios))
		}
		tl.adverts(rt, y)
		// Priority changes: between consecutive runs, and across a silence.
		for j := 1; j < len(rt.runs); j++ {
			a, b := rt.runs[j-1], rt.runs[j]
			if a.prio == b.prio {
				continue
			}
			x := tl.x(b.start)
			fmt.Fprintf(&tl.b, `<path class="prio" d="M%s %sl5 6l-5 6l-5 -6z" data-from="%d" data-to="%d"><title>%s: priority %d → %d at %s</title></path>`,
				f1(x), f1(y+6), a.prio, b.prio, esc(ln.addr), a.prio, b.prio, tl.tf.at(b.start))
		}
		for _, t := range rt.releases {
			x := tl.x(t)
			fmt.Fprintf(&tl.b, `<path class="release" d="M%s %sl-6 -9h12z" data-router="%s"><title>%s resigned: priority 0 advert at %s</title></path>`,
				f1(x), f1(y+30), esc(ln.addr), esc(ln.addr), tl.tf.at(t))
		}
	}
	tl.claims(ln.claims, y)
	tl.logMarks(ln.logs, y)
}

func (tl *timeline) iso(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }

// adverts draws a router's adverts as ticks, merged into bands where they
// are denser than the page can show.
func (tl *timeline) adverts(rt *router, y float64) {
	var cur *band
	flush := func() {
		if cur == nil {
			return
		}
		cls := "adv"
		if cur.n > 1 {
			cls = "adv dense"
		}
		x1 := cur.x1
		if cur.n == 1 {
			x1 = cur.x0 + 1
		}
		tl.rect(cls, cur.x0-0.5, x1+0.5, y+7, 22, fmt.Sprintf(` data-n="%d"`, cur.n), cur.title(tl.tf))
		cur = nil
	}
	add := func(t0, t1, n int64, prio uint8) {
		x0, x1 := tl.x(t0), tl.x(t1)
		if cur != nil && x0-cur.x1 <= mergePx {
			cur.x1, cur.t1 = x1, t1
			cur.n += n
			cur.pmin, cur.pmax = min(cur.pmin, prio), max(cur.pmax, prio)
			return
		}
		flush()
		cur = &band{x0: x0, x1: x1, t0: t0, t1: t1, n: n, pmin: prio, pmax: prio}
	}
	if rt.partial {
		for _, ru := range rt.runs {
			add(ru.start, ru.end, ru.n, ru.prio)
		}
	} else {
		k := 0
		for _, t := range rt.times {
			for k < len(rt.runs)-1 && t > rt.runs[k].end {
				k++
			}
			p := uint8(0)
			if k < len(rt.runs) {
				p = rt.runs[k].prio
			}
			add(t, t, 1, p)
		}
	}
	flush()
}

// claims draws gratuitous ARPs / unsolicited NAs, merged like adverts.
func (tl *timeline) claims(cs []claim, y float64) {
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && tl.x(cs[j].t)-tl.x(cs[j-1].t) <= mergePx {
			j++
		}
		c := cs[i]
		kind := "gratuitous ARP"
		if c.na {
			kind = "unsolicited NA"
		}
		addrs := []string{}
		for _, o := range cs[i:j] {
			if a := o.addr.String(); !slices.Contains(addrs, a) {
				addrs = append(addrs, a)
			}
		}
		when := tl.tf.at(c.t)
		if j-i > 1 {
			when += " – " + tl.tf.at(cs[j-1].t)
		}
		fmt.Fprintf(&tl.b, `<circle class="garp" cx="%s" cy="%s" r="3" data-n="%d"><title>%d %s for %s from %s, %s</title></circle>`,
			f1(tl.x(c.t)), f1(y+laneH-4), j-i, j-i, kind, esc(strings.Join(addrs, ", ")), net.HardwareAddr(c.mac[:]), when)
		i = j
	}
}

// splits shades each split-brain episode: from the advert the tracker
// raised it at to the end of the shorter of the two sides' master periods.
func (tl *timeline) splits(events []track.Finding, lanesH float64) {
	type win struct {
		s, e int64
		w, l string
		msg  string
	}
	var ws []win
	for _, f := range events {
		if f.ID != "split-brain" || len(f.Routers) < 2 {
			continue
		}
		s := f.Last.UnixNano()
		e := s
		ends := []int64{}
		for _, addr := range f.Routers[:2] {
			for _, ln := range tl.lanes {
				if ln.addr != addr || ln.rt == nil {
					continue
				}
				for _, p := range ln.rt.periods() {
					if p.start <= s && s <= p.end {
						ends = append(ends, p.end)
					}
				}
			}
		}
		if len(ends) == 2 {
			e = min(ends[0], ends[1])
		}
		if n := len(ws); n > 0 && ws[n-1].w == f.Routers[0] && ws[n-1].l == f.Routers[1] && s <= ws[n-1].e {
			ws[n-1].e = max(ws[n-1].e, e)
			continue
		}
		ws = append(ws, win{s, e, f.Routers[0], f.Routers[1], f.Message})
	}
	for _, w := range ws {
		x0, x1 := tl.x(w.s), tl.x(w.e)
		fmt.Fprintf(&tl.b, `<text class="splitlabel" x="%s" y="%s">split brain %s</text>`,
			f1(x0+2), f1(axisH+lanesH+14), secsStr(time.Duration(w.e-w.s)))
		tl.rect("split", x0, x1, axisH, lanesH,
			fmt.Sprintf(` data-routers="%s %s" data-start="%s" data-end="%s"`, esc(w.w), esc(w.l), tl.iso(w.s), tl.iso(w.e)),
			fmt.Sprintf("split brain %s – %s (%s): %s and %s both advertised as master. %s",
				tl.tf.at(w.s), tl.tf.at(w.e), secsStr(time.Duration(w.e-w.s)), w.w, w.l, w.msg))
	}
}

// failovers marks each failover's gap, labelled with the interval the
// protocol allows it (Master_Down_Interval after silence, Skew_Time after a
// priority-0 advert), and master-down and late-advert events.
func (tl *timeline) failovers(events []track.Finding, lanesH float64, byAddr map[string]int) {
	yAnn := axisH + lanesH + 14
	lastLabel := -1e9
	for _, f := range events {
		t := f.Last.UnixNano()
		switch f.ID {
		case "failover":
			gap, _ := f.Evidence["gap_s"].(float64)
			allowed, hasAllowed := f.Evidence["allowed_s"].(float64)
			reason, _ := f.Evidence["reason"].(string)
			start := t - int64(gap*1e9)
			var limit, label string
			switch reason {
			case "release":
				limit = "Skew_Time"
			case "master-silent":
				limit = "Master_Down_Interval"
			}
			cls := "failover"
			if hasAllowed && gap*1e9 > allowed*1e9+50e6+allowed*1e9/20 {
				cls += " slow"
			}
			switch {
			case limit != "":
				label = fmt.Sprintf("gap %.3f s / %s %.3f s", gap, limit, allowed)
			case reason == "preemption":
				label = "preempted"
			default:
				label = strings.ReplaceAll(reason, "-", " ")
			}
			x0, x1 := tl.x(start), tl.x(t)
			fmt.Fprintf(&tl.b, `<g class="%s" data-reason="%s" data-gap-s="%.6f" data-allowed-s="%.6f" data-limit="%s" data-routers="%s">`,
				cls, esc(reason), gap, allowed, limit, esc(strings.Join(f.Routers, " ")))
			title := fmt.Sprintf("failover at %s: %s", tl.tf.at(t), f.Message)
			if limit != "" { // a preemption or a split brain's end has no gap to measure
				tl.rect("gap", x0, x1, axisH, lanesH, "", title)
			}
			fmt.Fprintf(&tl.b, `<line class="gapline" x1="%s" y1="%s" x2="%s" y2="%s"/>`, f1(x1), f1(axisH), f1(x1), f1(yAnn-10))
			xl := (x0 + x1) / 2
			anchor := "middle"
			if xl-lastLabel < 150 {
				xl, anchor = x1+3, "start"
			}
			if xl > labelW+plotW-120 {
				xl, anchor = x1-3, "end"
			}
			lastLabel = xl
			fmt.Fprintf(&tl.b, `<text class="gaplabel" x="%s" y="%s" text-anchor="%s">%s<title>%s</title></text></g>`,
				f1(xl), f1(yAnn), anchor, esc(label), esc(title))
			tl.nAnnots++
		case "master-down", "late-advert":
			x := tl.x(t)
			fmt.Fprintf(&tl.b, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s"><title>%s at %s: %s</title></line>`,
				f.ID, f1(x), f1(axisH), f1(x), f1(axisH+lanesH), f.ID, tl.tf.at(t), esc(f.Message))
		}
	}
}

// logMarks draws a log's events on a lane; a transition also gets its
// state as a word.
func (tl *timeline) logMarks(es []daemonlog.Event, y float64) {
	for _, e := range es {
		x := tl.x(e.Time.UnixNano())
		if x < labelW || x > labelW+plotW {
			continue
		}
		if e.Kind == daemonlog.KindTransition && e.State != "" {
			fmt.Fprintf(&tl.b, `<text class="loglabel" x="%s" y="%s">%s</text>`, f1(x+4), f1(y+7), esc(e.State))
		}
		fmt.Fprintf(&tl.b, `<rect class="log log-%s" x="%s" y="%s" width="6" height="6" data-kind="%s" data-state="%s" data-router="%s" data-log="%s" data-time="%s"><title>%s %s: %s</title></rect>`,
			esc(string(e.Kind)), f1(x-3), f1(y+1), esc(string(e.Kind)), esc(e.State), esc(e.Router), esc(e.Log), tl.iso(e.Time.UnixNano()),
			esc(tl.tf.at(e.Time.UnixNano())), esc(e.Log), esc(e.Text))
	}
}
