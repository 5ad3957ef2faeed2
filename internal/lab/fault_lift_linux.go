package lab

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// DropVRRPUntil is DropVRRP with iptables, for a while: the returned lift
// removes the rules again, as when a firewall is fixed (at most once; the
// test's cleanup lifts them when lift was not called).
func (h *Host) DropVRRPUntil(t testing.TB, dir Direction) (lift func()) {
	t.Helper()
	Require(t, NeedIptables)
	if dir != Input && dir != Output {
		t.Fatalf("lab: DropVRRPUntil: bad direction %v", dir)
	}
	chain := strings.ToUpper(dir.String())
	rule := []string{"-w", "5", "-p", "112", "-m", "comment", "--comment", "vklab-lift", "-j", "DROP"}
	bins := []string{"iptables", "ip6tables"}
	ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
	defer cancel()
	for _, bin := range bins {
		if _, err := h.Run(ctx, bin, append([]string{"-I", chain}, rule...)...); err != nil {
			t.Fatalf("lab: %v", err)
		}
	}
	var once sync.Once
	lift = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), faultTimeout)
			defer cancel()
			for _, bin := range bins {
				if _, err := h.Run(ctx, bin, append([]string{"-D", chain}, rule...)...); err != nil {
					t.Errorf("lab: lift fault: %v", err)
				}
			}
		})
	}
	t.Cleanup(lift)
	return lift
}
