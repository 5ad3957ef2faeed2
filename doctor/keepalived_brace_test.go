package doctor_test

import (
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// TestCommentedOpenBrace: a block keyword whose '{' is in a comment. Each
// configuration was run through keepalived 2.2.7: its VRRP process reads
// the block anyway (keepalived -d: VI_1 with VRID 51, priority 150,
// 192.0.2.10), while its other processes print every later line of the
// block as an unknown keyword and keepalived -t exits 5. vrrpdoctor says so
// once, at the keyword's line, with keepalived's messages as evidence and no
// spelling hint; a plain typo keeps its hint.
func TestCommentedOpenBrace(t *testing.T) {
	cases := []struct {
		name, conf string
		subject    string // "" no such finding
		message    string
		evidence   []string // keepalived's messages (keepalived -t)
	}{
		{"instance", "global_defs {\n  router_id n1\n}\nvrrp_instance VI_1 # {\n  state MASTER\n  interface eth0\n" +
			"  virtual_router_id 51\n  priority 150\n  virtual_ipaddress {\n    192.0.2.10\n  }\n}\n",
			":4", "vrrp_instance VI_1 has its '{' in a comment: keepalived -t fails with lines 5-12 as unknown keywords (its VRRP process reads the block anyway and runs it as written)",
			[]string{":5: keepalived 2.2 says: Missing '{' at beginning of configuration block",
				":5: keepalived 2.2 says: Unknown keyword 'state'", ":10: keepalived 2.2 says: Unknown keyword '192.0.2.10'",
				":12: keepalived 2.2 says: Unknown keyword '}'"}},
		// keepalived prints no "Missing '{'" for a value block: "(Line 7)
		// Unknown keyword 'priority'", "(Line 8) Extra '}' found", "(Line 8)
		// Unknown keyword '}'", exit status 5; keepalived -d: priority 150
		// and 192.0.2.10 configured.
		{"value block", "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress # {\n" +
			"    192.0.2.10\n  }\n  priority 150\n}\n",
			":4", "virtual_ipaddress has its '{' in a comment: keepalived -t fails with lines 7-8 as unknown keywords (its VRRP process reads the block anyway and runs it as written)",
			[]string{":7: keepalived 2.2 says: Unknown keyword 'priority'", ":8: keepalived 2.2 says: Unknown keyword '}'"}},
		{"a typo", "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress { # VIPs {\n" +
			"    192.0.2.10\n  }\n  priorty 150\n}\n", "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []doctor.Result
			for _, r := range lint(tc.conf) {
				if r.ID == "keepalived-config-syntax" {
					got = append(got, r)
				}
			}
			if tc.subject == "" {
				for _, r := range got {
					if strings.Contains(r.Message, "in a comment") || strings.Contains(r.Message, "no '{'") {
						t.Errorf("%s %q", r.Subject, r.Message)
					}
				}
				if len(got) != 1 || !strings.Contains(got[0].Fix, "correct the spelling") {
					t.Errorf("want one spelling hint: %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d keepalived-config-syntax results, want 1: %+v", len(got), got)
			}
			r := got[0]
			if r.Status != doctor.Fail || r.Subject != "/etc/keepalived/keepalived.conf"+tc.subject || r.Message != tc.message {
				t.Errorf("%s %s %q, want fail at %s: %q", r.Status, r.Subject, r.Message, tc.subject, tc.message)
			}
			if !strings.Contains(r.Fix, "{") || strings.Contains(r.Fix, "spelling") {
				t.Errorf("fix %q", r.Fix)
			}
			ev := strings.Join(r.Evidence, "\n")
			for _, m := range tc.evidence {
				if !strings.Contains(ev, m) {
					t.Errorf("evidence lacks %q:\n%s", m, ev)
				}
			}
		})
	}
}
