package doctor_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// TestCommentedOpenBrace: "vrrp_instance VI_1 # {" makes keepalived 2.2.7
// print "(Line 5) Missing '{' at beginning of configuration block" and, from
// its other processes, "(Line 5) Unknown keyword 'state'" ... "(Line 12)
// Unknown keyword '}'" for each line of the block (keepalived -t exits 5),
// while its VRRP process runs VI_1 as written (keepalived -d: VRID 51,
// priority 150, 192.0.2.10). vrrpdoctor says so once, at the keyword's line,
// with keepalived's messages as evidence, and no spelling hint.
func TestCommentedOpenBrace(t *testing.T) {
	conf := "global_defs {\n  router_id n1\n}\nvrrp_instance VI_1 # {\n  state MASTER\n  interface eth0\n" +
		"  virtual_router_id 51\n  priority 150\n  virtual_ipaddress {\n    192.0.2.10\n  }\n}\n"
	env := &doctor.Env{
		FS:         fstest.MapFS{"etc/keepalived/keepalived.conf": {Data: []byte(conf)}},
		ConfigPath: "/etc/keepalived/keepalived.conf",
		ConfigID:   "node1",
		LintOnly:   true,
	}
	var got []doctor.Result
	for _, r := range doctor.RunChecks(context.Background(), env, doctor.OfflineChecks()) {
		if r.ID == "keepalived-config-syntax" {
			got = append(got, r)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d keepalived-config-syntax results, want 1: %+v", len(got), got)
	}
	r := got[0]
	const want = "vrrp_instance VI_1 has its '{' in a comment: keepalived -t fails with lines 5-12 as unknown keywords (its VRRP process reads the block anyway and runs it as written)"
	if r.Status != doctor.Fail || r.Subject != "/etc/keepalived/keepalived.conf:4" || r.Message != want {
		t.Errorf("%s %s %q, want fail at line 4: %q", r.Status, r.Subject, r.Message, want)
	}
	if !strings.Contains(r.Fix, "vrrp_instance VI_1 {") || strings.Contains(r.Fix, "spelling") {
		t.Errorf("fix %q", r.Fix)
	}
	ev := strings.Join(r.Evidence, "\n")
	for _, m := range []string{":5: keepalived 2.2 says: Missing '{' at beginning of configuration block",
		":5: keepalived 2.2 says: Unknown keyword 'state'", ":10: keepalived 2.2 says: Unknown keyword '192.0.2.10'",
		":12: keepalived 2.2 says: Unknown keyword '}'"} {
		if !strings.Contains(ev, m) {
			t.Errorf("evidence lacks %q:\n%s", m, ev)
		}
	}
}
