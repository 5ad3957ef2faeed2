package doctor

import (
	"context"
	"fmt"
	"strings"
)

var checkKeepalivedAdvertInt = Check{
	ID:      "keepalived-advert-int",
	Area:    AreaKeepalived,
	Offline: true,
	Doc: `Reads advert_int and the VRRP version each instance runs with. VRRPv2 carries the
advert interval in whole seconds and VRRPv3 in centiseconds (up to 40.95 s): keepalived
rounds any other value ("must be an integer. rounding", "must be in units of 10ms -
rounding") and runs with the rounded one, so the file says one interval and the wire
another. Fix: an integer advert_int with VRRPv2 (vrrp_version 3 on every node for
sub-second adverts), a multiple of 0.01 with VRRPv3.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		for _, m := range c.Messages {
			in := messageInstance(c, m)
			if !isAdvertMessage(m.Text) || in == nil {
				continue
			}
			out = append(out, Result{Status: Warn, Subject: in.Name,
				Message:  "keepalived rounds advert_int: " + m.Text,
				Evidence: []string{fmt.Sprintf("%s: %s", m.Pos, m.Text)},
				Fix:      "write the interval keepalived runs with at " + m.Pos.String() + " (whole seconds with VRRPv2, 10 ms steps with VRRPv3), the same on every node"})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "advert_int fits the VRRP version of every instance"})
		}
		return out
	},
}

// isAdvertMessage says a message is about rounding or capping advert_int.
func isAdvertMessage(t string) bool {
	return strings.Contains(t, "advertisement interval")
}
