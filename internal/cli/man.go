package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteMan writes program p's manual page, section 8, in man(7) roff:
// synopsis, description, options, every subcommand with its own, exit
// status and see also, all from the same definitions as -h.
func WriteMan(w io.Writer, p *Command, date, version string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, ".TH %s 8 %q %q \"System Administration\"\n", strings.ToUpper(p.Name), date, "vrrpkit "+version)
	fmt.Fprintf(bw, ".SH NAME\n%s \\- %s\n", p.Name, roff(strings.TrimSuffix(p.Summary, ".")))
	fmt.Fprintf(bw, ".SH SYNOPSIS\n")
	for _, s := range p.Synopsis {
		fmt.Fprintf(bw, ".B %s\n%s\n.br\n", p.Name, roff(s))
	}
	fmt.Fprintf(bw, ".B %s\n\\-\\-version | \\-h\n", p.Name)
	fmt.Fprintf(bw, ".SH DESCRIPTION\n%s\n", roff(p.Summary))
	manDoc(bw, p.Doc)
	fmt.Fprintf(bw, ".SH OPTIONS\n")
	manFlags(bw, p)
	fmt.Fprintf(bw, ".TP\n\\fB\\-\\-version\\fR\nprint the version, the commit and the kind of build (pure Go or libpcap), then exit\n")
	fmt.Fprintf(bw, ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nprint the help, then exit (also after a command)\n")
	if len(p.Commands) > 0 {
		fmt.Fprintf(bw, ".SH COMMANDS\n")
		p.Walk(func(c *Command) {
			if c == p {
				return
			}
			fmt.Fprintf(bw, ".SS %s\n", roff(c.Path()))
			for _, s := range c.Synopsis {
				fmt.Fprintf(bw, ".B %s\n%s\n.br\n", roff(c.Path()), roff(s))
			}
			fmt.Fprintf(bw, ".PP\n%s\n", roff(c.Summary))
			manDoc(bw, c.Doc)
			if len(c.Flags) > 0 {
				fmt.Fprintf(bw, ".PP\nFlags of %s:\n", roff(c.Path()))
				manFlags(bw, c)
			}
		})
	}
	fmt.Fprintf(bw, ".SH EXIT STATUS\n%s\n", roff(strings.TrimPrefix(ExitStatus(p), "Exit status: ")))
	fmt.Fprintf(bw, ".SH SEE ALSO\n")
	var see []string
	for _, o := range Programs() {
		if o != p {
			see = append(see, ".BR "+o.Name+" (8)")
		}
	}
	see = append(see, ".BR keepalived (8)", ".BR tcpdump (8)", ".BR pcap\\-filter (7)", ".BR setcap (8)")
	for i, s := range see {
		if i < len(see)-1 {
			s += ","
		}
		fmt.Fprintln(bw, s)
	}
	return bw.Flush()
}

// manFlags lists c's flags as tagged paragraphs.
func manFlags(w io.Writer, c *Command) {
	for i := range c.Flags {
		f := &c.Flags[i]
		fmt.Fprintf(w, ".TP\n")
		name := "\\fB" + roff(f.Dashed()) + "\\fR"
		if f.Short != "" {
			name = "\\fB\\-" + roff(f.Short) + "\\fR, " + name
		}
		if f.Kind != Bool {
			name += " \\fI" + roff(f.Hint) + "\\fR"
		}
		fmt.Fprintf(w, "%s\n%s\n", name, roff(FlagDoc(c, f)))
	}
}

// manDoc writes a Doc: paragraphs as text, indented lines (examples) as
// they are.
func manDoc(w io.Writer, doc string) {
	doc = strings.TrimSpace(doc)
	if doc == "" {
		return
	}
	pre := false
	for _, line := range strings.Split(doc, "\n") {
		switch indented := strings.HasPrefix(line, "  "); {
		case strings.TrimSpace(line) == "":
			if pre {
				fmt.Fprintln(w, ".fi\n.RE")
				pre = false
			}
			fmt.Fprintln(w, ".PP")
		case indented && !pre:
			fmt.Fprintln(w, ".RS 4\n.nf")
			pre = true
			fmt.Fprintln(w, roff(strings.TrimPrefix(line, "  ")))
		case !indented && pre:
			fmt.Fprintln(w, ".fi\n.RE")
			pre = false
			fmt.Fprintln(w, roff(line))
		default:
			fmt.Fprintln(w, roff(strings.TrimPrefix(line, "  ")))
		}
	}
	if pre {
		fmt.Fprintln(w, ".fi\n.RE")
	}
}

// roff escapes text for a roff line: backslashes, hyphens (which roff
// would turn into typographic ones), and a leading dot or quote.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
