package dump_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/lab"
)

// journal collects a lab daemon's log as journald would: each line stamped
// with the time it arrived (the namespaces run no journald; keepalived's
// console log has whole seconds only), written as journalctl -o json
// records or -o short-iso-precise lines.
type journal struct {
	path   string
	cancel context.CancelFunc
	done   chan struct{}
}

var consoleStamp = regexp.MustCompile(`^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}: `)

func collect(t *testing.T, d *lab.Daemon, format, host string) *journal {
	t.Helper()
	j := &journal{path: filepath.Join(t.TempDir(), host+"."+format), done: make(chan struct{})}
	out, err := os.Create(j.path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel = cancel
	src := d.LogPath()
	go func() {
		defer close(j.done)
		defer out.Close()
		var off int64
		var pending []byte
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			stopping := ctx.Err() != nil
			if b, err := os.ReadFile(src); err == nil && int64(len(b)) > off {
				now := time.Now()
				pending = append(pending, b[off:]...)
				off = int64(len(b))
				for {
					i := bytes.IndexByte(pending, '\n')
					if i < 0 {
						break
					}
					msg := consoleStamp.ReplaceAllString(string(pending[:i]), "")
					pending = pending[i+1:]
					var rec string
					if format == "json" {
						r, _ := json.Marshal(map[string]string{"__REALTIME_TIMESTAMP": strconv.FormatInt(now.UnixMicro(), 10),
							"_HOSTNAME": host, "SYSLOG_IDENTIFIER": "Keepalived_vrrp", "MESSAGE": msg})
						rec = string(r)
					} else {
						rec = fmt.Sprintf("%s %s Keepalived_vrrp[%d]: %s", now.UTC().Format("2006-01-02T15:04:05.000000-0700"), host, d.Pid(), msg)
					}
					fmt.Fprintln(out, rec)
				}
			}
			if stopping {
				return
			}
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(j.stop)
	return j
}

// stop reads what is left and closes the file.
func (j *journal) stop() {
	j.cancel()
	<-j.done
}

// TestLabReportWithLogs: a keepalived pair, each node's log collected
// journald-style; protocol 112 is blocked on the backup (it goes MASTER
// beside the real master), then the master is killed. The report from the
// capture and both logs puts each MASTER transition on its router's lane
// and sets the logs against the wire.
func TestLabReportWithLogs(t *testing.T) {
	t.Parallel()
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables)
	l := lab.New(t, lab.Config{Hosts: 2})
	pcap := filepath.Join(t.TempDir(), "capture.pcap")
	p := l.Bridge().Start(t, vrrpdumpBinary(t), "-i", l.BridgeIface(), "--json", "--duration", "120s", "-w", pcap)
	w := &watch{t, p}
	time.Sleep(300 * time.Millisecond) // let libpcap attach (as startWatch)
	k1 := l.Host(1).StartKeepalived(t, kaConf(v2h1))
	j1 := collect(t, k1, "json", "h1")
	k2 := l.Host(2).StartKeepalived(t, kaConf(v2h2))
	j2 := collect(t, k2, "short-iso", "h2")
	k1.Await(t, "Entering MASTER STATE", 15*time.Second)
	k2.Await(t, "Entering BACKUP STATE", 10*time.Second)
	k2.Mark()
	l.Host(2).DropVRRP(t, lab.Input, lab.Iptables)
	k2.Await(t, "Entering MASTER STATE", 10*time.Second)
	// h1 hears h2's adverts now (it answers each: "forcing new election").
	k1.Await(t, "with lower priority 100, ours 150", 5*time.Second)
	if err := k1.Kill(); err != nil {
		t.Fatal(err)
	}
	// h2 carries on alone; give the capture two of its adverts after the
	// crash (as crash does), so the report's axis covers the transitions.
	time.Sleep(2 * time.Second)
	r := w.stop()
	if len(r.summary.Groups) != 1 {
		t.Fatalf("groups: %+v", r.summary.Groups)
	}
	j1.stop()
	j2.stop()

	// Kept with go test -artifacts, to replay with vrrpdump -r.
	for _, f := range []string{pcap, j1.path, j2.path} {
		if b, err := os.ReadFile(f); err == nil {
			os.WriteFile(filepath.Join(t.ArtifactDir(), filepath.Base(f)), b, 0o644)
		}
	}
	report := filepath.Join(t.ArtifactDir(), "report.html")
	out, stderr, err := run(t, "-r", pcap, "--log", "h1="+j1.path, "--log", "h2="+j2.path, "--report", report)
	if !errors.Is(err, dump.ErrErrorFinding) || stderr != "" {
		t.Fatalf("vrrpdump -r: %v, stderr %q\n%s", err, stderr, out)
	}
	joined := strings.Join(strings.Fields(out), " ") // the summary wraps long lines
	for _, must := range []string{
		"ERROR split-brain",
		"ERROR log-unheard-master",
		"192.0.2.12 (log h2) entered MASTER at",
		"INFO log-transition-lag",
	} {
		if !strings.Contains(joined, must) {
			t.Errorf("summary lacks %q:\n%s", must, out)
		}
	}
	lags := regexp.MustCompile(`(192\.0\.2\.1[12]) logged MASTER at \S+ \(log h[12]\); its first advert on the wire came ([\d.]+) (ms|s) (later|before)`).FindAllStringSubmatch(joined, -1)
	seen := map[string]bool{}
	for _, m := range lags {
		seen[m[1]] = true
		v, _ := strconv.ParseFloat(m[2], 64)
		if m[3] == "s" {
			v *= 1000
		}
		// The line is stamped when the collector reads it (every 5 ms) on
		// the host whose clock the capture uses.
		if v > 250 {
			t.Errorf("%s: lag %s %s %s between its log line and its first advert", m[1], m[2], m[3], m[4])
		}
		t.Logf("%s: logged MASTER, first advert %s %s %s", m[1], m[2], m[3], m[4])
	}
	if !seen["192.0.2.11"] || !seen["192.0.2.12"] {
		t.Errorf("transition lags for %v, want both routers", seen)
	}

	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var svgs []*html.Node
	walk(doc, func(n *html.Node) {
		if n.Data == "svg" && attrOf(n, "class") == "timeline" {
			svgs = append(svgs, n)
		}
	})
	if len(svgs) != 1 {
		t.Fatalf("%d timelines, want 1", len(svgs))
	}
	// Lane tops by router label, then each MASTER log mark on its lane.
	lanes := map[string]float64{}
	var marks, splits []*html.Node
	walk(svgs[0], func(n *html.Node) {
		switch {
		case n.Data == "text" && attrOf(n, "class") == "label" && n.FirstChild != nil:
			y, _ := strconv.ParseFloat(attrOf(n, "y"), 64)
			lanes[n.FirstChild.Data] = y - 15
		case n.Data == "rect" && strings.HasPrefix(attrOf(n, "class"), "log ") && attrOf(n, "data-state") == "MASTER":
			marks = append(marks, n)
		case n.Data == "rect" && attrOf(n, "class") == "split":
			splits = append(splits, n)
		}
	})
	placed := map[string]string{}
	for _, m := range marks {
		router := attrOf(m, "data-router")
		y, _ := strconv.ParseFloat(attrOf(m, "y"), 64)
		top, ok := lanes[router]
		if !ok || y != top+1 {
			t.Errorf("MASTER mark of %s (log %s) at y=%v, not on its lane (lanes %v)", router, attrOf(m, "data-log"), y, lanes)
		}
		placed[attrOf(m, "data-log")] = router
	}
	if placed["h1"] != "192.0.2.11" || placed["h2"] != "192.0.2.12" {
		t.Errorf("MASTER transitions drawn for logs %v, want h1 on 192.0.2.11 and h2 on 192.0.2.12", placed)
	}
	if len(splits) != 1 {
		t.Errorf("%d split-brain windows shaded, want 1", len(splits))
	}
	// The report names how each log was matched and its format.
	for _, must := range []string{"Assigned address 192.0.2.11", "Assigned address 192.0.2.12", "journal-json", "journal-short-iso"} {
		if !strings.Contains(string(b), must) {
			t.Errorf("report lacks %q", must)
		}
	}
}

func walk(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
