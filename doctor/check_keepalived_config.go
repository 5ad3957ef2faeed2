package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/vrrpkit/vrrpkit/keepalived"
)

var checkKeepalivedConfig = Check{
	ID:      "keepalived-config-syntax",
	Area:    AreaKeepalived,
	Offline: true,
	Doc: `Reads keepalived.conf (--config, default /etc/keepalived/keepalived.conf) and every
include as keepalived 2.2 does (comments anywhere outside quotes, the @id/$PARAM/~SEQ
preprocessor, includes relative to the including file, its own keyword tables) and
reports, with file and line, what keepalived itself prints while reading it and that
changes what the daemon runs: an unknown keyword (a typo is silently dropped, and a '{'
after it is ignored so its '}' closes the enclosing block early), an include that
matches no file, a value out of range or replaced by a default, "state master" or
"auth_type pass" in lower case (not accepted: BACKUP, no authentication), an address of
the wrong family, a second instance of the same name (skipped), a script dropped for
want of a script_user, scripts run as root without enable_script_security. It fails a
track_script whose vrrp_script is written below the instance (keepalived 2.2 looks it
up as it reads, and runs the instance without that health check), and it fails
what makes keepalived refuse the whole configuration and run no instance at all: an
instance without interface or virtual_router_id, a VRRPv3 or strict instance without a
VIP, two multicast instances with one VRID on one interface, an interface name no host
can have (ens18:1). Fix the file and line named in the evidence; check with
"keepalived -t -f FILE".`,
	Run: func(_ context.Context, env *Env) []Result {
		c, rs := keepalivedOrSkip(env)
		if c == nil {
			return rs
		}
		var out []Result
		told := map[int]bool{} // messages a missing '{' finding stands for
		for i, m := range c.Messages {
			if otherCheck(m) || told[i] {
				continue
			}
			if r, ok := missingOpen(env, c.Messages, i, told); ok {
				out = append(out, r)
				continue
			}
			st := Warn
			switch {
			case belowScript(c, m) != nil: // a health check silently off
				st = Fail
			case m.Kind == keepalived.KindSyntax, m.Kind == keepalived.KindInclude, m.Kind == keepalived.KindPreprocessor, m.Kind == keepalived.KindFatal,
				strings.Contains(m.Text, "already defined"): // a whole instance skipped
				st = Fail
			}
			out = append(out, Result{Status: st, Subject: m.Pos.String(), Message: m.Text,
				Evidence: []string{fmt.Sprintf("%s: keepalived 2.2 says: %s", m.Pos, m.Text)},
				Fix:      messageFix(c, m)})
		}
		if len(out) == 0 {
			out = append(out, Result{Status: Pass,
				Message:  "keepalived reads it as written: " + plural(len(c.Instances), "vrrp_instance"),
				Evidence: []string{"read " + strings.Join(c.Files, ", ")}})
		}
		return out
	},
}

// otherCheck says whether a keepalived message is reported by a check of its
// own (auth_pass, advert_int, nopreempt), with a more specific fix.
func otherCheck(m keepalived.Message) bool {
	return m.Kind == keepalived.KindTruncated ||
		strings.Contains(m.Text, "does not support authentication") ||
		isAdvertMessage(m.Text) ||
		strings.Contains(m.Text, "nopreempt")
}

// messageFix says what to change for a keepalived message.
func messageFix(c *KeepalivedConfig, m keepalived.Message) string {
	const refuses = ": keepalived refuses the whole configuration and runs no instance until then"
	switch t := m.Text; {
	case strings.HasSuffix(t, "Unknown interface!"):
		return "add \"interface IF\" to the vrrp_instance at " + m.Pos.String() + " (keepalived 2.2.7 needs one even with unicast peers; default_interface does not apply)" + refuses
	case strings.HasSuffix(t, "the virtual router id must be set"):
		return "add \"virtual_router_id N\" (1-255, the same on every node) to the vrrp_instance at " + m.Pos.String() + refuses
	case strings.HasSuffix(t, "No VIP specified; at least one is required"):
		return "add a virtual_ipaddress block with at least one address at " + m.Pos.String() + " (VRRPv3 and vrrp_strict require one)" + refuses
	case strings.Contains(t, " both use VRID "):
		return "give one of the two instances (" + m.Pos.String() + ") another virtual_router_id, unicast peers or another mcast_dst_ip" + refuses
	case m.Kind == keepalived.KindFatal && strings.HasPrefix(t, "WARNING - interface"):
		return "no interface can have that name (at most 15 characters, no ':' or '/'; ens18:1 is an address label on ens18): name the interface itself at " + m.Pos.String() + refuses
	case strings.HasPrefix(t, "Unknown keyword '}'"):
		return "a '}' closes nothing here (an unknown keyword's '{' was ignored before it): fix the keyword above " + m.Pos.String() + " or remove the brace"
	case strings.HasPrefix(t, "Unknown keyword"):
		return "correct the spelling at " + m.Pos.String() + " (keywords are case-sensitive), or remove the line; keepalived ignores it"
	case strings.HasPrefix(t, "Unexpected '{'"):
		return "the block at " + m.Pos.String() + " belongs to an unknown keyword: its '}' closes the enclosing block; fix the keyword"
	case strings.HasPrefix(t, "Config files missing"):
		return "create the included file or correct the pattern at " + m.Pos.String() + " (relative to the including file's directory)"
	case strings.Contains(t, "unknown state"):
		return "write the state in capitals at " + m.Pos.String() + ": state MASTER or state BACKUP"
	case strings.Contains(t, "unknown authentication type"):
		return "write auth_type PASS (or AH) in capitals at " + m.Pos.String()
	case strings.Contains(t, "already defined"):
		return "rename or remove the second definition at " + m.Pos.String() + "; keepalived skips it"
	case strings.HasPrefix(t, "Unable to set uid/gid for script"):
		return "the user (or group) of the vrrp_script at " + m.Pos.String() + " does not exist on this host: create it or correct the name; keepalived drops the script"
	case strings.HasPrefix(t, "Invalid user/group for notify script"):
		return "keepalived reads the words after an unquoted notify script as its user and group: quote the command with its arguments (\"/path/script arg\") at " + m.Pos.String() + ", or name a user and group the host has"
	case strings.Contains(t, "Unable to set default user"):
		return "add script_user USER to global_defs (or user USER to the vrrp_script), or create the keepalived_script user: keepalived drops the script"
	case strings.HasPrefix(t, "SECURITY VIOLATION"):
		return "add enable_script_security and script_user keepalived_script to global_defs (and make the scripts root-owned, not writable by others)"
	case strings.Contains(t, "track script") && strings.Contains(t, "not found"):
		if sc := belowScript(c, m); sc != nil {
			block := "vrrp_sync_group"
			if messageInstance(c, m) != nil {
				block = "vrrp_instance"
			}
			return "move the vrrp_script block at " + sc.Pos.String() + " above the " + block + ": keepalived 2.2 looks a track_script up as it reads " +
				m.Pos.String() + ", so the " + block + " runs without that check (its VIP never moves when the check fails)"
		}
		return "define the vrrp_script named in track_script at " + m.Pos.String() + " or correct the name"
	case strings.Contains(t, "State MASTER must match being address owner"):
		return "vrrp_strict: only the address owner (priority 255) starts as MASTER and keepalived changes the state: write state BACKUP at " + m.Pos.String() + " (or priority 255 on the owner)"
	case strings.Contains(t, "accept mode for VRRP version 2"):
		return "vrrp_strict with VRRPv2 refuses accept: use version 3, or drop vrrp_strict"
	case strings.Contains(t, "Error setting global script uid/gid"):
		return "create the user named by script_user, or name an existing one at " + m.Pos.String() + ": keepalived drops the scripts that name no user"
	case strings.Contains(t, "in sync group") && strings.Contains(t, "starts as BACKUP"):
		return "write state BACKUP at " + m.Pos.String() + ": the instances of a sync group start together as BACKUP and priorities elect the master"
	case strings.Contains(t, "address family must match"):
		return "move the address at " + m.Pos.String() + " to an instance of its own family (or to virtual_ipaddress_excluded)"
	}
	return "correct " + m.Pos.String() + "; check with: keepalived -t -f " + c.File
}

// belowScript is the vrrp_script a "track script NAME not found" message
// names when the file defines it, but below the instance that tracks it,
// where keepalived 2.2 does not look (nil otherwise).
func belowScript(c *KeepalivedConfig, m keepalived.Message) *keepalived.Script {
	if m.Kind != keepalived.KindIgnored || m.Pos.Line == 0 {
		return nil // dropped for its user or security: not found anywhere
	}
	_, rest, ok := strings.Cut(m.Text, " track script ")
	if !ok {
		return nil
	}
	name, ok := strings.CutSuffix(rest, " not found, ignoring...")
	if !ok {
		return nil
	}
	return c.Script(name)
}

// messageInstance is the instance a keepalived message names ("(VI_1) ...").
func messageInstance(c *KeepalivedConfig, m keepalived.Message) *KeepalivedInstance {
	if !strings.HasPrefix(m.Text, "(") {
		return nil
	}
	name, _, ok := strings.Cut(m.Text[1:], ")")
	if !ok {
		return nil
	}
	return c.Instance(name)
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

// missingOpen reads a block keyword whose '{' is missing or in a comment
// (vrrp_instance VI_1 # {). keepalived 2.2.7's VRRP process reads the
// block anyway and runs it as written, saying "Missing '{' at beginning of
// configuration block" at the line after a top-level keyword and nothing
// for a value block (virtual_ipaddress # {); its other processes, which
// pass over a VRRP block by its braces, read the lines after it as unknown
// keywords ("(Line 5) Unknown keyword 'state'" ... "(Line 12) Extra '}'
// found"), and keepalived -t fails. One finding at the keyword's line says
// so, keepalived's messages as its evidence, instead of a spelling hint
// per line; told marks the messages it stands for. ok is false when ms[i]
// does not start such a case.
func missingOpen(env *Env, ms []keepalived.Message, i int, told map[int]bool) (r Result, ok bool) {
	m := ms[i]
	var ev []string
	at := m.Pos // the block keyword's line
	kw := ""
	switch {
	case m.Text == "Missing '{' at beginning of configuration block":
		ev = append(ev, fmt.Sprintf("%s: keepalived 2.2 says: %s", m.Pos, m.Text))
		// The keyword is on the last line before with something on it.
		for l := m.Pos.Line - 1; l >= 1 && l >= m.Pos.Line-20; l-- {
			raw := rawLine(env, keepalived.Pos{File: m.Pos.File, Line: l})
			if t := strings.TrimSpace(raw); t != "" && t[0] != '#' && t[0] != '!' {
				at, kw = keepalived.Pos{File: m.Pos.File, Line: l}, raw
				break
			}
		}
	case lostLine(m):
		// A value block's '{' in a comment: its '}' ends the enclosing
		// block early for the other processes. The keyword is the nearest
		// line above with a '{' after its comment character.
		// A '}' alone between them is the one that ended it.
		closed := false
		for l := m.Pos.Line - 1; l >= 1 && l >= m.Pos.Line-50; l-- {
			raw := rawLine(env, keepalived.Pos{File: m.Pos.File, Line: l})
			if closed && commentedBrace(raw) {
				at, kw = keepalived.Pos{File: m.Pos.File, Line: l}, raw
				break
			}
			closed = closed || strings.TrimSpace(raw) == "}"
		}
		if kw == "" {
			return Result{}, false
		}
	default:
		return Result{}, false
	}
	lost := map[int][]int{} // line: its unknown-keyword messages
	for j, o := range ms {
		if o.Pos.File == m.Pos.File && o.Pos.Line >= m.Pos.Line && lostLine(o) && !told[j] {
			lost[o.Pos.Line] = append(lost[o.Pos.Line], j)
		}
	}
	// The lines read outside the block: from the message's line on, each
	// with such a message (blank and comment lines between them included).
	first, last := 0, 0
	for l := m.Pos.Line; ; l++ {
		js, has := lost[l]
		if !has {
			if t := strings.TrimSpace(rawLine(env, keepalived.Pos{File: m.Pos.File, Line: l})); (t == "" || t[0] == '#' || t[0] == '!') && l-max(last, m.Pos.Line) < 20 {
				continue
			}
			break
		}
		if first == 0 {
			first = l
		}
		last = l
		for _, j := range js {
			told[j] = true
			ev = append(ev, fmt.Sprintf("%s: keepalived 2.2 says: %s", ms[j].Pos, ms[j].Text))
		}
	}
	if last == 0 {
		return Result{}, false
	}
	why := "has no '{' on its line"
	if commentedBrace(kw) {
		why = "has its '{' in a comment"
	}
	name := strings.Join(strings.Fields(strings.FieldsFunc(kw+" ", func(r rune) bool { return r == '#' || r == '!' })[0]), " ")
	if name == "" {
		name = "the block keyword"
	}
	return Result{Status: Fail, Subject: at.String(),
		Message: fmt.Sprintf("%s %s: keepalived -t fails with lines %d-%d as unknown keywords (its VRRP process reads the block anyway and runs it as written)",
			name, why, first, last),
		Evidence: ev,
		Fix:      fmt.Sprintf("put the '{' on %s before any comment: %s {", at, name)}, true
}

// lostLine says a keepalived message is one of those it prints for a line
// read outside its block.
func lostLine(m keepalived.Message) bool {
	return strings.HasPrefix(m.Text, "Unknown keyword '") || strings.HasPrefix(m.Text, "Unexpected '{'") || strings.HasPrefix(m.Text, "Extra '}'")
}

// commentedBrace says a line is a keyword with its '{' after a comment
// character (virtual_ipaddress # {).
func commentedBrace(raw string) bool {
	j := strings.IndexAny(raw, "#!")
	return j > 0 && strings.TrimSpace(raw[:j]) != "" && !strings.Contains(raw[:j], "{") && strings.Contains(raw[j:], "{")
}
