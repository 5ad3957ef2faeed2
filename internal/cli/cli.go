// Package cli is the one command-line convention of vrrpdump, vrrpdoctor
// and vrrpprobe, and the one definition of their commands and flags: -h,
// the man pages and the shell completions are all generated from the
// Command values in this package (Programs).
//
// The convention:
//   - -h or --help (also after a subcommand) prints help to stdout and
//     exits 0;
//   - a usage error prints one line naming the flag or argument and the
//     fix, then "see PROG -h", and exits 2; a flag that does not apply to
//     the mode the command line chose is refused, not ignored;
//   - exit status 0: nothing wrong found; 1: a problem found (ErrProblem);
//     2: the tool failed (bad command line, unreadable file, no
//     permission), with a message naming the file, interface, flag or
//     address and what to do (ExitStatus, Exit); 3: the input was read
//     only in part (ErrIncomplete), what was read is in the output;
//   - flags are written -x or --name, with their value as the next
//     argument or after "="; given twice, the last counts (Repeat flags
//     keep every value); "--" ends the flags.
//
// Adding a flag is one entry in its command's Flags (the command reads it
// with Parsed.String and friends); adding a subcommand is one Command in
// its program's Commands.
package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is a flag's value type.
type Kind int

// Flag kinds.
const (
	Bool Kind = iota
	String
	Int
	Float
	Duration
)

func (k Kind) String() string {
	return [...]string{"bool", "string", "int", "float", "duration"}[k]
}

// Complete says what a shell completes for a flag's value or an argument.
type Complete string

// Completions; anything else is a list of words separated by spaces.
const (
	CompleteNone      Complete = ""
	CompleteFile      Complete = "file"
	CompleteDir       Complete = "dir"
	CompleteInterface Complete = "interface"
)

// Flag is one flag of a command.
type Flag struct {
	Name  string // without dashes: "r", "duration" (written -r, --duration)
	Short string // one-letter alias, "" when none
	Kind  Kind
	// Default, as the command line would write it ("" for none; "false"
	// is implied for a Bool).
	Default string
	Usage   string // one line: what it does
	// Hint names the value in help and man pages ("FILE", "IFACE",
	// "DURATION"); "" for a Bool.
	Hint     string
	Complete Complete // what shells complete for the value
	Repeat   bool     // may be given several times (Parsed.Strings)
	// Modes the flag applies to (Command.Modes); nil: every mode. Given
	// in another mode, Parsed.CheckModes refuses it.
	Modes []string
	// Single: a name of several letters written with one dash, as tcpdump
	// writes -nn and -vv.
	Single bool
}

// Dashed is the flag as written: -r or --duration.
func (f *Flag) Dashed() string {
	if len(f.Name) == 1 || f.Single {
		return "-" + f.Name
	}
	return "--" + f.Name
}

// Mode is one way a command runs, chosen by its command line (vrrpdump
// reading a file or an interface).
type Mode struct {
	Name string
	Doc  string // how the command line chooses it: "live capture (-i)"
}

// Command is a program or one of its subcommands.
type Command struct {
	Name    string // "vrrpdump", or the subcommand's word ("owner")
	Summary string // one line: what it does
	// Synopsis lines, without the program name ("(-i IFACE | -r FILE)
	// [options] [BPF expression]").
	Synopsis []string
	// Doc is the help text after the synopsis: paragraphs and examples.
	Doc string
	// Args names the positional arguments ("" when none are taken), and
	// ArgsComplete what shells complete for them.
	Args         string
	ArgsComplete Complete
	// Interspersed: positional arguments may come between flags.
	Interspersed bool
	Flags        []Flag
	Modes        []Mode
	Commands     []*Command // subcommands; a program with them needs one, unless RunsAlone
	// RunsAlone: the command also runs without a subcommand (vrrpdoctor
	// checks the host; vrrpdoctor bundle is one of its subcommands).
	RunsAlone bool
	// Problem says what exit status 1 means for this program.
	Problem string
	// Incomplete says what exit status 3 means for this program; empty
	// when it never returns ErrIncomplete.
	Incomplete string
	parent     *Command
}

// Programs are vrrpkit's commands, for the man page and completion
// generators.
func Programs() []*Command { return []*Command{VRRPDump, VRRPDoctor, VRRPProbe} }

// Path is the command as typed: "vrrpprobe speak".
func (c *Command) Path() string {
	if c.parent == nil {
		return c.Name
	}
	return c.parent.Path() + " " + c.Name
}

// Program is the top-level command.
func (c *Command) Program() *Command {
	for c.parent != nil {
		c = c.parent
	}
	return c
}

// Sub returns the subcommand named name.
func (c *Command) Sub(name string) *Command {
	for _, s := range c.Commands {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Flag returns the flag named name (or with that short alias).
func (c *Command) Flag(name string) *Flag {
	for i := range c.Flags {
		if f := &c.Flags[i]; f.Name == name || f.Short != "" && f.Short == name {
			return f
		}
	}
	return nil
}

// Walk calls fn for c and every subcommand below it, parents first.
func (c *Command) Walk(fn func(*Command)) {
	fn(c)
	for _, s := range c.Commands {
		s.Walk(fn)
	}
}

// link sets the parent of every subcommand below c.
func (c *Command) link() *Command {
	for _, s := range c.Commands {
		s.parent = c
		s.link()
	}
	return c
}

func init() {
	for _, p := range Programs() {
		p.link()
	}
}

// ErrProblem is exit status 1: the tool worked and found a problem.
// Commands wrap it (fmt.Errorf("...: %w", ErrProblem)) or return it.
var ErrProblem = errors.New("a problem was found")

// ErrIncomplete is exit status 3: the tool worked on part of its input
// only (a capture file cut short or corrupt in the middle): what it read
// is in its output, and the message says where and why it stopped.
// Commands return errors that wrap it or answer Is(ErrIncomplete).
var ErrIncomplete = errors.New("input read only in part")

// ErrHelp is what Parse returns after printing help: exit status 0.
var ErrHelp = errors.New("help requested")

// UsageError is a command line the tool cannot use: exit status 2, after
// one line naming what is wrong (Arg: the flag or argument) and the fix.
type UsageError struct {
	Cmd *Command
	Arg string // the flag as written (--speed) or the argument; "" for the line as a whole
	Msg string // what is wrong and what to do
}

func (e *UsageError) Error() string {
	if e.Arg == "" {
		return e.Msg
	}
	return e.Arg + ": " + e.Msg
}

// Usagef returns a UsageError of c about arg.
func (c *Command) Usagef(arg, format string, a ...any) error {
	return &UsageError{Cmd: c, Arg: arg, Msg: fmt.Sprintf(format, a...)}
}

// value parses s as kind k, for a flag's value or default.
func value(k Kind, s string) (any, error) {
	switch k {
	case Bool:
		switch strings.ToLower(s) {
		case "", "true", "1", "yes":
			return true, nil
		case "false", "0", "no":
			return false, nil
		}
		return nil, errors.New("want true or false")
	case Int:
		var n int
		if _, err := fmt.Sscan(s, &n); err != nil || fmt.Sprint(n) != strings.TrimPrefix(s, "+") {
			return nil, fmt.Errorf("%q is not a whole number", s)
		}
		return n, nil
	case Float:
		var f float64
		if _, err := fmt.Sscan(s, &f); err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration: write it as 500ms, 30s or 5m", s)
		}
		return d, nil
	}
	return s, nil
}
