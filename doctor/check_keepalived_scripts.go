package doctor

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/vrrpkit/vrrpkit/keepalived"
)

// scriptPath is where keepalived finds a command given without a path: it
// searches PATH as systemd starts it.
var scriptPath = keepalived.ScriptPath

var checkKeepalivedScripts = Check{
	ID:   "keepalived-track-script",
	Area: AreaKeepalived,
	Doc: `Reads the vrrp_script blocks the instances track and their notify scripts, and stats
each program (a command without a path is looked up in PATH, as keepalived does). A
missing or non-executable script fails every run: the instance goes to FAULT or its
weight never applies. With enable_script_security keepalived refuses a script that a
non-root user could change (the file or any directory above it writable by group or
others). Fix: install the script, chmod 755 it, make it and its directories root-owned
and not group/world-writable.`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		checked := map[string]bool{}
		check := func(owner string, s keepalived.Script) {
			prog := s.Argv()
			if len(prog) == 0 {
				out = append(out, Result{Status: Fail, Subject: owner, Message: s.Name + " has no script line",
					Evidence: []string{s.Pos.String()}, Fix: "add: script \"/absolute/path/to/check\" to vrrp_script " + s.Name})
				return
			}
			p := prog[0]
			if checked[p] {
				return
			}
			checked[p] = true
			ev := []string{fmt.Sprintf("%s: %s uses %q", s.Pos, s.Name, s.Command)}
			if !path.IsAbs(p) {
				found := ""
				for _, d := range scriptPath {
					if st, err := fs.Stat(env.FS, strings.TrimPrefix(d+"/"+p, "/")); err == nil && !st.IsDir() {
						found = d + "/" + p
						break
					}
				}
				if found == "" {
					out = append(out, Result{Status: Fail, Subject: owner, Message: p + " is not in PATH (" + strings.Join(scriptPath, ":") + ")",
						Evidence: ev, Fix: "install " + p + " or name it by absolute path in " + s.Pos.String()})
					return
				}
				ev = append(ev, p+" is "+found+" in PATH")
				p = found
			}
			fi, err := fs.Stat(env.FS, strings.TrimPrefix(p, "/"))
			if err != nil {
				out = append(out, Result{Status: Fail, Subject: owner, Message: p + " does not exist",
					Evidence: append(ev, err.Error()), Fix: "install " + p + " (and chmod 755 " + p + "), or fix the path in " + s.Pos.String()})
				return
			}
			ev = append(ev, fmt.Sprintf("%s mode %s", p, fi.Mode()))
			if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
				out = append(out, Result{Status: Fail, Subject: owner, Message: p + " is not executable",
					Evidence: ev, Fix: "chmod 755 " + p})
				return
			}
			if c.Global.EnableScriptSecurity {
				for d := p; d != "/"; d = path.Dir(d) {
					st, err := fs.Stat(env.FS, strings.TrimPrefix(d, "/"))
					if err != nil {
						break
					}
					if st.Mode().Perm()&0o022 != 0 && st.Mode()&fs.ModeSticky == 0 {
						out = append(out, Result{Status: Fail, Subject: owner,
							Message:  fmt.Sprintf("enable_script_security refuses %s: %s is writable by group or others", p, d),
							Evidence: append(ev, fmt.Sprintf("%s mode %s", d, st.Mode())),
							Fix:      "chmod go-w " + d + "; chown root:root " + d})
						return
					}
				}
			}
			out = append(out, Result{Status: Pass, Subject: owner, Message: p + " exists and is executable", Evidence: ev})
		}
		for _, in := range c.Instances {
			for _, t := range in.TrackScripts {
				// A track_script naming no vrrp_script is keepalived's own
				// message, reported by keepalived-config-syntax.
				if s := c.Script(t.Name); s != nil {
					check(in.Name, *s)
				}
			}
			for _, s := range in.Notify {
				check(in.Name, s)
			}
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no track or notify scripts"})
		}
		return out
	},
}
