package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// neutronServer starts Debian's neutron-server (testdata/neutron) on a free
// port of 127.0.0.1 and returns its URL. It skips without neutron-server,
// but fails when CI is set.
func neutronServer(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/neutron-server"); err != nil {
		msg := "neutron-server is not installed (apt-get install neutron-server)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	script, _ := filepath.Abs(filepath.Join("testdata", "neutron", "neutron-server.sh"))
	cmd := exec.Command(script, dir, fmt.Sprint(port))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		// The server and its workers form the process group we created.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			t.Logf("neutron-server output:\n%s\n%s", out.String(), tailLines(string(log), 40))
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(90 * time.Second)
	for {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("neutron-server exited: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("neutron-server did not answer on %s in 90 s\n%s", url, out.String())
		case <-tick.C:
			resp, err := http.Get(url + "/v2.0/networks")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return url
				}
			}
		}
	}
}

func tailLines(s string, n int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// neutronPost creates a resource and returns its id.
func neutronPost(t *testing.T, url, kind string, body map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{kind: body})
	path := strings.ReplaceAll(kind, "_", "-") + "s"
	resp, err := http.Post(url+"/v2.0/"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 201 {
		t.Fatalf("POST %s %s: status %d, %v", path, b, resp.StatusCode, err)
	}
	return out[kind]["id"].(string)
}

// macRunner answers `ip -j -d addr show` with one eth0 of the given MAC at
// 192.0.2.11/24, and everything else from the recorded host.
type macRunner struct {
	doctor.Runner
	mac string
}

func (m macRunner) Output(ctx context.Context, name string, args ...string) ([]byte, error) {
	if doctor.CommandFile(name, args...) == doctor.CommandFile("ip", "-j", "-d", "addr", "show") {
		return fmt.Appendf(nil, `[{"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"operstate":"UP","address":%q,
			"addr_info":[{"family":"inet","local":"192.0.2.11","prefixlen":24}]}]`, m.mac), nil
	}
	return m.Runner.Output(ctx, name, args...)
}

// TestOpenStackNeutron runs the OpenStack checks against a real Neutron API
// server: one port per planted problem, found by this host's eth0 MAC; the
// host's keepalived.conf (testdata/hosts/clean) has VIP 192.0.2.100 on eth0.
func TestOpenStackNeutron(t *testing.T) {
	url := neutronServer(t)
	net := neutronPost(t, url, "network", map[string]any{"name": "vrrp-net"})
	sg := func(name string, rules ...map[string]any) string {
		id := neutronPost(t, url, "security_group", map[string]any{"name": name})
		for _, r := range rules {
			r["security_group_id"] = id
			r["direction"] = "ingress"
			r["ethertype"] = "IPv4"
			neutronPost(t, url, "security_group_rule", r)
		}
		return id
	}
	sg112 := sg("vrrp-112", map[string]any{"protocol": "112"})
	sgVRRP := sg("vrrp-name", map[string]any{"protocol": "vrrp"})
	sgSSH := sg("ssh-only", map[string]any{"protocol": "tcp", "port_range_min": 22, "port_range_max": 22})
	vipPair := []map[string]any{{"ip_address": "192.0.2.100"}}

	cases := []struct {
		name string
		port map[string]any
		want map[string]doctor.Status
	}{
		{"missing-vip-pair", map[string]any{"security_groups": []string{sg112}}, map[string]doctor.Status{
			"openstack-port-security": doctor.Pass, "openstack-allowed-address-pairs": doctor.Fail, "openstack-security-group-vrrp": doctor.Pass}},
		{"port-security-off", map[string]any{"port_security_enabled": false, "security_groups": []string{}}, map[string]doctor.Status{
			"openstack-port-security": doctor.Warn, "openstack-allowed-address-pairs": doctor.Skip, "openstack-security-group-vrrp": doctor.Skip}},
		{"sg-without-112", map[string]any{"security_groups": []string{sgSSH}, "allowed_address_pairs": vipPair}, map[string]doctor.Status{
			"openstack-port-security": doctor.Pass, "openstack-allowed-address-pairs": doctor.Pass, "openstack-security-group-vrrp": doctor.Fail}},
		{"sg-112", map[string]any{"security_groups": []string{sg112}, "allowed_address_pairs": vipPair}, map[string]doctor.Status{
			"openstack-port-security": doctor.Pass, "openstack-allowed-address-pairs": doctor.Pass, "openstack-security-group-vrrp": doctor.Pass}},
		{"sg-vrrp-by-name", map[string]any{"security_groups": []string{sgVRRP}, "allowed_address_pairs": vipPair}, map[string]doctor.Status{
			"openstack-port-security": doctor.Pass, "openstack-allowed-address-pairs": doctor.Pass, "openstack-security-group-vrrp": doctor.Pass}},
	}
	var checks []doctor.Check
	for _, c := range doctor.Checks() {
		if c.Area == doctor.AreaOpenStack {
			checks = append(checks, c)
		}
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mac := fmt.Sprintf("02:00:00:00:aa:%02x", i+1)
			c.port["network_id"] = net
			c.port["mac_address"] = mac
			c.port["name"] = c.name
			neutronPost(t, url, "port", c.port)
			env := hostEnv(t, "clean")
			env.Run = macRunner{env.Run, mac}
			env.OpenStack = doctor.NewNeutronNoAuth(url, nil)
			rs := doctor.RunChecks(context.Background(), env, checks)
			var b bytes.Buffer
			_ = doctor.WriteText(&b, rs, doctor.TextOptions{})
			for _, r := range rs {
				if want, ok := c.want[r.ID]; ok && r.Status != want {
					t.Errorf("%s: %s, want %s", r.ID, r.Status, want)
				}
			}
			if t.Failed() {
				t.Logf("report:\n%s", b.String())
			}
		})
	}
}
