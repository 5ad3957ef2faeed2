package doctor

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/vrrpkit/vrrpkit/daemons"
)

var checkDaemonKeepalivedTracking = Check{
	ID:   "daemon-keepalived-tracking",
	Area: AreaDaemon,
	Doc: `Compares the track_script lines of keepalived.conf with the scripts keepalived
actually runs (its data dump) and looks at each running script's status. keepalived
drops a script it cannot use without stopping: not found, not executable, or (with
enable_script_security) a file or directory a non-root user could change. A dropped
script's weight never applies, so the failover it was meant to cause never happens;
nothing but one log line says so. A running script that fails is named with its
command. Fix: install the script, chmod 755 it, chown root and chmod go-w it and every
directory above it, then reload keepalived; run a failing script by hand as keepalived
would.`,
	Run: func(ctx context.Context, env *Env) []Result {
		ins, rs := kaInstancesOrSkip(ctx, env, false)
		if ins == nil {
			return rs
		}
		out := rs
		c, _ := env.Keepalived()
		for _, ki := range ins {
			in, k := ki.in, ki.k
			var ev []string
			var bad, fixes []string
			for _, t := range in.TrackScripts {
				s := k.Script(t.Name)
				if s == nil {
					continue
				}
				ev = append(ev, fmt.Sprintf("track_script %s: %s, status %s, weight %d (rise %d, fall %d)", t.Name, s.Command, s.Status, t.Weight, s.Rise, s.Fall))
				if s.Status == "BAD" {
					bad = append(bad, fmt.Sprintf("track script %s fails: %s exits non-zero", t.Name, s.Command))
					fixes = append(fixes, fmt.Sprintf("run %s by hand (as root, from /) and repair what it checks", s.Command))
				}
			}
			var dropped bool
			if conf := env.confInstance(in.Name); conf != nil {
				for _, ct := range conf.TrackScripts {
					name := ct.Name
					if slices.ContainsFunc(in.TrackScripts, func(t daemons.Track) bool { return t.Name == name }) {
						continue
					}
					dropped = true
					why, fix := droppedScript(env, c, name)
					bad = append(bad, fmt.Sprintf("keepalived does not run track_script %s: %s; its weight never applies", name, why))
					fixes = append(fixes, fix)
				}
			}
			if len(bad) == 0 {
				if len(in.TrackScripts) == 0 {
					continue
				}
				out = append(out, Result{Status: Pass, Subject: in.Name, Message: fmt.Sprintf("%s running and passing", plural(len(in.TrackScripts), "track script")), Evidence: append([]string{sourceLine(k)}, ev...)})
				continue
			}
			msg := bad[0]
			if len(bad) > 1 {
				msg += fmt.Sprintf(" (and %d more)", len(bad)-1)
			}
			if dropped && c != nil {
				ev = append(ev, "the configuration is "+c.File)
			}
			out = append(out, Result{Status: Fail, Subject: in.Name, Message: msg, Evidence: append(append([]string{sourceLine(k)}, bad[1:]...), ev...), Fix: strings.Join(fixes, "\n")})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Skip, Message: "no running instance tracks a script"})
		}
		return out
	},
}

// droppedScript says why keepalived refused a configured script.
func droppedScript(env *Env, c *KeepalivedConfig, name string) (why, fix string) {
	if c == nil {
		return "not in keepalived's running state", "reload keepalived and read its log: journalctl -u keepalived | grep " + name
	}
	s := c.Script(name)
	if s == nil {
		return "no vrrp_script " + name + " is defined", "define vrrp_script " + name + " or fix the name in track_script"
	}
	prog := s.Argv()
	if len(prog) == 0 {
		return "vrrp_script " + name + " has no script line", "add script \"/absolute/path\" to vrrp_script " + name
	}
	p := prog[0]
	fi, err := fs.Stat(env.FS, strings.TrimPrefix(p, "/"))
	switch {
	case !path.IsAbs(p):
		return p + " is not an absolute path", "name the script by absolute path in " + s.Pos.String()
	case err != nil:
		return p + " does not exist", "install " + p + " (chmod 755), or fix the path in " + s.Pos.String()
	case fi.IsDir() || fi.Mode().Perm()&0o111 == 0:
		return p + " is not executable", "chmod 755 " + p
	}
	for d := p; d != "/"; d = path.Dir(d) {
		st, err := fs.Stat(env.FS, strings.TrimPrefix(d, "/"))
		if err != nil {
			break
		}
		if st.Mode().Perm()&0o022 != 0 && st.Mode()&fs.ModeSticky == 0 {
			return fmt.Sprintf("enable_script_security refuses it: %s is writable by group or others (mode %s)", d, st.Mode()),
				"chmod go-w " + d + "; chown root:root " + d + "   (then reload keepalived)"
		}
	}
	return "keepalived refused it (script_user missing, or the file changed since)", "reload keepalived and read its log: journalctl -u keepalived | grep " + name
}
