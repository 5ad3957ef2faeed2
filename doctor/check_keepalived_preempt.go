package doctor

import (
	"context"
	"strings"
)

var checkKeepalivedNopreempt = Check{
	ID:      "keepalived-master-nopreempt",
	Area:    AreaKeepalived,
	Offline: true,
	Doc: `Reads state, priority and nopreempt of each vrrp_instance. keepalived clears
nopreempt on an instance with state MASTER ("nopreempt will not work with initial state
MASTER - clearing") or priority 255: the node takes the VIP back as soon as it returns,
which is the failover nopreempt was meant to prevent. Fix: state BACKUP on every node
and a priority below 255, keeping nopreempt; priorities alone then decide the first
master.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		for _, m := range c.Messages {
			in := messageInstance(c, m)
			if !strings.Contains(m.Text, "nopreempt") || in == nil {
				continue
			}
			out = append(out, Result{Status: Warn, Subject: in.Name,
				Message:  "keepalived ignores nopreempt and preempts: " + m.Text,
				Evidence: []string{m.Pos.String() + ": " + m.Text},
				Fix:      "set state BACKUP (and a priority below 255) in that vrrp_instance, keep nopreempt"})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "no instance has a nopreempt keepalived clears"})
		}
		return out
	},
}
