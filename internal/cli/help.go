package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ExitStatus is the exit status paragraph of every program's help, with
// what a problem means for c's program.
func ExitStatus(c *Command) string {
	s := fmt.Sprintf("Exit status: 0 nothing wrong found; 1 %s; 2 %s failed (bad command line, unreadable file, "+
		"missing interface or permission: the message says what to do)", c.Program().Problem, c.Program().Name)
	if c.Program().Incomplete != "" {
		s += "; 3 " + c.Program().Incomplete
	}
	return s + "."
}

// WriteHelp writes c's help: synopsis, summary, doc, subcommands, flags
// and exit status.
func WriteHelp(w io.Writer, c *Command) error {
	bw := bufio.NewWriter(w)
	for i, s := range c.Synopsis {
		lead := "usage: "
		if i > 0 {
			lead = "       "
		}
		fmt.Fprintf(bw, "%s%s %s\n", lead, c.Path(), s)
	}
	fmt.Fprintf(bw, "\n%s\n", c.Summary)
	if c.Doc != "" {
		fmt.Fprintf(bw, "\n%s\n", strings.TrimSpace(c.Doc))
	}
	if len(c.Commands) > 0 {
		fmt.Fprintf(bw, "\nCommands (%s COMMAND -h for each):\n", c.Path())
		for _, s := range c.Commands {
			fmt.Fprintf(bw, "  %-10s %s\n", s.Name, s.Summary)
		}
	}
	if len(c.Flags) > 0 {
		fmt.Fprintf(bw, "\nFlags:\n")
		for i := range c.Flags {
			f := &c.Flags[i]
			fmt.Fprintf(bw, "  %-22s %s\n", FlagSynopsis(f), FlagDoc(c, f))
		}
	}
	fmt.Fprintf(bw, "\n%s\n", ExitStatus(c))
	return bw.Flush()
}

// FlagSynopsis is the flag as help lists it: "-r FILE", "--speed N",
// "-v, --verbose".
func FlagSynopsis(f *Flag) string {
	s := f.Dashed()
	if f.Short != "" {
		s = "-" + f.Short + ", " + s
	}
	if f.Kind != Bool {
		s += " " + f.Hint
	}
	return s
}

// FlagDoc is the flag's usage with its default, whether it repeats and
// the modes it applies to.
func FlagDoc(c *Command, f *Flag) string {
	s := f.Usage
	if f.Default != "" && f.Kind != Bool {
		s += " (default " + f.Default + ")"
	}
	if f.Repeat {
		s += "; repeatable"
	}
	if f.Modes != nil {
		var docs []string
		for _, m := range f.Modes {
			docs = append(docs, c.modeDoc(m))
		}
		s += "; " + strings.Join(docs, " or ") + " only"
	}
	return s
}
