package doctor_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/doctor"

	gold "github.com/vrrpkit/vrrpkit/internal/golden"
)

// hostEnv is an Env reading the recorded host testdata/hosts/<scenario>.
func hostEnv(t *testing.T, scenario string, ifaces ...string) *doctor.Env {
	t.Helper()
	root := os.DirFS(filepath.Join("testdata", "hosts", scenario))
	cmds, err := fs.Sub(root, "cmd")
	if err != nil {
		t.Fatal(err)
	}
	return &doctor.Env{
		FS:     root,
		Run:    doctor.RecordedRunner{FS: cmds},
		Net:    doctor.RecordedNet{FS: cmds, Path: doctor.CommandFile("ip", "-j", "neigh", "show")},
		Ifaces: ifaces,
	}
}

// golden compares got with testdata/<test name>.golden.
func golden(t *testing.T, got []byte) {
	t.Helper()
	gold.File(t, filepath.Join("testdata", filepath.FromSlash(t.Name())+".golden"), got)
}

func statuses(rs []doctor.Result) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		k := r.ID
		if r.Subject != "" {
			k += "/" + r.Subject
		}
		if prev, ok := m[k]; ok && prev != "pass" && prev != "skip" {
			if r.Status != doctor.Fail {
				continue
			}
		}
		m[k] = r.Status.String()
	}
	return m
}

func TestReport(t *testing.T) {
	cases := []struct {
		scenario string
		ifaces   []string
		want     map[string]string // id[/subject] -> status
	}{
		{"clean", nil, map[string]string{
			"firewall-vrrp-input/eth0":         "pass",
			"firewall-vrrp-output/eth0":        "pass",
			"keepalived-config-syntax":         "pass",
			"keepalived-auth-pass-length/VI_1": "pass",
			"keepalived-duplicate-vrid":        "pass",
			"keepalived-track-script/VI_1":     "pass",
		}},
		{"vmac-rp-filter", nil, map[string]string{
			"sysctl-rp-filter/vrrp.51": "fail",
			"sysctl-rp-filter/eth0":    "pass",
		}},
		{"iptables-legacy-input-drop", []string{"eth0"}, map[string]string{
			"firewall-vrrp-input/eth0":  "fail",
			"firewall-vrrp-output/eth0": "pass",
		}},
		{"iptables-output-drop", []string{"eth0"}, map[string]string{
			"firewall-vrrp-input/eth0":  "pass",
			"firewall-vrrp-output/eth0": "fail",
		}},
		{"nft-input-drop", []string{"eth0"}, map[string]string{
			"firewall-vrrp-input/eth0":  "fail",
			"firewall-vrrp-output/eth0": "pass",
		}},
		// keepalived's own state, without JSON: the data and stats dumps.
		{"keepalived-runtime", nil, map[string]string{
			"daemon-keepalived-state/VI_1":         "pass",
			"daemon-keepalived-state/VI_3":         "fail",
			"daemon-keepalived-priority/VI_1":      "pass",
			"daemon-keepalived-tracking/VI_1":      "fail",
			"daemon-keepalived-discards/VI_2":      "warn",
			"daemon-keepalived-unicast-graph/VI_1": "pass",
			"daemon-virtualisation/kvm":            "warn",
		}},
		{"keepalived-lint", nil, map[string]string{
			"keepalived-auth-pass-length/VI_1": "warn",
			// VI_1 (multicast) and VI_2 (unicast) share VRID 51:
			// keepalived 2.2.7 runs both (keepalived -t says nothing of
			// it), so a warning, not a failure.
			"keepalived-duplicate-vrid/eth0": "warn",
			// vrrp_strict: VI_1 (MASTER, priority 150) starts as BACKUP,
			// so keepalived keeps its nopreempt.
			"keepalived-master-nopreempt":   "pass",
			"keepalived-advert-int/VI_1":    "warn",
			"keepalived-vip-subnet/VI_1":    "warn",
			"keepalived-unicast-peers/VI_2": "fail",
			"keepalived-track-script/VI_1":  "fail",
			// VI_6 is IPv6: keepalived runs it as VRRPv3.
			"keepalived-vrrp-version": "pass",
		}},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			env := hostEnv(t, c.scenario, c.ifaces...)
			rs := doctor.RunChecks(context.Background(), env, doctor.Checks())
			got := statuses(rs)
			for k, want := range c.want {
				if got[k] != want {
					t.Errorf("%s: status %q, want %q", k, got[k], want)
				}
			}
			var b bytes.Buffer
			if err := doctor.WriteText(&b, rs, doctor.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, b.Bytes())
		})
	}
}

func TestChecksAreDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range doctor.Checks() {
		if seen[c.ID] {
			t.Errorf("check id %s is used twice", c.ID)
		}
		seen[c.ID] = true
		if !strings.HasPrefix(c.ID, string(c.Area)+"-") {
			t.Errorf("check id %s does not start with its area %q", c.ID, c.Area)
		}
		if strings.ToLower(c.ID) != c.ID || strings.ContainsAny(c.ID, " _") {
			t.Errorf("check id %s is not kebab-case", c.ID)
		}
		if len(c.Doc) < 80 || c.Run == nil {
			t.Errorf("check %s needs a Doc (what it reads, why, the fix) and a Run", c.ID)
		}
	}
}
