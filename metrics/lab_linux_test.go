package metrics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

func TestMain(m *testing.M) {
	code := m.Run()
	lab.RemoveBinaries()
	os.Exit(code)
}

// Addresses on the bridge namespace's loopback: nothing outside the
// namespace can reach them.
const (
	exporterAddr   = "127.0.0.1:9724"
	prometheusAddr = "127.0.0.1:9090"
)

// promConfig scrapes the exporter and evaluates the contrib rules every
// second, so the 10 s alerts fire within seconds of the fault.
const promConfig = `global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: vrrpdump
    static_configs:
      - targets: [%q]
`

// promClient talks to the Prometheus server in the bridge namespace: every
// connection is dialled from inside it.
type promClient struct {
	t    *testing.T
	http *http.Client
}

func newPromClient(t *testing.T, ns string) *promClient {
	return &promClient{t: t, http: nsClient(t, ns, 5*time.Second)}
}

// nsClient is an HTTP client whose connections are dialled from inside
// the network namespace ns.
func nsClient(t *testing.T, ns string, timeout time.Duration) *http.Client {
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		err := lab.Do(ns, func() error {
			var err error
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
			return err
		})
		return c, err
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: timeout}
}

// get fetches an API path into v (the "data" member); it returns an error
// while the server is not up.
func (p *promClient) get(path string, v any) error {
	resp, err := p.http.Get("http://" + prometheusAddr + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return fmt.Errorf("GET %s: %v: %s", path, err, b)
	}
	if env.Status != "success" {
		return fmt.Errorf("GET %s: %s", path, env.Error)
	}
	return json.Unmarshal(env.Data, v)
}

// query returns the value of an instant query with one result, or "" when
// it has none.
func (p *promClient) query(q string) (string, error) {
	var d struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if err := p.get("/api/v1/query?query="+url.QueryEscape(q), &d); err != nil {
		return "", err
	}
	switch len(d.Result) {
	case 0:
		return "", nil
	case 1:
		return fmt.Sprint(d.Result[0].Value[1]), nil
	}
	return "", fmt.Errorf("%s: %d results", q, len(d.Result))
}

// alertState is the state of the alerting rule name: inactive, pending or
// firing, with the labels of its alerts.
func (p *promClient) alertState(name string) (string, []map[string]string, error) {
	var d struct {
		Groups []struct {
			Rules []struct {
				Name      string `json:"name"`
				Type      string `json:"type"`
				State     string `json:"state"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
				Alerts    []struct {
					Labels map[string]string `json:"labels"`
					State  string            `json:"state"`
				} `json:"alerts"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := p.get("/api/v1/rules?type=alert", &d); err != nil {
		return "", nil, err
	}
	for _, g := range d.Groups {
		for _, r := range g.Rules {
			if r.Name != name {
				continue
			}
			if r.Health == "err" {
				return "", nil, fmt.Errorf("rule %s: %s", name, r.LastError)
			}
			var labels []map[string]string
			for _, a := range r.Alerts {
				labels = append(labels, a.Labels)
			}
			return r.State, labels, nil
		}
	}
	return "", nil, fmt.Errorf("no alerting rule %s loaded", name)
}

// waitFor polls cond every 250 ms until it returns true or within passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	last := ""
	for {
		ok, state := cond()
		if ok {
			return time.Since(start)
		}
		last = state
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s; last seen: %s", what, within, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestLabPrometheusSplitBrain runs the whole chain: a keepalived pair on
// the lab segment, vrrpdump --metrics capturing on the bridge as an
// unprivileged user with CAP_NET_RAW only, and a real Prometheus server
// loading contrib/prometheus/rules. A firewall on the backup makes it deaf
// (split brain): VRRPSplitBrain goes inactive → pending → firing; the
// firewall goes away and the alert resolves.
func TestLabPrometheusSplitBrain(t *testing.T) {
	lab.Require(t, lab.NeedKeepalived, lab.NeedIptables)
	promBin := needTool(t, "prometheus", "prometheus")
	needTool(t, "setpriv", "util-linux")
	rules, err := filepath.Abs(filepath.Join(contrib, "rules", "vrrp.rules.yml"))
	if err != nil {
		t.Fatal(err)
	}

	l := lab.New(t, lab.Config{Hosts: 2})
	br := l.Bridge()
	dumpCmd := append(lab.AsNobody(t, lab.Binary(t, "../cmd/vrrpdump"), "net_raw"), "-i", l.BridgeIface(), "--metrics", exporterAddr)
	vd := br.Start(t, dumpCmd[0], dumpCmd[1:]...)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, promConfig, rules, exporterAddr), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := br.Start(t, promBin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+prometheusAddr, "--log.level=warn")
	t.Logf("vrrpdump pid %d, prometheus pid %d in %s", vd.Pid(), prom.Pid(), br.Name())

	vip := []string{"192.0.2.100/24"}
	k1 := l.Host(1).StartKeepalived(t, kaConf(150, vip))
	k1.Await(t, "Entering MASTER STATE", 15*time.Second)
	k2 := l.Host(2).StartKeepalived(t, kaConf(100, vip))
	k2.Await(t, "Entering BACKUP STATE", 15*time.Second)

	pc := newPromClient(t, br.Name())
	group := `{job="vrrpdump",link="br0",family="ipv4",vrid="51"}`
	// Prometheus is up, scrapes the exporter, and sees one master.
	waitFor(t, "Prometheus scrapes one master", 30*time.Second, func() (bool, string) {
		v, err := pc.query("vrrp_group_masters" + group)
		if err != nil {
			return false, err.Error()
		}
		return v == "1", "vrrp_group_masters=" + v
	})
	if v, err := pc.query(`vrrp_group_master_info{master="192.0.2.11",priority="150"}`); err != nil || v != "1" {
		t.Errorf("master_info of 192.0.2.11: %q %v", v, err)
	}
	if v, err := pc.query(`vrrp_capture_up{link="br0"}`); err != nil || v != "1" {
		t.Errorf("capture_up: %q %v", v, err)
	}
	if st, _, err := pc.alertState("VRRPSplitBrain"); err != nil || st != "inactive" {
		t.Fatalf("VRRPSplitBrain before the fault: %q %v", st, err)
	}

	state := func(want string) func() (bool, string) {
		return func() (bool, string) {
			st, alerts, err := pc.alertState("VRRPSplitBrain")
			if err != nil {
				return false, err.Error()
			}
			return st == want, fmt.Sprintf("%s %v", st, alerts)
		}
	}
	t.Run("fault", func(t *testing.T) {
		start := time.Now()
		// h2 no longer hears h1: after its Master_Down_Interval (3.6 s)
		// it advertises as master too.
		k2.Mark()
		l.Host(2).DropVRRP(t, lab.Input, lab.Iptables)
		k2.Await(t, "Entering MASTER STATE", 15*time.Second)
		waitFor(t, "VRRPSplitBrain pending", 20*time.Second, state("pending"))
		t.Logf("pending %.1f s after the fault", time.Since(start).Seconds())
		waitFor(t, "VRRPSplitBrain firing", 30*time.Second, state("firing"))
		t.Logf("firing %.1f s after the fault (rule: for 10s)", time.Since(start).Seconds())
		_, alerts, _ := pc.alertState("VRRPSplitBrain")
		if len(alerts) != 1 || alerts[0]["vrid"] != "51" || alerts[0]["link"] != "br0" || alerts[0]["severity"] != "critical" {
			t.Errorf("alerts: %v", alerts)
		}
		if v, err := pc.query("vrrp_group_masters" + group); err != nil || v != "2" {
			t.Errorf("vrrp_group_masters during the split brain: %q %v", v, err)
		}
		if v, err := pc.query(`vrrp_findings_active{id="split-brain"}`); err != nil || v != "1" {
			t.Errorf("active split-brain findings: %q %v", v, err)
		}
		k2.Mark()
	}) // the firewall rule goes away here
	if t.Failed() {
		return
	}
	start := time.Now()
	k2.Await(t, "Entering BACKUP STATE", 15*time.Second)
	waitFor(t, "VRRPSplitBrain resolved", 30*time.Second, state("inactive"))
	t.Logf("resolved %.1f s after the fault was cleared", time.Since(start).Seconds())
	if v, err := pc.query("vrrp_group_masters" + group); err != nil || v != "1" {
		t.Errorf("vrrp_group_masters after the fault: %q %v", v, err)
	}
	var active struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
		} `json:"alerts"`
	}
	if err := pc.get("/api/v1/alerts", &active); err != nil {
		t.Fatal(err)
	}
	for _, a := range active.Alerts {
		if a.Labels["alertname"] == "VRRPSplitBrain" {
			t.Errorf("alert still active: %v", a.Labels)
		}
	}
	select {
	case <-vd.Done():
		t.Errorf("vrrpdump exited: %s", vd.Log())
	default:
	}
}

// kaConf is a keepalived VRRPv2 instance, vrid 51, 1 s interval.
func kaConf(prio int, vips []string) string {
	return fmt.Sprintf(`global_defs {
    vrrp_garp_master_delay 5
}
vrrp_instance VI_51 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    version 2
    priority %d
    advert_int 1
    virtual_ipaddress {
        %s
    }
}
`, prio, strings.Join(vips, "\n        "))
}
