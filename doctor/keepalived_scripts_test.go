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
