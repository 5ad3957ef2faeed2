package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/metrics"
	"github.com/vrrpkit/vrrpkit/track"
)

const contrib = "../contrib/prometheus"

// needTool skips without the program, or fails when CI is set: CI installs
// it (scripts/setup.sh).
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s not in PATH (Debian package %s)", name, pkg)
		if os.Getenv("CI") != "" {
			t.Fatalf("%s; CI is set, so this fails instead of skipping", msg)
		}
		t.Skip(msg)
	}
	return p
}

// run runs a command and fails the test with its output when it fails.
func run(t *testing.T, stdin io.Reader, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Dir = stdin, dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// A real scrape over HTTP, with the Go and process collectors, is clean to
// promtool's linter (naming, units, counters, help).
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := needTool(t, "promtool", "prometheus")
	for _, name := range []string{"split-brain", "v2-failover", "frr-v3", carpSplit(t)} {
		t.Run(filepath.Base(name), func(t *testing.T) {
			c := metrics.New(replay(t, name, 0, 0), func() []feed.Health { return []feed.Health{{Link: "eth0", Packets: 3, Running: true}} })
			srv := httptest.NewServer(metrics.Handler(metrics.Registry(c)))
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("GET /metrics: %v %s", err, resp.Status)
			}
			if !strings.Contains(string(body), "_group_masters{") || !strings.Contains(string(body), "go_goroutines ") {
				t.Fatalf("scrape lacks vrrp or go metrics:\n%s", body)
			}
			if out := run(t, strings.NewReader(string(body)), "", promtool, "check", "metrics"); strings.TrimSpace(out) != "" {
				t.Errorf("promtool check metrics:\n%s", out)
			}
		})
	}
}

// The rules load, and their unit tests pass.
func TestPromtoolRules(t *testing.T) {
	promtool := needTool(t, "promtool", "prometheus")
	run(t, nil, contrib, promtool, "check", "rules", "rules/vrrp.rules.yml")
	out := run(t, nil, contrib, promtool, "test", "rules", "tests/vrrp.rules.test.yml")
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules:\n%s", out)
	}
}

// Every query of the Grafana dashboard parses: they are checked as
// recording rules, with the dashboard's variables filled in.
func TestDashboardQueries(t *testing.T) {
	promtool := needTool(t, "promtool", "prometheus")
	b, err := os.ReadFile(filepath.Join(contrib, "grafana", "vrrpdump.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			expr := strings.NewReplacer("$instance", ".*", "$link", ".*").Replace(tg.Expr)
			q, _ := json.Marshal(expr)
			fmt.Fprintf(&rules, "      - record: dashboard:query:%d\n        expr: %s\n", n, q)
			n++
		}
	}
	if n < 10 {
		t.Fatalf("dashboard has %d queries", n)
	}
	path := filepath.Join(t.TempDir(), "dashboard.rules.yml")
	if err := os.WriteFile(path, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, nil, "", promtool, "check", "rules", path)
	// Every vrrp metric a query names exists.
	names := metricNames()
	for _, m := range seriesNames(string(b)) {
		if !names[m] {
			t.Errorf("dashboard queries %s, which the exporter does not have", m)
		}
	}
}

// seriesNames returns the vrrp metric names in text, leaving out recorded
// series (level:metric:operations).
func seriesNames(text string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`[a-z_:]*vrrp_[a-z_:]*`).FindAllString(text, -1) {
		if strings.HasPrefix(m, "vrrp_") && !strings.Contains(m, ":") {
			out = append(out, m)
		}
	}
	return out
}

// metricNames returns the names the collector describes.
func metricNames() map[string]bool {
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		metrics.New(track.New(track.Options{}), nil).Describe(ch)
		close(ch)
	}()
	names := map[string]bool{}
	re := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		if m := re.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	return names
}

// Each metric has a row in contrib/prometheus/README.md, and each row is a
// metric.
func TestMetricsDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(contrib, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := metricNames()
	if len(names) < 20 {
		t.Fatalf("only %d metrics described", len(names))
	}
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(vrrp_[a-z_]+)` \\|").FindAllStringSubmatch(string(b), -1) {
		rows[m[1]] = true
	}
	for n := range names {
		if !rows[n] {
			t.Errorf("%s is not in the README's metrics table", n)
		}
	}
	for n := range rows {
		if !names[n] {
			t.Errorf("README documents %s, which the exporter does not have", n)
		}
	}
	// The recording and alerting rules name only real metrics, or their
	// own recorded series.
	rb, err := os.ReadFile(filepath.Join(contrib, "rules", "vrrp.rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range seriesNames(string(rb)) {
		if !names[m] {
			t.Errorf("rules use %s, which the exporter does not have", m)
		}
	}
}

// The unit is valid to systemd, with the binary where it says.
func TestSystemdUnit(t *testing.T) {
	analyze := needTool(t, "systemd-analyze", "systemd")
	b, err := os.ReadFile(filepath.Join(contrib, "systemd", "vrrpdump.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{"AmbientCapabilities=CAP_NET_RAW\n", "CapabilityBoundingSet=CAP_NET_RAW\n", "DynamicUser=yes\n", "NoNewPrivileges=yes\n"} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q", want)
		}
	}
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit = strings.ReplaceAll(unit, "/usr/local/bin/vrrpdump", exe)
	unit = strings.ReplaceAll(unit, "EnvironmentFile=/etc/default/vrrpdump", "EnvironmentFile="+filepath.Join(dir, "vrrpdump.default"))
	if err := os.WriteFile(filepath.Join(dir, "vrrpdump.service"), []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	def, err := os.ReadFile(filepath.Join(contrib, "systemd", "vrrpdump.default"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vrrpdump.default"), def, 0o644); err != nil {
		t.Fatal(err)
	}
	// The unit's Documentation= names man:vrrpdump(8), and verify runs man
	// to check it: give it the page the packages install, generated from
	// the same definitions as -h (the host need not have vrrpkit installed).
	man8 := filepath.Join(dir, "man", "man8")
	if err := os.MkdirAll(man8, 0o755); err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := cli.WriteMan(&page, cli.VRRPDump, "2026-01-01", "test"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(man8, "vrrpdump.8"), page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", filepath.Join(dir, "vrrpdump.service"))
	cmd.Env = append(os.Environ(), "MANPATH="+filepath.Join(dir, "man"))
	out, err := cmd.CombinedOutput()
	// verify also complains about unrelated units of the host; only lines
	// about ours count.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "vrrpdump.service") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
	if err != nil && !strings.Contains(string(out), "vrrpdump") {
		t.Logf("systemd-analyze verify: %v (not about vrrpdump.service)\n%s", err, out)
	}
}

// Serve returns at once when the address is taken, and nil when its
// context ends.
func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	feed := &feed.Feed{Tracker: replay(t, "v2-basic", 0, 0)}
	if err := metrics.Serve(context.Background(), addr, feed); err == nil {
		t.Fatal("Serve on a taken address returned nil")
	}
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- metrics.Serve(ctx, addr, feed) }()
	var body []byte
	for deadline := time.Now().Add(5 * time.Second); ; {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /metrics: %v", err)
		}
		select {
		case err := <-errc:
			t.Fatalf("Serve: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !strings.Contains(string(body), `vrrp_group_master_info{family="ipv4",link="lab0",master="192.0.2.11",priority="150",vlan="0",vrid="51"} 1`) {
		t.Errorf("scrape lacks the master:\n%s", body)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}
