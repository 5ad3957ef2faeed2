package probe

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

func TestPlanJoin(t *testing.T) {
	v2 := []Heard{heardV2(0, lo4, 150), heardV2(time.Second, lo4, 150)}
	v3 := []Heard{{At: t0, Src: lo4, VRID: 51, Priority: 150, Version: decode.V3, Interval: 500 * time.Millisecond,
		VIPs: v2[0].VIPs, Checksum: decode.FlavourMessageOnly}}
	ah := []Heard{{At: t0, Src: lo4, VRID: 51, Priority: 150, Version: decode.V2, Interval: time.Second, VIPs: v2[0].VIPs, AuthType: decode.AuthAH}}
	base := JoinRequest{VRID: 51, Family: decode.IPv4, Priority: 200}
	with := func(mod func(*JoinRequest)) JoinRequest { r := base; mod(&r); return r }
	for _, tc := range []struct {
		name  string
		req   JoinRequest
		heard []Heard
		check func(*JoinPlan) bool
		err   string
	}{
		{"silent: v3 at 1s", with(func(r *JoinRequest) { r.VIPs = v2[0].VIPs }), nil,
			func(p *JoinPlan) bool { return p.Group == nil && p.Version == decode.V3 && p.Interval == time.Second }, ""},
		{"silent without VIPs", base, nil, nil, "no --vip given"},
		{"v2 PASS taken from the wire", with(func(r *JoinRequest) { r.AuthPass, r.AuthGiven = "secret12", true }), v2,
			func(p *JoinPlan) bool {
				return p.Version == decode.V2 && p.Interval == time.Second && p.AuthPass == "secret12" && len(p.VIPs) == 1
			}, ""},
		{"v2 PASS without password", base, v2, nil, "give it with --auth-pass-file"},
		{"v2 PASS wrong password", with(func(r *JoinRequest) { r.AuthPass, r.AuthGiven = "secret99", true }), v2, nil, "differs"},
		{"v3 asked of a v2 group", with(func(r *JoinRequest) { r.Version = decode.V3 }), v2, nil, "use --version 2 --auth-pass-file FILE, or --force"},
		{"forced", with(func(r *JoinRequest) { r.Version, r.Force = decode.V3, true }), v2,
			func(p *JoinPlan) bool { return p.Version == decode.V3 && len(p.Warnings) == 2 }, ""},
		{"v3 message-only checksum", base, v3,
			func(p *JoinPlan) bool {
				return p.Version == decode.V3 && p.Interval == 500*time.Millisecond && p.Checksum == decode.FlavourMessageOnly
			}, ""},
		{"password for a group without auth", with(func(r *JoinRequest) { r.AuthPass, r.AuthGiven = "x", true }), v3, nil, "use no --auth-pass"},
		{"AH", base, ah, nil, "IPsec AH"},
		{"two owners", with(func(r *JoinRequest) { r.Priority, r.AuthPass, r.AuthGiven = 255, "secret12", true }),
			[]Heard{heardV2(0, lo4, 255)}, nil, "two owners"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := PlanJoin(tc.req, tc.heard)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("the error shows a password: %v", err)
				}
				if strings.Contains(tc.err, "--force") && !errors.Is(err, ErrMismatch) {
					t.Errorf("%v is not an ErrMismatch", err)
				}
			case err != nil:
				t.Fatal(err)
			case !tc.check(p):
				t.Errorf("plan %+v", p)
			}
		})
	}
}
