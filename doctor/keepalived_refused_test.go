package doctor_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// lint runs the offline checks on conf as /etc/keepalived/keepalived.conf
// of node1, as vrrpdoctor --lint does.
func lint(conf string) []doctor.Result {
	env := &doctor.Env{
		FS:         fstest.MapFS{"etc/keepalived/keepalived.conf": {Data: []byte(conf)}},
		ConfigPath: "/etc/keepalived/keepalived.conf",
		ConfigID:   "node1",
		LintOnly:   true,
	}
	return doctor.RunChecks(context.Background(), env, doctor.OfflineChecks())
}

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
			var found bool
			for _, r := range lint(c.conf) {
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

// TestKeepalivedNodesRouters: keepalived-nodes compares the instances of a
// VRID that can meet on the wire, as keepalived keeps them apart.
func TestKeepalivedNodesRouters(t *testing.T) {
	inst := func(name, iface string, vrid int, vip, extra string) string {
		return fmt.Sprintf("vrrp_instance %s {\n interface %s\n virtual_router_id %d\n%s\n virtual_ipaddress {\n  %s\n }\n}\n", name, iface, vrid, extra, vip)
	}
	cases := []struct {
		name, h1, h2 string
		status       map[string]doctor.Status // message prefix -> status; absent: no such finding
	}{
		// keepalived's 1333.conf: VRID 1 on two bridges of each node, two
		// routers that never meet.
		{"one VRID on two interfaces of both nodes",
			inst("br101_v4_1", "br101", 1, "192.0.2.1", "") + inst("br355_v4_1", "br355", 1, "198.51.100.1", ""),
			inst("br101_v4_1", "br101", 1, "192.0.2.1", "") + inst("br355_v4_1", "br355", 1, "198.51.100.1", ""),
			map[string]doctor.Status{"VRID collision": 0}},
		// One router per node on VRID 51, nothing in common: they meet.
		{"two routers on one VRID",
			inst("VI_WEB", "eth0", 51, "192.0.2.1", ""), inst("VI_DB", "eth0", 51, "192.0.2.2", ""),
			map[string]doctor.Status{"VRID collision": doctor.Fail}},
		// VRRPv3 unicast, old_unicast_checksum on one node: keepalived on
		// the other switches to the old checksum ("Setting unicast VRRPv3
		// checksum to old version"): a warning.
		{"old_unicast_checksum on one node",
			inst("VI_1", "eth0", 51, "192.0.2.1", " version 3\n old_unicast_checksum\n unicast_src_ip 192.0.2.11\n unicast_peer {\n  192.0.2.12\n }"),
			inst("VI_1", "eth0", 51, "192.0.2.1", " version 3\n unicast_src_ip 192.0.2.12\n unicast_peer {\n  192.0.2.11\n }"),
			map[string]doctor.Status{"the nodes differ on old_unicast_checksum": doctor.Warn}},
		// VRRPv2 has no pseudo-header in its checksum: nothing differs.
		{"old_unicast_checksum under VRRPv2",
			inst("VI_1", "eth0", 51, "192.0.2.1", " old_unicast_checksum\n unicast_src_ip 192.0.2.11\n unicast_peer {\n  192.0.2.12\n }"),
			inst("VI_1", "eth0", 51, "192.0.2.1", " unicast_src_ip 192.0.2.12\n unicast_peer {\n  192.0.2.11\n }"),
			map[string]doctor.Status{"the nodes differ on old_unicast_checksum": 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := &doctor.Env{
				FS:       fstest.MapFS{"h1.conf": {Data: []byte(c.h1)}, "h2.conf": {Data: []byte(c.h2)}},
				Nodes:    []doctor.Node{{Name: "h1", Path: "/h1.conf"}, {Name: "h2", Path: "/h2.conf"}},
				LintOnly: true,
			}
			got := map[string]doctor.Status{}
			for _, r := range doctor.RunChecks(context.Background(), env, doctor.OfflineChecks()) {
				if r.ID != "keepalived-nodes" {
					continue
				}
				for prefix := range c.status {
					if strings.HasPrefix(r.Message, prefix) {
						got[prefix] = r.Status
					}
				}
			}
			for prefix, want := range c.status {
				if got[prefix] != want {
					t.Errorf("%q: status %v, want %v", prefix, got[prefix], want)
				}
			}
		})
	}
}
