// Package timers is VRRP's protocol arithmetic, once: Skew_Time and
// Master_Down_Interval as RFC 3768 section 6.1 (VRRPv2) and RFC 5798
// section 6.1 (VRRPv3) define them, and the range of
// Advertisement_Interval each version can carry. The tracker (track) and
// the speaker and drill (probe) both use it.
package timers

import (
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// SkewTime is the time a backup of priority prio waits beyond three
// intervals before it declares the master down, and the time it waits after
// a priority-0 advert: (256 − prio)/256 s in VRRPv2 (RFC 3768 6.1), and
// ((256 − prio) × Master_Adver_Interval)/256 in VRRPv3 (RFC 5798 6.1).
func SkewTime(v decode.Version, prio uint8, interval time.Duration) time.Duration {
	if v == decode.V2 {
		return time.Duration(256-int64(prio)) * time.Second / 256
	}
	return time.Duration(256-int64(prio)) * interval / 256
}

// MasterDownInterval is 3 × interval + SkewTime: how long a backup of
// priority prio waits for a silent master before it takes over
// (Master_Down_Interval, RFC 3768 6.1, RFC 5798 6.1).
func MasterDownInterval(v decode.Version, prio uint8, interval time.Duration) time.Duration {
	return 3*interval + SkewTime(v, prio, interval)
}

// IntervalRange is the Advertisement_Interval a version can carry: VRRPv2
// whole seconds 1-255 (RFC 3768 5.3.7), VRRPv3 centiseconds 1-4095 (RFC
// 5798 5.2.7: 10 ms to 40.95 s).
func IntervalRange(v decode.Version) (lo, hi time.Duration) {
	if v == decode.V2 {
		return time.Second, 255 * time.Second
	}
	return 10 * time.Millisecond, 4095 * 10 * time.Millisecond
}
