package lab_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/internal/lab"
)

func TestFRRState(t *testing.T) {
	const line = "2026/11/22 03:23:09.667 VRRP: [W23ZH-NY264] [CORE] [VRID 5] [IPv4] Backup -> Master"
	for _, c := range []struct {
		vrid, fam int
		state     string
		line      string
		want      bool
	}{
		{5, 4, "Master", line, true},
		{5, 6, "Master", line, false},
		{55, 4, "Master", line, false},
		{5, 4, "Backup", line, false},
		{5, 4, "Master", "[VRID 5] [IPv4] Master -> Initialize", false},
		{5, 4, "Backup", "[VRID 5] [IPv4] Initialize -> Backup", true},
	} {
		if got := lab.FRRState(c.vrid, c.fam, c.state).MatchString(c.line); got != c.want {
			t.Errorf("FRRState(%d, %d, %q) on %q = %v, want %v", c.vrid, c.fam, c.state, c.line, got, c.want)
		}
	}
}

func TestConfs(t *testing.T) {
	inst := lab.VRRPInstance{
		VRID:     5,
		Priority: 200,
		VIPs:     []netip.Prefix{netip.MustParsePrefix("192.0.2.105/24"), netip.MustParsePrefix("2001:db8:1::105/64")},
	}
	want := "interface eth0\n vrrp 5 version 3\n vrrp 5 priority 200\n vrrp 5 ip 192.0.2.105\n vrrp 5 ipv6 2001:db8:1::105\n!\n"
	if got := lab.FRRConf(inst); got != want {
		t.Errorf("FRRConf:\n%s\nwant:\n%s", got, want)
	}
	ka := lab.KeepalivedConf(lab.VRRPInstance{Version: 2, VRID: 51, Priority: 150, AuthPass: "vrrpkit", VIPs: inst.VIPs[:1]})
	for _, want := range []string{"vrrp_version 2", "vrrp_instance VI_51 {", "virtual_router_id 51", "priority 150", "auth_type PASS", "auth_pass vrrpkit", "192.0.2.105/24", "interface eth0"} {
		if !strings.Contains(ka, want) {
			t.Errorf("KeepalivedConf lacks %q:\n%s", want, ka)
		}
	}
	if ka := lab.KeepalivedConf(inst); !strings.Contains(ka, "vrrp_instance VI6_5 {") || strings.Count(ka, "vrrp_instance") != 2 {
		t.Errorf("KeepalivedConf of a dual-stack instance:\n%s", ka)
	}
}
