package doctor

import (
	"context"
	"fmt"
	"strings"
)

var checkKeepalivedAuthPass = Check{
	ID:      "keepalived-auth-pass-length",
	Area:    AreaKeepalived,
	Offline: true,
	Doc: `Reads the authentication block of each instance as keepalived applies it. VRRPv2
simple-text authentication carries 8 bytes: keepalived truncates a longer auth_pass
("Truncating auth_pass to 8 characters"), so nodes whose passwords differ only after the
8th character still agree while their files disagree. keepalived ignores the block of a
VRRPv3 instance (every IPv6 instance runs VRRPv3, whatever its version says) and under
vrrp_strict. A '!' or '#' in an unquoted auth_pass starts a comment: the password ends
there ("auth_pass keep0ut!" is keep0ut), which keepalived does not mention: warned.
Fix: at most 8 characters, quoted if they include '!' or '#'; no authentication block
where keepalived ignores it.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		for _, in := range c.Instances {
			a := in.Auth
			if a.Written == "" && a.WrittenPass == "" {
				continue
			}
			switch {
			case a.Written != "" && a.Type == "":
				why := "VRRPv3 has no authentication"
				if in.Version == 2 {
					why = "vrrp_strict does not allow authentication"
				} else if in.Family == 6 {
					why = "an IPv6 instance runs VRRPv3, which has no authentication"
				}
				out = append(out, Result{Status: Warn, Subject: in.Name,
					Message:  "keepalived ignores the authentication block: " + why,
					Evidence: []string{fmt.Sprintf("%s: auth_type %s, VRRPv%d", a.Pos, a.Written, in.Version)},
					Fix:      "remove the authentication block from vrrp_instance " + in.Name + " (on every node)"})
			case a.Type == "PASS" && cutAtComment(rawLine(env, a.Pos)):
				// keepalived itself says nothing: the password is simply
				// shorter than written, and a node whose file has the
				// character elsewhere (or quoted) sends another one.
				out = append(out, Result{Status: Warn, Subject: in.Name,
					Message:  fmt.Sprintf("auth_pass is cut at a '!' or '#', which starts a comment: keepalived sends only the %d characters before it", len(a.Pass)),
					Evidence: []string{fmt.Sprintf("%s: auth_pass %s as keepalived reads it (%d characters); the rest of the word is a comment", a.Pos, mask(a.Pass), len(a.Pass))},
					Fix:      fmt.Sprintf("in vrrp_instance %s (%s) put the password in \"double quotes\" or drop the '!'/'#', the same on every node", in.Name, a.Pos)})
			case len(a.WrittenPass) > 8:
				out = append(out, Result{Status: Warn, Subject: in.Name,
					Message:  fmt.Sprintf("auth_pass is %d characters; keepalived truncates it to 8 on the wire", len(a.WrittenPass)),
					Evidence: []string{fmt.Sprintf("%s: auth_pass %s (%d characters)", a.Pos, mask(a.WrittenPass), len(a.WrittenPass))},
					Fix:      fmt.Sprintf("in vrrp_instance %s (%s) shorten auth_pass to its first 8 characters, the same on every node", in.Name, a.Pos)})
			case a.Type == "PASS":
				out = append(out, Result{Status: Pass, Subject: in.Name,
					Message: fmt.Sprintf("auth_pass is %d characters", len(a.Pass))})
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

// cutAtComment says whether an auth_pass line, as written, has its password
// cut by a comment character inside the word ("auth_pass keep0ut!"), not a
// comment after it ("auth_pass secret # comment") nor a quoted one.
func cutAtComment(raw string) bool {
	rest := strings.TrimLeft(afterKeyword(raw, "auth_pass"), " \t")
	if strings.HasPrefix(rest, "\"") {
		return false
	}
	word, _, _ := strings.Cut(strings.ReplaceAll(rest, "\t", " "), " ")
	return strings.IndexAny(word, "!#") > 0
}
