package doctor

import (
	"context"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Daemon is a running VRRP daemon.
type Daemon struct {
	Kind    string // "keepalived" or "frr"
	PID     int
	Version string // "2.2.7"; "" when it could not be read
}

// Daemons lists keepalived and FRR vrrpd processes in this host's network
// namespace, from /proc/PID/comm (and /proc/PID/ns/net where the file
// system can read links: a process in another namespace is not ours).
func (e *Env) Daemons(ctx context.Context) []Daemon {
	comms, _ := fs.Glob(e.FS, "proc/[0-9]*/comm")
	self, selfErr := fs.ReadLink(e.FS, "proc/self/ns/net")
	var out []Daemon
	seen := map[string]bool{}
	for _, p := range comms {
		b, err := fs.ReadFile(e.FS, p)
		if err != nil {
			continue
		}
		kind := ""
		switch strings.TrimSpace(string(b)) {
		case "keepalived":
			kind = "keepalived"
		case "vrrpd":
			kind = "frr"
		default:
			continue
		}
		dir := strings.TrimSuffix(p, "/comm")
		if selfErr == nil {
			if ns, err := fs.ReadLink(e.FS, dir+"/ns/net"); err == nil && ns != self {
				continue
			}
		}
		pid, _ := strconv.Atoi(strings.TrimPrefix(dir, "proc/"))
		d := Daemon{Kind: kind, PID: pid}
		// keepalived forks a VRRP child; report the daemon once.
		if seen[kind] {
			continue
		}
		seen[kind] = true
		d.Version = e.daemonVersion(ctx, kind)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

var versionRE = regexp.MustCompile(`(?i)(?:keepalived v|vrrpd version )(\d+\.\d+(?:\.\d+)?)`)

func (e *Env) daemonVersion(ctx context.Context, kind string) string {
	var b []byte
	var err error
	if kind == "keepalived" {
		b, err = e.output(ctx, "keepalived", "--version")
	} else {
		b, err = e.output(ctx, "/usr/lib/frr/vrrpd", "--version")
	}
	if err != nil {
		return ""
	}
	if m := versionRE.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// versionLess compares dotted versions numerically.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
