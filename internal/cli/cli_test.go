package cli

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every definition is complete enough for help, man pages and
// completions: usage, a value hint, a default that parses, modes that
// exist, no name twice, a synopsis and a summary.
func TestDefinitions(t *testing.T) {
	for _, prog := range Programs() {
		if prog.Problem == "" {
			t.Errorf("%s: no Problem (what exit status 1 means)", prog.Name)
		}
		prog.Walk(func(c *Command) {
			if c.Summary == "" || len(c.Synopsis) == 0 {
				t.Errorf("%s: no summary or synopsis", c.Path())
			}
			if c.Program() != prog {
				t.Errorf("%s: not linked to %s", c.Path(), prog.Name)
			}
			seen := map[string]bool{}
			for i := range c.Flags {
				f := &c.Flags[i]
				for _, n := range []string{f.Name, f.Short} {
					if n != "" && seen[n] {
						t.Errorf("%s: %s defined twice", c.Path(), n)
					}
					seen[n] = true
				}
				if f.Usage == "" || (f.Kind != Bool) == (f.Hint == "") {
					t.Errorf("%s %s: usage %q, hint %q (a value needs a hint, a bool none)", c.Path(), f.Dashed(), f.Usage, f.Hint)
				}
				if f.Default != "" {
					if _, err := value(f.Kind, f.Default); err != nil {
						t.Errorf("%s %s: default %q: %v", c.Path(), f.Dashed(), f.Default, err)
					}
				}
				for _, m := range f.Modes {
					if !slices.ContainsFunc(c.Modes, func(x Mode) bool { return x.Name == m }) {
						t.Errorf("%s %s: mode %q is not one of the command's", c.Path(), f.Dashed(), m)
					}
				}
			}
		})
	}
}

var testCmd = (&Command{
	Name: "prog", Summary: "A test program.", Synopsis: []string{"[flags]"}, Problem: "a problem",
	Commands: []*Command{{
		Name: "sub", Summary: "A subcommand.", Synopsis: []string{"[flags] ARG..."}, Args: "ARG...", Interspersed: true,
		Modes: []Mode{{"a", "mode a (--a)"}, {"b", "mode b"}},
		Flags: []Flag{
			{Name: "n", Kind: Int, Hint: "N", Default: "3", Usage: "a number"},
			{Name: "s", Kind: String, Hint: "S", Repeat: true, Usage: "strings"},
			{Name: "verbose", Short: "v", Kind: Bool, Usage: "more"},
			{Name: "d", Kind: Duration, Hint: "D", Usage: "a duration", Modes: []string{"a"}},
		},
	}},
}).link()

func TestParse(t *testing.T) {
	p, err := Parse(testCmd, []string{"sub", "x", "-s", "1", "--s=2", "-v", "y", "--n", "7", "--", "-z"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Cmd.Name != "sub" || p.Int("n") != 7 || !p.Bool("verbose") || !slices.Equal(p.Strings("s"), []string{"1", "2"}) ||
		!slices.Equal(p.Args, []string{"x", "y", "-z"}) || p.Duration("d") != 0 || !p.IsSet("verbose") || p.Given("verbose") != "-v" {
		t.Errorf("parsed %+v", p)
	}
	p, _ = Parse(testCmd, []string{"sub", "-n", "1", "-n", "2"}, nil)
	if p.Int("n") != 2 {
		t.Errorf("-n 1 -n 2: the last should count, got %d", p.Int("n"))
	}
	p, _ = Parse(testCmd, []string{"sub"}, nil)
	if p.Int("n") != 3 || p.IsSet("n") {
		t.Errorf("default: n %d, set %v", p.Int("n"), p.IsSet("n"))
	}
	p, _ = Parse(testCmd, []string{"sub", "-d", "2s"}, nil)
	if p.Duration("d") != 2*time.Second {
		t.Errorf("-d 2s: %v", p.Duration("d"))
	}
	if err := p.CheckModes("a"); err != nil {
		t.Errorf("-d in mode a: %v", err)
	}
	if err := p.CheckModes("b"); err == nil || err.Error() != "-d: applies to mode a (--a) only, not to mode b: drop it" {
		t.Errorf("-d in mode b: %v", err)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{nil, "say what to do: sub"},
		{[]string{"sub", "-n"}, "-n: needs a value (N)"},
		{[]string{"sub", "-n", "1.5"}, `-n: "1.5" is not a whole number`},
		{[]string{"sub", "--verbose=maybe"}, "--verbose: want true or false"},
		{[]string{"other"}, "other: no such command: say sub"},
		{[]string{"-n", "1", "sub"}, "-n: give the command first: say sub"},
		{[]string{"-q"}, "-q: no such flag"},
	} {
		_, err := Parse(testCmd, tc.args, nil)
		var ue *UsageError
		if !errors.As(err, &ue) || err.Error() != tc.msg {
			t.Errorf("%q: %v, want usage error %q", tc.args, err, tc.msg)
		}
	}
	var out bytes.Buffer
	if _, err := Parse(testCmd, []string{"sub", "-n", "1", "--help"}, &out); !errors.Is(err, ErrHelp) ||
		!strings.HasPrefix(out.String(), "usage: prog sub [flags] ARG...\n") {
		t.Errorf("--help: %v\n%s", err, out.String())
	}
}

func TestExit(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   int
		stderr string
	}{
		{nil, 0, ""},
		{ErrHelp, 0, ""},
		{ErrProblem, 1, ""},
		{errors.Join(errors.New("x"), ErrProblem), 1, ""},
		{Problemf("no owner for %s", "192.0.2.100"), 1, "prog: no owner for 192.0.2.100\n"},
		{testCmd.Sub("sub").Usagef("-n", "too big"), 2, "prog sub: -n: too big; see prog sub -h\n"},
		{errors.New("open x: no such file"), 2, "prog: open x: no such file\n"},
		{errors.Join(errors.New("reading x: cut short"), ErrIncomplete), 3, "prog: reading x: cut short\ninput read only in part\n"},
	} {
		var b bytes.Buffer
		if code := Exit("prog", tc.err, &b); code != tc.code || b.String() != tc.stderr {
			t.Errorf("%v: exit %d %q, want %d %q", tc.err, code, b.String(), tc.code, tc.stderr)
		}
	}
}
