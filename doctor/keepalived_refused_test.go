package doctor_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// TestKeepalivedRefused: configurations keepalived 2.2.7 refuses whole (its
// VRRP process exits, keepalived -t fails) fail keepalived-config-syntax
// with keepalived's words at the line and a fix that says so; a warning
// keepalived runs with stays a warning.
func TestKeepalivedRefused(t *testing.T) {
	vip := "\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n"
	cases := []struct {
		name, conf string
		status     doctor.Status
		message    string // keepalived's own message (keepalived -t)
		fix        string
	}{
		{"shared VRID", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51" + vip +
			"vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 51" + vip,
			doctor.Fail, "VI_1 and VI_2 both use VRID 51 with IPv4 on interface eth0", "another virtual_router_id"},
		{"no interface", "vrrp_instance VI_1 {\n virtual_router_id 51" + vip,
			doctor.Fail, "(VI_1) Unknown interface!", "add \"interface IF\""},
		{"address label", "vrrp_instance VI_1 {\n interface ens18:1\n virtual_router_id 51" + vip,
			doctor.Fail, "WARNING - interface ens18:1 for vrrp_instance VI_1 doesn't exist", "address label"},
		{"VRRPv3 without VIP", "vrrp_instance VI_1 {\n interface eth0\n version 3\n virtual_router_id 51\n}\n",
			doctor.Fail, "(VI_1) No VIP specified; at least one is required", "virtual_ipaddress"},
		{"VRRPv2 without VIP", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n}\n",
			doctor.Warn, "(VI_1) No VIP specified; at least one is sensible", "correct"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := &doctor.Env{
				FS:         fstest.MapFS{"etc/keepalived/keepalived.conf": {Data: []byte(c.conf)}},
				ConfigPath: "/etc/keepalived/keepalived.conf",
				ConfigID:   "node1",
				LintOnly:   true,
			}
			var found bool
			for _, r := range doctor.RunChecks(context.Background(), env, doctor.OfflineChecks()) {
				if r.ID != "keepalived-config-syntax" || r.Message != c.message {
					continue
				}
				found = true
				if r.Status != c.status || !strings.Contains(r.Fix, c.fix) {
					t.Errorf("%s %q fix %q, want %s and a fix saying %q", r.Status, r.Message, r.Fix, c.status, c.fix)
				}
				if c.status == doctor.Fail && !strings.Contains(r.Fix, "refuses the whole configuration") {
					t.Errorf("fix %q does not say keepalived runs nothing", r.Fix)
				}
			}
			if !found {
				t.Errorf("keepalived-config-syntax does not report %q", c.message)
			}
		})
	}
}
