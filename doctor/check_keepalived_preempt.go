package doctor

import "context"

var checkKeepalivedNopreempt = Check{
	ID:   "keepalived-master-nopreempt",
	Area: AreaKeepalived,
	Doc: `Reads state and nopreempt of each instance. keepalived honours nopreempt only with
"state BACKUP": with "state MASTER" it logs a warning and preempts anyway, so the VIP
moves back when this node returns, which nopreempt was meant to prevent. Fix: "state
BACKUP" on every node, with priorities deciding the first master.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		for _, in := range c.Instances {
			if in.Nopreempt && in.State == "MASTER" {
				out = append(out, Result{Status: Warn, Subject: in.Name,
					Message:  "state MASTER with nopreempt: keepalived ignores nopreempt and preempts",
					Evidence: []string{in.Pos.String() + ": vrrp_instance " + in.Name + " state MASTER, nopreempt"},
					Fix:      "in vrrp_instance " + in.Name + " set: state BACKUP   (keep nopreempt)"})
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass, Message: "no instance combines state MASTER with nopreempt"})
		}
		return out
	},
}
