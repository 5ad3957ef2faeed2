package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Stamped by `make dist` with -ldflags "-X
// github.com/vrrpkit/vrrpkit/internal/cli.version=..." (and commit); a
// plain go build reads the commit from the module's build information.
var (
	version = "dev"
	commit  = ""
)

// BuildInfo is what --version prints after the program's name.
type BuildInfo struct {
	Version string // "0.1.0", or "dev" for an unstamped build
	Commit  string // the git commit, "+dirty" when built from a modified tree
	Time    string // the commit's time (RFC 3339), when known
	Kind    string // live capture: buildKind
	Cgo     bool   // CGO_ENABLED=1 (dynamically linked)
	Go      string // Go version, GOOS/GOARCH
}

// Build returns this binary's build information.
func Build() BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, Kind: buildKind,
		Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "CGO_ENABLED":
				b.Cgo = s.Value == "1"
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && commit == "" && b.Commit != "" {
			b.Commit += "+dirty"
		}
	}
	return b
}

// WriteVersion prints prog's --version: version, commit, and what kind of
// build runs (pure Go and static, or libpcap).
func WriteVersion(w io.Writer, prog string) error {
	b := Build()
	c := b.Commit
	if c == "" {
		c = "unknown"
	}
	if b.Time != "" {
		c += ", " + b.Time
	}
	link := "statically linked (CGO_ENABLED=0)"
	if b.Cgo {
		link = "dynamically linked (cgo)"
	}
	_, err := fmt.Fprintf(w, "%s %s (commit %s)\nbuild: %s, %s, %s\n", prog, b.Version, c, b.Kind, link, b.Go)
	return err
}
