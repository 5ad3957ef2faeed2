package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/vrrpkit/vrrpkit/internal/cli"
)

// authEnv names the environment variable that may carry the group's VRRPv2
// password.
const authEnv = "VRRPPROBE_AUTH_PASS"

// secretFlags are the ways to give the group's password. It is never
// printed: not in output, logs or JSON.
type secretFlags struct {
	pass string // --auth-pass: deprecated, visible in ps
	file string // --auth-pass-file
}

// secretOf reads --auth-pass-file and --auth-pass.
func secretOf(p *cli.Parsed) secretFlags {
	return secretFlags{pass: p.String("auth-pass"), file: p.String("auth-pass-file")}
}

// resolve returns the password given by file, environment or flag, in that
// order, and whether one was given.
func (f *secretFlags) resolve(s sys, out *output) (string, bool, error) {
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return "", false, usageError("--auth-pass-file: %v", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimRight(line, "\r"), true, nil
	}
	if s.getenv != nil {
		if v, ok := s.getenv(authEnv); ok {
			return v, true, nil
		}
	}
	if f.pass != "" {
		fmt.Fprintf(out.stderr, "vrrpprobe: warning: --auth-pass puts the password where every user of this host sees it (ps); use --auth-pass-file or %s\n", authEnv)
		return f.pass, true, nil
	}
	return "", false, nil
}

// ask prompts for the password on the terminal, without echo; it returns
// ok false when there is no terminal to ask.
func (f *secretFlags) ask(s sys, what string) (string, bool, error) {
	if s.askSecret == nil {
		return "", false, nil
	}
	p, err := s.askSecret(what + ": ")
	if err != nil {
		return "", false, fmt.Errorf("reading the password from the terminal: %w", err)
	}
	return p, true, nil
}

// terminalSecret returns a function that prompts on prompt and reads a
// line from in without echo, or nil when in is not a terminal.
func terminalSecret(in *os.File, prompt io.Writer) func(string) (string, error) {
	fd := int(in.Fd())
	if !term.IsTerminal(fd) {
		return nil
	}
	return func(p string) (string, error) {
		if _, err := io.WriteString(prompt, p); err != nil {
			return "", err
		}
		b, err := term.ReadPassword(fd)
		if _, werr := io.WriteString(prompt, "\n"); err == nil {
			err = werr
		}
		return string(b), err
	}
}
