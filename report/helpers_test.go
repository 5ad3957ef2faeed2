package report_test

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/vrrpkit/vrrpkit/daemonlog"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/internal/refcap/replay"
	"github.com/vrrpkit/vrrpkit/report"
	"github.com/vrrpkit/vrrpkit/track"
)

// render reads a capture as vrrpdump does (each frame to the tracker and
// to the recorder, each finding to the recorder as it is raised) and
// returns its report, the tracker and the first frame's time.
func render(t testing.TB, path string, logs ...daemonlog.Event) ([]byte, *track.Tracker, time.Time) {
	t.Helper()
	tr := track.New(track.Options{})
	rec := report.NewRecorder()
	tr.OnFinding = rec.Finding
	link := filepath.Base(path)
	var first, last time.Time
	frames := replay.Frames(t, path, func(p *capture.Packet) {
		ts := p.CI.Timestamp
		if first.IsZero() {
			first = ts
		}
		last = ts
		tr.Observe(ts, link, p.P, p.Kind, p.Err)
		rec.Frame(ts, link, p.P, p.Kind, p.Err)
	})
	tr.End(last)
	var buf bytes.Buffer
	in := report.Input{Source: link, Frames: frames, Stats: tr.Stats(), Groups: tr.Overview(), Findings: tr.Findings(), Logs: logs}
	if err := report.Write(&buf, rec, in); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), tr, first
}

// node helpers over golang.org/x/net/html.

func parse(t testing.TB, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// all returns the elements under n named tag ("" any) with class ("" any).
func all(n *html.Node, tag, class string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (tag == "" || n.Data == tag) && (class == "" || hasClass(n, class)) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// since is an RFC 3339 data attribute as seconds after first.
func since(t testing.TB, v string, first time.Time) float64 {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t.Fatalf("bad time %q: %v", v, err)
	}
	return ts.Sub(first).Seconds()
}

func num(t testing.TB, v string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("bad number %q: %v", v, err)
	}
	return f
}
