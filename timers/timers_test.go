package timers_test

import (
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/timers"
)

// The timers as the daemons in the bundled captures computed them.
func TestTimers(t *testing.T) {
	for _, tc := range []struct {
		v          decode.Version
		prio       uint8
		iv         time.Duration
		skew, down time.Duration
	}{
		// v2-failover: h2 priority 100, 1 s.
		{decode.V2, 100, time.Second, 609375 * time.Microsecond, 3609375 * time.Microsecond},
		// VRRPv2 ignores the interval in Skew_Time: (256-100)/256 s at 3 s.
		{decode.V2, 100, 3 * time.Second, 609375 * time.Microsecond, 9609375 * time.Microsecond},
		// v3-ipv4: h1 priority 150, 100 ms (its log: 0.341 s).
		{decode.V3, 150, 100 * time.Millisecond, 41406250, 341406250},
		// frr-v3: keepalived h3 priority 150 after FRR's 1 s (0.41 s skew).
		{decode.V3, 150, time.Second, 414062500, 3414062500},
		// A priority-255 owner: Skew_Time 1/256 of an interval.
		{decode.V3, 255, time.Second, 3906250, 3003906250},
	} {
		if got := timers.SkewTime(tc.v, tc.prio, tc.iv); got != tc.skew {
			t.Errorf("SkewTime(%v, %d, %v) = %v, want %v", tc.v, tc.prio, tc.iv, got, tc.skew)
		}
		if got := timers.MasterDownInterval(tc.v, tc.prio, tc.iv); got != tc.down {
			t.Errorf("MasterDownInterval(%v, %d, %v) = %v, want %v", tc.v, tc.prio, tc.iv, got, tc.down)
		}
	}
	if lo, hi := timers.IntervalRange(decode.V3); lo != 10*time.Millisecond || hi != 40950*time.Millisecond {
		t.Errorf("v3 range %v-%v", lo, hi)
	}
	if lo, hi := timers.IntervalRange(decode.V2); lo != time.Second || hi != 255*time.Second {
		t.Errorf("v2 range %v-%v", lo, hi)
	}
}
