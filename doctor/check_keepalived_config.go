package doctor

import (
	"context"
	"strings"
)

var checkKeepalivedConfig = Check{
	ID:   "keepalived-config-syntax",
	Area: AreaKeepalived,
	Doc: `Reads keepalived.conf (--config, default /etc/keepalived/keepalived.conf) and every
include. An unbalanced brace or a missing include makes keepalived ignore or misread
whole blocks, often silently. Fix the file and line named in the evidence; check with
"keepalived -t -f FILE".`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		ev := []string{"read " + strings.Join(c.Files, ", ")}
		if len(c.Problems) == 0 {
			return []Result{{Status: Pass, Message: "parsed " + plural(len(c.Instances), "vrrp_instance"), Evidence: ev}}
		}
		for _, p := range c.Problems {
			ev = append(ev, p.Pos.String()+": "+p.Msg)
		}
		return []Result{{Status: Fail, Message: plural(len(c.Problems), "problem") + " in the configuration",
			Evidence: ev, Fix: "correct the lines above, then check with: keepalived -t -f " + c.Files[0]}}
	},
}

// keepalivedOrSkip returns the parsed configuration, or the result saying
// why there is none.
func keepalivedOrSkip(env *Env) (*KeepalivedConfig, []Result) {
	c, err := env.Keepalived()
	if err != nil {
		return nil, []Result{skipped(err, "")}
	}
	return c, nil
}
