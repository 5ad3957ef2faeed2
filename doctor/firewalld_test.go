package doctor_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// The firewall-cmd outputs follow firewalld 1.3 (Debian 12, RHEL 9): a
// zone's --list-all prints "name (active)" then indented "key: value" lines,
// rich rules one per line after "rich rules:", indented by a tab.
const zoneHead = "public (active)\n  target: default\n  icmp-block-inversion: no\n  interfaces: eth0\n  sources: \n  services: dhcpv6-client ssh\n  ports: \n"

func TestFirewalld(t *testing.T) {
	cases := []struct {
		name   string
		zone   string // --list-all of zone public
		direct string
		conf   string
		want   doctor.Status
		has    string
	}{
		{"no-vrrp", zoneHead + "  protocols: \n  forward: yes\n  masquerade: no\n  rich rules: \n", "", "", doctor.Fail,
			`firewall-cmd --permanent --zone=public --add-rich-rule='rule family="ipv4" protocol value="vrrp" accept'`},
		{"protocol-vrrp", zoneHead + "  protocols: vrrp\n  rich rules: \n", "", "", doctor.Pass, "protocols: vrrp"},
		{"rich-rule-112", zoneHead + "  protocols: \n  rich rules: \n\trule protocol value=\"112\" accept\n", "", "", doctor.Pass, "rich rule"},
		{"rich-rule-other-source", zoneHead + "  protocols: \n  rich rules: \n\trule family=\"ipv4\" source address=\"198.51.100.0/24\" protocol value=\"vrrp\" accept\n", "",
			"vrrp_instance V {\n interface eth0\n virtual_router_id 1\n unicast_peer {\n  192.0.2.12\n }\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n",
			doctor.Fail, `source address="192.0.2.12"`},
		{"direct-drop", zoneHead + "  protocols: vrrp\n  rich rules: \n", "ipv4 filter INPUT 0 -p vrrp -j DROP\n", "", doctor.Fail, "direct rule"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				doctor.CommandFile("firewall-cmd", "--state"):                     {Data: []byte("running\n")},
				doctor.CommandFile("firewall-cmd", "--get-active-zones"):          {Data: []byte("public\n  interfaces: eth0\n")},
				doctor.CommandFile("firewall-cmd", "--get-default-zone"):          {Data: []byte("public\n")},
				doctor.CommandFile("firewall-cmd", "--zone=public", "--list-all"): {Data: []byte(c.zone)},
				doctor.CommandFile("firewall-cmd", "--direct", "--get-all-rules"): {Data: []byte(c.direct)},
				doctor.CommandFile("ip", "-j", "-d", "addr", "show"):              {Data: []byte(`[{"ifname":"eth0","flags":["UP","MULTICAST"],"address":"02:00:00:00:01:01","addr_info":[{"family":"inet","local":"192.0.2.11","prefixlen":24}]}]`)},
			}
			if c.conf != "" {
				fsys["etc/keepalived/keepalived.conf"] = &fstest.MapFile{Data: []byte(c.conf)}
			}
			env := &doctor.Env{FS: fsys, Run: doctor.RecordedRunner{FS: fsys}}
			if c.conf == "" {
				env.Ifaces = []string{"eth0"}
			}
			var fw doctor.Check
			for _, ch := range doctor.Checks() {
				if ch.ID == "firewall-firewalld" {
					fw = ch
				}
			}
			rs := doctor.RunChecks(context.Background(), env, []doctor.Check{fw})
			if len(rs) != 1 || rs[0].Status != c.want {
				t.Fatalf("got %+v, want one %s", rs, c.want)
			}
			if txt := rs[0].Fix + strings.Join(rs[0].Evidence, "\n"); !strings.Contains(txt, c.has) {
				t.Errorf("fix/evidence %q lacks %q", txt, c.has)
			}
		})
	}
}
