package doctor

import (
	"context"
	"fmt"
)

var checkKeepalivedAuthPass = Check{
	ID:   "keepalived-auth-pass-length",
	Area: AreaKeepalived,
	Doc: `Reads auth_pass in each vrrp_instance's authentication block. VRRPv2 simple-text
authentication carries 8 bytes: keepalived silently truncates a longer password, so
nodes whose passwords differ only after the 8th character still agree, and a peer that
does not truncate (or an operator comparing configs) disagrees. VRRPv3 has no
authentication at all and keepalived ignores the block. Fix: use at most 8 characters.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		for _, in := range c.Instances {
			if in.AuthType == "" && in.AuthPass == "" {
				continue
			}
			switch {
			case in.Version == 3:
				out = append(out, Result{Status: Warn, Subject: in.Name,
					Message:  "authentication is set but VRRPv3 has none; keepalived ignores it",
					Evidence: []string{fmt.Sprintf("%s: auth_type %s with vrrp_version 3", in.AuthPos, in.AuthType)},
					Fix:      "remove the authentication block from vrrp_instance " + in.Name})
			case len(in.AuthPass) > 8:
				out = append(out, Result{Status: Warn, Subject: in.Name,
					Message:  fmt.Sprintf("auth_pass is %d characters; keepalived truncates it to 8 on the wire", len(in.AuthPass)),
					Evidence: []string{fmt.Sprintf("%s: auth_pass %s (%d characters)", in.AuthPos, mask(in.AuthPass), len(in.AuthPass))},
					Fix:      fmt.Sprintf("in vrrp_instance %s (%s) shorten auth_pass to its first 8 characters, the same on every node", in.Name, in.AuthPos)})
			default:
				out = append(out, Result{Status: Pass, Subject: in.Name,
					Message: fmt.Sprintf("auth_pass is %d characters", len(in.AuthPass))})
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no instance uses authentication"})
		}
		return out
	},
}

// mask hides a password in evidence, keeping its length visible.
func mask(s string) string {
	if len(s) <= 2 {
		return "**"
	}
	b := []byte(s)
	for i := 1; i < len(b)-1; i++ {
		b[i] = '*'
	}
	return string(b)
}
