package track

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
// priority prio waits for a silent master before it takes over.
func MasterDownInterval(v decode.Version, prio uint8, interval time.Duration) time.Duration {
	return 3*interval + SkewTime(v, prio, interval)
}
