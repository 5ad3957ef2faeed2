package doctor_test

import (
	"testing"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// TestUnquotedScriptLine: keepalived 2.2.7 runs only the first word of an
// unquoted vrrp_script line and says nothing (keepalived -d on "script
// /usr/bin/killall -0 haproxy": "Command = '/usr/bin/killall'"), so
// keepalived-script-line warns at the line under --lint and shows the
// quoted line; a quoted command passes.
func TestUnquotedScriptLine(t *testing.T) {
	cases := []struct {
		name, line string
		warn       string // "" no warning
		fix        string
	}{
		{"unquoted", `script /usr/bin/killall -0 haproxy`,
			"vrrp_script chk runs /usr/bin/killall without -0 haproxy: keepalived takes the first word of an unquoted script line and drops the rest",
			`quote the whole command in /etc/keepalived/keepalived.conf:2: script "/usr/bin/killall -0 haproxy"`},
		{"a word with a blank", `script /usr/bin/pgrep -f 'haproxy -W'`,
			"vrrp_script chk runs /usr/bin/pgrep without -f haproxy -W: keepalived takes the first word of an unquoted script line and drops the rest",
			`quote the whole command in /etc/keepalived/keepalived.conf:2: script "/usr/bin/pgrep -f 'haproxy -W'"`},
		{"quoted", `script "/usr/bin/killall -0 haproxy"`, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conf := "vrrp_script chk {\n " + tc.line + "\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n" +
				" virtual_ipaddress {\n  192.0.2.100/24\n }\n track_script {\n  chk\n }\n}\n"
			var warns []doctor.Result
			pass := false
			for _, r := range lint(conf) {
				if r.ID != "keepalived-script-line" {
					continue
				}
				switch r.Status {
				case doctor.Warn:
					warns = append(warns, r)
				case doctor.Pass:
					pass = true
				}
			}
			if tc.warn == "" {
				if len(warns) > 0 || !pass {
					t.Errorf("warnings %v, pass %v", warns, pass)
				}
				return
			}
			if len(warns) != 1 || warns[0].Message != tc.warn || warns[0].Fix != tc.fix {
				t.Errorf("warnings %+v, want %q with fix %q", warns, tc.warn, tc.fix)
			}
		})
	}
}

// TestScriptBelowInstance: a vrrp_script written below the instance that
// tracks it is not found by keepalived 2.2.7, which looks it up as it reads
// (keepalived -t: "(Line 6) (VI_1) track script chk not found,
// ignoring..."), so the instance runs without its health check: a
// failure that names where the script is and to move it; a track_script
// naming no script at all keeps the warning to define it.
func TestScriptBelowInstance(t *testing.T) {
	inst := "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.100/24\n }\n track_script {\n  chk\n }\n}\n"
	script := "vrrp_script chk {\n script \"/bin/true\"\n weight 10\n}\n"
	cases := []struct {
		name, conf string
		status     doctor.Status
		fix        string
	}{
		{"below", inst + script, doctor.Fail, "move the vrrp_script block at /etc/keepalived/keepalived.conf:11 above the vrrp_instance: keepalived 2.2 looks a track_script up as it reads /etc/keepalived/keepalived.conf:8, so the vrrp_instance runs without that check (its VIP never moves when the check fails)"},
		{"absent", inst, doctor.Warn, "define the vrrp_script named in track_script at /etc/keepalived/keepalived.conf:8 or correct the name"},
		{"above", script + inst, doctor.Pass, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []doctor.Result
			for _, r := range lint(tc.conf) {
				if r.ID == "keepalived-config-syntax" && (r.Status != doctor.Warn || r.Message != "SECURITY VIOLATION - scripts are being executed but script_security not enabled.") {
					got = append(got, r)
				}
			}
			if len(got) != 1 || got[0].Status != tc.status || got[0].Fix != tc.fix {
				t.Fatalf("keepalived-config-syntax: %+v\nwant one %v with fix %q", got, tc.status, tc.fix)
			}
			if tc.status != doctor.Pass && got[0].Message != "(VI_1) track script chk not found, ignoring..." {
				t.Errorf("message %q: keepalived says \"(VI_1) track script chk not found, ignoring...\"", got[0].Message)
			}
		})
	}
}
