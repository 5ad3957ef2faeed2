package doctor

import (
	"context"
	"fmt"
	"math"
)

var checkKeepalivedAdvertInt = Check{
	ID:   "keepalived-advert-int",
	Area: AreaKeepalived,
	Doc: `Reads advert_int and the VRRP version of each instance. VRRPv2 carries the advert
interval in whole seconds: below 1 s (or a fraction) cannot be sent, keepalived rounds it
and peers compute a different master-down interval. VRRPv3 carries centiseconds up to
40.95 s. Fix: an integer advert_int of at least 1 with VRRPv2, or vrrp_version 3 on
every node for sub-second adverts.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		for _, in := range c.Instances {
			ev := []string{fmt.Sprintf("%s: vrrp_instance %s advert_int %g, VRRPv%d", in.Pos, in.Name, in.AdvertInt, in.Version)}
			switch {
			case in.Version == 2 && (in.AdvertInt < 1 || in.AdvertInt != math.Trunc(in.AdvertInt)):
				out = append(out, Result{Status: Fail, Subject: in.Name,
					Message:  fmt.Sprintf("advert_int %g cannot be sent with VRRPv2 (whole seconds only)", in.AdvertInt),
					Evidence: ev,
					Fix:      fmt.Sprintf("in vrrp_instance %s set: advert_int %d   (or vrrp_version 3 on every node)", in.Name, max(1, int(math.Round(in.AdvertInt))))})
			case in.Version == 3 && (in.AdvertInt < 0.01 || in.AdvertInt > 40.95):
				out = append(out, Result{Status: Fail, Subject: in.Name,
					Message:  fmt.Sprintf("advert_int %g is outside VRRPv3's 0.01-40.95 s", in.AdvertInt),
					Evidence: ev,
					Fix:      "in vrrp_instance " + in.Name + " set advert_int between 0.01 and 40.95"})
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "advert_int fits the VRRP version of every instance"})
		}
		return out
	},
}
