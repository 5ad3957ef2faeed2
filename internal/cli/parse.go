package cli

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Parsed is a command line as Parse read it.
type Parsed struct {
	Cmd  *Command // the command chosen: the program or a subcommand
	Args []string // positional arguments
	vals map[string][]any
	// given are the flags given, as written (-r, --speed), by name.
	given map[string]string
}

// Parse reads args (without the program name) for program c. -h or
// --help prints the chosen command's help to stdout and returns ErrHelp,
// and so does --version after printing the build (WriteVersion), unless
// the command has a flag of that name;
// a command line c cannot use returns a *UsageError.
func Parse(c *Command, args []string, stdout io.Writer) (*Parsed, error) {
	p := &Parsed{Cmd: c, vals: map[string][]any{}, given: map[string]string{}}
	flags := true
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if flags && arg == "--" {
			flags = false
			continue
		}
		if flags && len(arg) > 1 && arg[0] == '-' {
			name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-"), "=")
			written, _, _ := strings.Cut(arg, "=")
			if name == "h" || name == "help" {
				if err := WriteHelp(stdout, p.Cmd); err != nil {
					return nil, err
				}
				return nil, ErrHelp
			}
			if name == "version" && !hasVal && p.Cmd.Flag("version") == nil {
				// The build's version; a subcommand's own --version
				// (vrrpprobe speak --version 3) is that flag.
				if err := WriteVersion(stdout, c.Name); err != nil {
					return nil, err
				}
				return nil, ErrHelp
			}
			f := p.Cmd.Flag(name)
			if f == nil && !p.Cmd.RunsAlone && subHasFlag(p.Cmd, name) {
				return nil, p.Cmd.Usagef(written, "give the command first: say %s", commandList(p.Cmd))
			}
			if f == nil {
				return nil, p.Cmd.Usagef(written, "no such flag%s", elsewhere(p.Cmd, name))
			}
			if f.Kind != Bool && !hasVal {
				if i+1 == len(args) {
					return nil, p.Cmd.Usagef(written, "needs a value (%s)", f.Hint)
				}
				i++
				val = args[i]
			}
			v, err := value(f.Kind, val)
			if err != nil {
				return nil, p.Cmd.Usagef(written, "%v", err)
			}
			p.given[f.Name] = written
			p.vals[f.Name] = append(p.vals[f.Name], v)
			continue
		}
		if len(p.Cmd.Commands) > 0 && len(p.Args) == 0 {
			sub := p.Cmd.Sub(arg)
			if sub == nil && p.Cmd.RunsAlone && p.Cmd.Args == "" {
				return nil, p.Cmd.Usagef(arg, "no such command: say %s, or give %s flags only", commandList(p.Cmd), p.Cmd.Path())
			}
			if sub == nil && !p.Cmd.RunsAlone {
				return nil, p.Cmd.Usagef(arg, "no such command: say %s", commandList(p.Cmd))
			}
			if sub != nil {
				if len(p.given) > 0 {
					return nil, p.Cmd.Usagef(arg, "give the command first, then its flags")
				}
				p.Cmd = sub
				continue
			}
		}
		if p.Cmd.Args == "" {
			return nil, p.Cmd.Usagef(arg, "unexpected argument: %s takes flags only", p.Cmd.Path())
		}
		p.Args = append(p.Args, arg)
		if !p.Cmd.Interspersed {
			flags = false
		}
	}
	if len(p.Cmd.Commands) > 0 && !p.Cmd.RunsAlone {
		return nil, p.Cmd.Usagef("", "say what to do: %s", commandList(p.Cmd))
	}
	return p, nil
}

// subHasFlag reports whether a command below c has flag name.
func subHasFlag(c *Command, name string) bool {
	found := false
	for _, s := range c.Commands {
		s.Walk(func(x *Command) { found = found || x.Flag(name) != nil })
	}
	return found
}

// elsewhere names the other subcommands that have flag name, as a hint.
func elsewhere(c *Command, name string) string {
	if c.parent == nil {
		return ""
	}
	var in []string
	for _, s := range c.parent.Commands {
		if s != c && s.Flag(name) != nil {
			in = append(in, s.Path())
		}
	}
	if len(in) == 0 {
		return ""
	}
	return " here (it is a flag of " + strings.Join(in, " and ") + ")"
}

func commandList(c *Command) string {
	var names []string
	for _, s := range c.Commands {
		names = append(names, s.Name)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// IsSet reports whether flag name was given.
func (p *Parsed) IsSet(name string) bool { _, ok := p.given[name]; return ok }

// Given returns the flag as the command line wrote it (-r, --speed), ""
// when it was not given.
func (p *Parsed) Given(name string) string { return p.given[name] }

// get returns the last value of flag name, or its default.
func (p *Parsed) get(name string, k Kind) any {
	f := p.Cmd.Flag(name)
	if f == nil || f.Kind != k {
		panic(fmt.Sprintf("cli: %s has no %s flag %q", p.Cmd.Path(), k, name))
	}
	if vs := p.vals[f.Name]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	if f.Default == "" {
		switch k {
		case Bool:
			return false
		case Int:
			return 0
		case Float:
			return 0.0
		case Duration:
			return time.Duration(0)
		}
		return ""
	}
	v, err := value(k, f.Default)
	if err != nil {
		panic(fmt.Sprintf("cli: %s: default of %s: %v", p.Cmd.Path(), f.Dashed(), err))
	}
	return v
}

// String returns the value of a String flag (its default when not given).
func (p *Parsed) String(name string) string { return p.get(name, String).(string) }

// Strings returns every value of a repeatable String flag, in order.
func (p *Parsed) Strings(name string) []string {
	p.get(name, String) // checks the flag
	var out []string
	for _, v := range p.vals[name] {
		out = append(out, v.(string))
	}
	return out
}

// Bool returns the value of a Bool flag.
func (p *Parsed) Bool(name string) bool { return p.get(name, Bool).(bool) }

// Int returns the value of an Int flag.
func (p *Parsed) Int(name string) int { return p.get(name, Int).(int) }

// Float returns the value of a Float flag.
func (p *Parsed) Float(name string) float64 { return p.get(name, Float).(float64) }

// Duration returns the value of a Duration flag.
func (p *Parsed) Duration(name string) time.Duration { return p.get(name, Duration).(time.Duration) }

// CheckModes refuses a flag given that applies to none of modes, the
// modes this command line chose: a flag that would be ignored is an error.
func (p *Parsed) CheckModes(modes ...string) error {
	for i := range p.Cmd.Flags {
		f := &p.Cmd.Flags[i]
		if !p.IsSet(f.Name) || f.Modes == nil || slices.ContainsFunc(f.Modes, func(m string) bool { return slices.Contains(modes, m) }) {
			continue
		}
		var docs []string
		for _, m := range f.Modes {
			docs = append(docs, p.Cmd.modeDoc(m))
		}
		return p.Cmd.Usagef(p.given[f.Name], "applies to %s only, not to %s: drop it", strings.Join(docs, " or "), p.Cmd.modeDoc(modes[0]))
	}
	return nil
}

func (c *Command) modeDoc(name string) string {
	for _, m := range c.Modes {
		if m.Name == name {
			return m.Doc
		}
	}
	return name
}

// Exit maps a command's result to its exit status, explaining a failure on
// stderr: nil and ErrHelp are 0; ErrProblem is 1 (with the message of a
// Problemf); a *UsageError is 2 after one line ending
// "see PROG -h"; ErrIncomplete is 3 after "PROG: message"; anything else
// is 2 after "PROG: message".
func Exit(prog string, err error, stderr io.Writer) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, ErrHelp):
		return 0
	case errors.Is(err, ErrProblem):
		var pr *problem
		if errors.As(err, &pr) {
			fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		}
		return 1
	case errors.As(err, &ue):
		path := prog
		if ue.Cmd != nil {
			path = ue.Cmd.Path()
		}
		fmt.Fprintf(stderr, "%s: %v; see %s -h\n", path, ue, path)
		return 2
	case errors.Is(err, ErrIncomplete):
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 3
	}
	fmt.Fprintf(stderr, "%s: %v\n", prog, err)
	return 2
}

// problem is a problem found with something to say (Problemf).
type problem struct{ msg string }

func (p *problem) Error() string        { return p.msg }
func (p *problem) Is(target error) bool { return target == ErrProblem }

// Problemf is exit status 1 with a message for stderr ("no host answers
// for 192.0.2.100"). ErrProblem itself, or an error wrapping it, is exit
// status 1 without one: the output said it.
func Problemf(format string, a ...any) error { return &problem{fmt.Sprintf(format, a...)} }
