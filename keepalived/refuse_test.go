package keepalived_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/keepalived"
)

// Each case is a configuration of ours; the comment quotes what keepalived
// 2.2.7 prints about it (keepalived -t, in a namespace with eth0), and
// refused says whether keepalived then refuses the whole configuration
// (exit status 5, "exited with permanent error CONFIG").
func TestRefused(t *testing.T) {
	vip := "\n virtual_ipaddress {\n  192.0.2.100/24\n }\n"
	cases := []struct {
		name, src string
		refused   bool
		want      []string // every message keepalived prints that matters
		not       []string // messages keepalived does not print
	}{
		// "(A) the virtual router id must be set"
		{"no virtual_router_id", "vrrp_instance A {\n interface eth0" + vip + "}\n", true,
			[]string{"(A) the virtual router id must be set"}, nil},
		// "(B) Unknown interface!": 2.2.7 does not fall back to
		// default_interface, and wants an interface with unicast peers too.
		// keepalived stops at B: A's "No VIP specified; at least one is
		// sensible" is never printed.
		{"no interface", "global_defs {\n default_interface eth0\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 9\n}\n" +
			"vrrp_instance B {\n virtual_router_id 8\n unicast_src_ip 192.0.2.9\n unicast_peer {\n  192.0.2.50\n }" + vip + "}\n", true,
			[]string{"(B) Unknown interface!"}, []string{"(A) No VIP specified; at least one is sensible"}},
		// "(A) cannot use a loopback interface (lo) for vrrp - ignoring",
		// then "(A) Unknown interface!"
		{"interface lo", "vrrp_instance A {\n interface lo\n virtual_router_id 9" + vip + "}\n", true,
			[]string{"(A) cannot use a loopback interface (lo) for vrrp - ignoring", "(A) Unknown interface!"}, nil},
		// chk_min_cfg judges every instance before any is completed:
		// "(C) the virtual router id must be set", not the duplicate VRID.
		{"first failing instance only", "vrrp_instance A {\n interface eth0\n virtual_router_id 9" + vip + "}\n" +
			"vrrp_instance B {\n interface eth0\n virtual_router_id 9" + vip + "}\nvrrp_instance C {\n interface eth0\n}\n", true,
			[]string{"(C) the virtual router id must be set"}, []string{"A and B both use VRID 9 with IPv4 on interface eth0"}},
		// "(A) No VIP specified; at least one is required"
		{"VRRPv3 without VIP", "global_defs {\n vrrp_version 3\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 9\n}\n", true,
			[]string{"(A) No VIP specified; at least one is required"}, nil},
		{"strict without VIP", "global_defs {\n vrrp_strict\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 9\n}\n", true,
			[]string{"(A) No VIP specified; at least one is required"}, nil},
		// "(A) No VIP specified; at least one is sensible", and it runs.
		{"VRRPv2 without VIP", "vrrp_instance A {\n interface eth0\n virtual_router_id 9\n}\n", false,
			[]string{"(A) No VIP specified; at least one is sensible"}, nil},
		// "A and B both use VRID 7 with IPv4 on interface eth0", each pair.
		{"shared VRID", "vrrp_instance A {\n interface eth0\n virtual_router_id 7" + vip + "}\n" +
			"vrrp_instance B {\n interface eth0\n virtual_router_id 7\n use_vmac" + vip + "}\n" +
			"vrrp_instance C {\n interface eth0\n virtual_router_id 7" + vip + "}\n", true,
			[]string{"A and B both use VRID 7 with IPv4 on interface eth0", "A and C both use VRID 7 with IPv4 on interface eth0",
				"B and C both use VRID 7 with IPv4 on interface eth0"}, nil},
		// Nothing: unicast instances, another family, another group.
		{"shared VRID with unicast", "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n unicast_peer {\n  192.0.2.50\n }" + vip + "}\n" +
			"vrrp_instance B {\n interface eth0\n virtual_router_id 7" + vip + "}\n", false, nil, nil},
		{"shared VRID across families", "vrrp_instance A {\n interface eth0\n virtual_router_id 7" + vip + "}\n" +
			"vrrp_instance B {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n  2001:db8::1\n }\n}\n", false, nil, nil},
		{"shared VRID, other group", "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n mcast_dst_ip 224.0.1.18" + vip + "}\n" +
			"vrrp_instance B {\n interface eth0\n virtual_router_id 7" + vip + "}\n", false, nil, nil},
		// keepalived's ddixan.conf: "WARNING - interface ens18:1 for
		// vrrp_instance VI_1 doesn't exist", "Non-existent interface
		// specified in configuration".
		{"address label as interface", "vrrp_instance VI_1 {\n interface ens18:1\n virtual_router_id 7" + vip + "}\n", true,
			[]string{"WARNING - interface ens18:1 for vrrp_instance VI_1 doesn't exist"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, tc.src)
			if got := len(c.Refused()) > 0; got != tc.refused {
				t.Errorf("refused %v, keepalived %v (messages %v)", got, tc.refused, c.Messages)
			}
			for _, w := range tc.want {
				if !hasMessage(c, 0, w) {
					t.Errorf("no %q in %v", w, c.Messages)
				}
			}
			for _, w := range tc.not {
				if hasMessage(c, 0, w) {
					t.Errorf("%q, which keepalived does not print (it stopped before)", w)
				}
			}
			for _, m := range c.Refused() {
				if m.Kind != keepalived.KindFatal || !m.Pos.IsValid() {
					t.Errorf("refusal %+v: want KindFatal with a line", m)
				}
			}
		})
	}
}

// TestCompleteRules: what keepalived 2.2.7 prints and runs for rules of
// vrrp_complete_instance and the route and address parsers.
func TestCompleteRules(t *testing.T) {
	// Strict mode is judged before the version (check_align.2.conf):
	// "(VI_1) Strict mode does not support authentication. Ignoring."
	c := parse(t, "global_defs {\n vrrp_strict\n}\n"+instance(" version 3\n priority 255\n state MASTER\n authentication {\n  auth_type PASS\n  auth_pass secret\n }"))
	if !hasMessage(c, 0, "(VI_1) Strict mode does not support authentication. Ignoring.") || hasMessage(c, 0, "(VI_1) VRRP version 3 does not support authentication. Ignoring.") {
		t.Errorf("strict and VRRPv3: %v", c.Messages)
	}

	// keepalived's msg_109.conf: "(VI_1) VRRPv3 advertisement interval
	// 100.00s is out of range. Must be less than 40.96s. Setting to 40.95s"
	c = parse(t, instance(" version 3\n advert_int 100"))
	if in := only(t, c); in.AdvertInt != 40950*time.Millisecond || !hasMessage(c, 0, "(VI_1) VRRPv3 advertisement interval 100.00s is out of range. Must be less than 40.96s. Setting to 40.95s") {
		t.Errorf("advert_int 100 under VRRPv3: %v, %v", in.AdvertInt, c.Messages)
	}

	// keepalived's 1421.conf runs vrrp_garp_interval 10.456: "The
	// vrrp_garp_interval is very large - 10.456 seconds".
	c = parse(t, "global_defs {\n vrrp_garp_interval 10.456\n}\n")
	if c.Global.GarpInterval != 10456*time.Millisecond || !hasMessage(c, 2, "The vrrp_garp_interval is very large - 10.456 seconds") {
		t.Errorf("vrrp_garp_interval 10.456: %v, %v", c.Global.GarpInterval, c.Messages)
	}

	// "VRRP parsed invalid IP x.x.x.x. skipping IP..." for a gateway
	// (1940-full.conf); "VRRP parsed invalid IP track_group. skipping
	// IP..." in virtual_routes, while static_routes takes it (n1.conf).
	c = parse(t, "static_routes {\n 198.51.100.0/24 via 192.0.2.1 dev eth0 track_group g\n}\n"+
		instance(" virtual_routes {\n  203.0.113.0/24 via x.x.x.x\n  198.51.100.0/25 via 192.0.2.9 dev eth0 track_group g\n }"))
	for line, want := range map[int]string{8: "VRRP parsed invalid IP x.x.x.x. skipping IP...", 9: "VRRP parsed invalid IP track_group. skipping IP..."} {
		if !hasMessage(c, line, want) {
			t.Errorf("line %d: no %q in %v", line, want, c.Messages)
		}
	}
	if hasMessage(c, 2, "VRRP parsed invalid IP track_group. skipping IP...") {
		t.Errorf("static_routes takes track_group: %v", c.Messages)
	}

	// A peer address with a prefix: "VRRP parsed invalid IP
	// 198.51.100.1/16. skipping IP...", the address stays (850p.conf); a
	// peer drops the address's prefix: "Cannot specify address prefix when
	// specifying peer address - ignoring", keepalived runs 192.0.2.2.
	c = parse(t, "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.1/24 peer 198.51.100.1/16\n  192.0.2.2/24 peer 198.51.100.2\n }\n}\n")
	in := only(t, c)
	if !hasMessage(c, 5, "VRRP parsed invalid IP 198.51.100.1/16. skipping IP...") || !hasMessage(c, 6, "Cannot specify address prefix when specifying peer address - ignoring") {
		t.Errorf("peer messages: %v", c.Messages)
	}
	var vips []string
	for _, v := range in.VIPs {
		s := v.Prefix.String()
		if !v.HasLen {
			s = v.Prefix.Addr().String()
		}
		vips = append(vips, s)
	}
	if got := strings.Join(vips, " "); got != "192.0.2.1/24 192.0.2.2" {
		t.Errorf("VIPs %s, keepalived runs 192.0.2.1/24 192.0.2.2", got)
	}

	// A vrrp_script whose user does not exist: keepalived names a quoted
	// command word by word ("Unable to set uid/gid for script '/x/vs.sh'
	// 'scr0h'", check_align.4.conf), an unquoted one by its first word
	// (2009-test.conf).
	c = parse(t, "vrrp_script q {\n script \"/x/vs.sh scr0h\"\n user nobody-here\n}\nvrrp_script u {\n script /x/q.sh scr1\n user nobody-here\n}\n")
	for line, want := range map[int]string{3: "Unable to set uid/gid for script '/x/vs.sh' 'scr0h'", 7: "Unable to set uid/gid for script '/x/q.sh'"} {
		if !hasMessage(c, line, want) {
			t.Errorf("line %d: no %q in %v", line, want, c.Messages)
		}
	}
}
