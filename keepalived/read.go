package keepalived

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Options say how to read a configuration.
type Options struct {
	// ConfigID is the node's id for "@id" lines (keepalived's -i); empty
	// means the host name, as keepalived does.
	ConfigID string
	// NotOnHost says the file is not read on the host keepalived runs on
	// (a lint of another node's file): the host's users and scripts say
	// nothing about it, so script_user and scripts are taken as valid.
	NotOnHost bool
}

// ErrNoFile is returned when the main file cannot be read.
var ErrNoFile = errors.New("cannot read keepalived configuration")

// Read reads the configuration name and what it includes from fsys, which
// is rooted at "/" (os.DirFS("/") on a host; name is absolute). Problems in
// the file do not stop the reading: they are Messages, as keepalived prints
// them. Only an unreadable main file is an error; it wraps fs.ErrNotExist
// when the file is missing.
func Read(fsys fs.FS, name string, o Options) (*Config, error) {
	if !path.IsAbs(name) {
		name = "/" + name
	}
	c := &Config{File: name, ConfigID: o.ConfigID}
	if c.ConfigID == "" {
		if h, err := os.Hostname(); err == nil {
			c.ConfigID = h
		}
	}
	lx := &lexer{fsys: fsys, id: c.ConfigID, c: c, params: map[string]param{}}
	if err := lx.readFile(name); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	p := &parser{lines: lx.out, c: c, pass: vrrpPass, quietGlobal: lx.escaped}
	top, _ := p.block("top", false, 0)
	c.addMessages(checkerMessages(lx.out))
	if lx.escaped {
		c.addMessages(parentMessages(fsys, name, c.ConfigID))
	}
	c.users, c.groups, c.fsys, c.noHost = names(fsys, "etc/passwd"), names(fsys, "etc/group"), fsys, o.NotOnHost
	c.interpret(top)
	return c, nil
}

// Parse reads a configuration held in memory as if it were the file name;
// includes are resolved in fsys (nil: includes match nothing).
func Parse(name string, src []byte, fsys fs.FS, o Options) *Config {
	m := memFS{name: fsPath(name), data: src, under: fsys}
	c, err := Read(m, name, o)
	if err != nil {
		// memFS always has name.
		panic(err)
	}
	return c
}

// names lists the names in fsys's /etc/passwd or /etc/group: keepalived
// runs scripts as keepalived_script when that user exists, and drops a
// notify script whose user or group does not.
func names(fsys fs.FS, file string) map[string]bool {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil
	}
	out := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if name, _, ok := strings.Cut(l, ":"); ok && name != "" {
			out[name] = true
		}
	}
	return out
}
