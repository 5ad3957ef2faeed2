package doctor

import (
	"context"
	"fmt"
	"strings"
)

var checkKeepalivedScriptLine = Check{
	ID:      "keepalived-script-line",
	Area:    AreaKeepalived,
	Offline: true,
	Doc: `Reads each vrrp_script's script line as keepalived 2.2 does: it runs the first word
only (a quoted string is one word, split into program and arguments) and drops the rest
without a message. "script /usr/bin/killall -0 haproxy" runs killall with no
arguments, which always fails: the instance goes to FAULT (weight 0) or loses its
weight for good. Fix: quote the whole command, script "/usr/bin/killall -0 haproxy".`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		for _, s := range c.Scripts {
			if len(s.Ignored) == 0 {
				continue
			}
			// keepalived -d on script /usr/bin/killall -0 haproxy:
			// "Command = '/usr/bin/killall'".
			// The command as one quoted string; a dropped word with a blank
			// keeps its own quotes ('hap roxy').
			whole := s.Command
			for _, w := range s.Ignored {
				if strings.ContainsAny(w, " \t") {
					w = "'" + w + "'"
				}
				whole += " " + w
			}
			out = append(out, Result{Status: Warn, Subject: s.Name,
				Message:  fmt.Sprintf("vrrp_script %s runs %s without %s: keepalived takes the first word of an unquoted script line and drops the rest", s.Name, s.Command, strings.Join(s.Ignored, " ")),
				Evidence: []string{fmt.Sprintf("%s: script line of vrrp_script %s", s.Where["script"], s.Name)},
				Fix:      fmt.Sprintf("quote the whole command in %s: script \"%s\"", s.Where["script"], whole)})
		}
		if len(out) == 0 && len(c.Scripts) > 0 {
			out = append(out, Result{Status: Pass, Message: "every vrrp_script line is one command keepalived runs whole"})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no vrrp_script"})
		}
		return out
	},
}
