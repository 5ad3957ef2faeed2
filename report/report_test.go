package report_test

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/vrrpkit/vrrpkit/internal/refcap"
	"github.com/vrrpkit/vrrpkit/track"
)

// expect is what a bundled capture's report must draw, from
// testdata/pcaps/README.md (times in seconds since the first frame).
type expect struct {
	masters   map[string]int // router → master periods (bars)
	splits    [][2]float64   // shaded split-brain windows
	failovers []failoverWant
	releases  map[string]int // router → priority-0 marks
	garps     bool           // GARP / NA marks must be drawn
}

type failoverWant struct {
	reason, limit string
	at, gap       float64
}

var expects = map[string]expect{
	"split-brain": {
		masters: map[string]int{"192.0.2.11": 1, "192.0.2.12": 1},
		splits:  [][2]float64{{3.653, 18.656}},
		garps:   true,
	},
	"v2-failover": {
		masters: map[string]int{"192.0.2.11": 2, "192.0.2.12": 1},
		failovers: []failoverWant{
			{reason: "master-silent", limit: "Master_Down_Interval", at: 10.611, gap: 3.610},
			{reason: "preemption", at: 20.549},
		},
		garps: true,
	},
	"v2-graceful": {
		masters:   map[string]int{"192.0.2.11": 1, "192.0.2.12": 1},
		failovers: []failoverWant{{reason: "release", limit: "Skew_Time", at: 7.720, gap: 0.609}},
		releases:  map[string]int{"192.0.2.11": 1},
		garps:     true,
	},
	"v3-ipv6": {
		masters:   map[string]int{"fe80::ff:fe00:101": 1, "fe80::ff:fe00:102": 1},
		failovers: []failoverWant{{reason: "release", limit: "Skew_Time", at: 12.264, gap: 0.609}},
		releases:  map[string]int{"fe80::ff:fe00:101": 1},
		garps:     true,
	},
	"unicast": {
		masters: map[string]int{"192.0.2.11": 2, "192.0.2.12": 1},
		failovers: []failoverWant{
			{reason: "master-silent", limit: "Master_Down_Interval", at: 8.611, gap: 3.610},
			{reason: "preemption", at: 17.005},
		},
	},
	"v2-basic": {masters: map[string]int{"192.0.2.11": 1}},
	"v3-ipv4":  {masters: map[string]int{"192.0.2.11": 1}},
}

// checkReport checks a report's DOM (as Write produced it, or as a browser
// rendered it) against the tracker's groups and the capture's expectations.
func checkReport(t *testing.T, name string, doc *html.Node, groups []track.GroupSnapshot, first time.Time) {
	t.Helper()
	tls := all(doc, "svg", "timeline")
	if len(tls) != len(groups) {
		t.Errorf("%s: %d timelines, want one per group (%d)", name, len(tls), len(groups))
	}
	for _, g := range groups {
		found := false
		for _, tl := range tls {
			found = found || attr(tl, "data-group") == g.Key.String()
		}
		if !found {
			t.Errorf("%s: no timeline for %s", name, g.Key)
		}
	}
	// Self-contained: nothing is fetched.
	for _, n := range all(doc, "", "") {
		for _, a := range []string{"src", "href", "xlink:href"} {
			if v := attr(n, a); v != "" && !strings.HasPrefix(v, "#") {
				t.Errorf("%s: <%s %s=%q> refers outside the page", name, n.Data, a, v)
			}
		}
		if n.Data == "link" || n.Data == "iframe" || n.Data == "img" {
			t.Errorf("%s: <%s> in a self-contained report", name, n.Data)
		}
	}
	want, ok := expects[name]
	if !ok {
		return
	}
	masters := map[string]int{}
	for _, r := range all(doc, "rect", "master") {
		if attr(r, "data-router") != "" {
			masters[attr(r, "data-router")]++
		}
	}
	for r, n := range want.masters {
		if masters[r] != n {
			t.Errorf("%s: %d master bars for %s, want %d (all: %v)", name, masters[r], r, n, masters)
		}
	}
	var splits [][2]float64
	for _, r := range all(doc, "rect", "split") {
		if attr(r, "data-start") != "" {
			splits = append(splits, [2]float64{since(t, attr(r, "data-start"), first), since(t, attr(r, "data-end"), first)})
		}
	}
	if len(splits) != len(want.splits) {
		t.Errorf("%s: split-brain windows %v, want %v", name, splits, want.splits)
	} else {
		for i, w := range want.splits {
			if math.Abs(splits[i][0]-w[0]) > 0.02 || math.Abs(splits[i][1]-w[1]) > 0.02 {
				t.Errorf("%s: split-brain window %.3f–%.3f s, want %.3f–%.3f s", name, splits[i][0], splits[i][1], w[0], w[1])
			}
		}
	}
	fos := all(doc, "g", "failover")
	if len(fos) != len(want.failovers) {
		t.Errorf("%s: %d failovers drawn, want %d", name, len(fos), len(want.failovers))
	}
	for i, w := range want.failovers {
		if i >= len(fos) {
			break
		}
		g := fos[i]
		if attr(g, "data-reason") != w.reason || attr(g, "data-limit") != w.limit {
			t.Errorf("%s: failover %d is %s against %q, want %s against %q", name, i, attr(g, "data-reason"), attr(g, "data-limit"), w.reason, w.limit)
		}
		labels := all(g, "text", "gaplabel")
		if len(labels) != 1 {
			t.Errorf("%s: failover %d has %d labels", name, i, len(labels))
			continue
		}
		label := text(labels[0])
		if w.limit == "" {
			continue
		}
		gap, allowed := num(t, attr(g, "data-gap-s")), num(t, attr(g, "data-allowed-s"))
		if math.Abs(gap-w.gap) > 0.02 {
			t.Errorf("%s: failover gap %.3f s, want %.3f s", name, gap, w.gap)
		}
		if want := fmt.Sprintf("%s %.3f s", w.limit, allowed); !strings.Contains(label, want) {
			t.Errorf("%s: failover label %q does not name the %q it is measured against", name, label, want)
		}
		gaps := all(g, "rect", "gap")
		if len(gaps) != 1 {
			t.Errorf("%s: failover %d: %d gap rectangles, want 1", name, i, len(gaps))
		}
	}
	rel := map[string]int{}
	for _, p := range all(doc, "path", "release") {
		if attr(p, "data-router") != "" {
			rel[attr(p, "data-router")]++
		}
	}
	for r, n := range want.releases {
		if rel[r] != n {
			t.Errorf("%s: %d priority-0 marks for %s, want %d", name, rel[r], r, n)
		}
	}
	garps := 0
	for _, tl := range tls {
		garps += len(all(tl, "circle", "garp"))
	}
	if want.garps && garps == 0 {
		t.Errorf("%s: no GARP / NA drawn", name)
	}
	if name == "v2-basic" && garps != 0 { // its capture has adverts only
		t.Errorf("%s: %d GARP / NA marks drawn, the capture has none", name, garps)
	}
}

func TestReportOfEachCapture(t *testing.T) {
	for _, path := range refcap.Paths(t, "..") {
		name := refcap.Name(path)
		t.Run(name, func(t *testing.T) {
			b, tr, first := render(t, path)
			checkReport(t, name, parse(t, b), tr.Overview(), first)
			if !bytes.Contains(b, []byte("<svg class=\"timeline\"")) {
				t.Error("no timeline")
			}
			for _, f := range tr.Findings() {
				if !bytes.Contains(b, []byte(html.EscapeString(f.Message))) {
					t.Errorf("finding %s missing: %s", f.ID, f.Message)
				}
				if f.Cause != "" && !bytes.Contains(b, []byte(html.EscapeString(f.Cause))) {
					t.Errorf("cause of %s missing", f.ID)
				}
			}
		})
	}
}
