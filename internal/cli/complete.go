package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Shells WriteCompletion writes for.
var Shells = []string{"bash", "zsh", "fish"}

// CompletionFile is where a package installs shell's completion of prog.
func CompletionFile(shell, prog string) string {
	switch shell {
	case "bash":
		return "usr/share/bash-completion/completions/" + prog
	case "zsh":
		return "usr/share/zsh/vendor-completions/_" + prog
	case "fish":
		return "usr/share/fish/vendor_completions.d/" + prog + ".fish"
	}
	return ""
}

// WriteCompletion writes shell's completion script for program p: its
// subcommands, every flag of each, and values (files, interfaces, word
// lists) where the definitions say.
func WriteCompletion(w io.Writer, shell string, p *Command) error {
	bw := bufio.NewWriter(w)
	switch shell {
	case "bash":
		bashCompletion(bw, p)
	case "zsh":
		zshCompletion(bw, p)
	case "fish":
		fishCompletion(bw, p)
	default:
		return fmt.Errorf("no completion for shell %q: one of %s", shell, strings.Join(Shells, ", "))
	}
	return bw.Flush()
}

// key is a command's path without the program: "" or "speak".
func key(c *Command) string {
	_, k, _ := strings.Cut(c.Path(), " ")
	return k
}

// globalFlags are what every program takes besides its definitions.
var globalFlags = []Flag{
	{Name: "version", Kind: Bool, Usage: "print the version and build, then exit"},
	{Name: "help", Short: "h", Kind: Bool, Usage: "print the help, then exit"},
}

func flagsWithGlobals(c *Command) []Flag {
	fs := append([]Flag(nil), c.Flags...)
	for _, g := range globalFlags {
		if c.Flag(g.Name) == nil {
			fs = append(fs, g)
		}
	}
	return fs
}

func bashCompletion(w io.Writer, p *Command) {
	fn := "_" + strings.ReplaceAll(p.Name, "-", "_")
	fmt.Fprintf(w, "# bash completion for %s, generated from vrrpkit's internal/cli\n", p.Name)
	fmt.Fprintf(w, "%s() {\n", fn)
	fmt.Fprintf(w, "\tlocal cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" cmd='' i flags words\n")
	var steps []string // "parent/word" for every subcommand
	p.Walk(func(c *Command) {
		if c != p {
			steps = append(steps, fmt.Sprintf("%q", key(c.parent)+"/"+c.Name))
		}
	})
	if len(steps) > 0 {
		fmt.Fprintf(w, "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n\t\tcase \"$cmd/${COMP_WORDS[i]}\" in\n")
		fmt.Fprintf(w, "\t\t%s) cmd=\"${cmd:+$cmd }${COMP_WORDS[i]}\" ;;\n", strings.Join(steps, "|"))
		fmt.Fprintf(w, "\t\tesac\n\tdone\n")
	}
	// The value of the flag before the cursor.
	fmt.Fprintf(w, "\tcase \"$cmd $prev\" in\n")
	p.Walk(func(c *Command) {
		for _, f := range c.Flags {
			if f.Kind == Bool {
				continue
			}
			pat := fmt.Sprintf("%q", key(c)+" "+f.Dashed())
			if f.Short != "" {
				pat += fmt.Sprintf("|%q", key(c)+" -"+f.Short)
			}
			switch f.Complete {
			case CompleteFile:
				fmt.Fprintf(w, "\t%s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", pat)
			case CompleteDir:
				fmt.Fprintf(w, "\t%s) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n", pat)
			case CompleteInterface:
				fmt.Fprintf(w, "\t%s) COMPREPLY=($(compgen -W \"any $(ls /sys/class/net 2>/dev/null)\" -- \"$cur\")); return ;;\n", pat)
			case CompleteNone:
				fmt.Fprintf(w, "\t%s) COMPREPLY=(); return ;;\n", pat)
			default:
				fmt.Fprintf(w, "\t%s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", pat, string(f.Complete))
			}
		}
	})
	fmt.Fprintf(w, "\tesac\n\tcase \"$cmd\" in\n")
	p.Walk(func(c *Command) {
		var names []string
		for _, f := range flagsWithGlobals(c) {
			names = append(names, f.Dashed())
			if f.Short != "" {
				names = append(names, "-"+f.Short)
			}
		}
		for _, s := range c.Commands {
			names = append(names, s.Name)
		}
		fmt.Fprintf(w, "\t%q) flags='%s' ;;\n", key(c), strings.Join(names, " "))
	})
	fmt.Fprintf(w, "\tesac\n")
	fmt.Fprintf(w, "\tCOMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n}\n")
	fmt.Fprintf(w, "complete -F %s %s\n", fn, p.Name)
}

// zshDesc makes a description safe inside '...[desc]'.
var zshDesc = strings.NewReplacer("[", "(", "]", ")", "'", "", ":", ";", "\\", "")

func zshSpecs(c *Command) []string {
	var specs []string
	for _, f := range flagsWithGlobals(c) {
		names := []string{f.Dashed()}
		if f.Short != "" {
			names = append(names, "-"+f.Short)
		}
		for _, n := range names {
			s := "'"
			if f.Repeat {
				s += "*"
			}
			s += n + "[" + zshDesc.Replace(f.Usage) + "]"
			if f.Kind != Bool {
				s += ":" + zshDesc.Replace(f.Hint) + ":"
				switch f.Complete {
				case CompleteFile:
					s += "_files"
				case CompleteDir:
					s += "_files -/"
				case CompleteInterface:
					s += "_net_interfaces"
				case CompleteNone:
				default:
					s += "(" + string(f.Complete) + ")"
				}
			}
			specs = append(specs, s+"'")
		}
	}
	return specs
}

// zshFunc is the name of c's completion function: _vrrpprobe_path_send.
func zshFunc(c *Command) string {
	return "_" + strings.NewReplacer(" ", "_", "-", "_").Replace(c.Path())
}

func zshCompletion(w io.Writer, p *Command) {
	fmt.Fprintf(w, "#compdef %s\n# zsh completion for %s, generated from vrrpkit's internal/cli\n", p.Name, p.Name)
	p.Walk(func(c *Command) {
		fmt.Fprintf(w, "%s() {\n\tlocal curcontext=\"$curcontext\" state line\n\ttypeset -A opt_args\n", zshFunc(c))
		specs := zshSpecs(c)
		if len(c.Commands) > 0 {
			specs = append(specs, "'1: :->cmds'", "'*:: :->args'")
		} else if c.Args != "" {
			specs = append(specs, fmt.Sprintf("'*:%s:'", zshDesc.Replace(c.Args)))
		}
		fmt.Fprintf(w, "\t_arguments -C -s \\\n\t\t%s\n", strings.Join(specs, " \\\n\t\t"))
		if len(c.Commands) > 0 {
			fmt.Fprintf(w, "\tcase $state in\n\tcmds)\n\t\tlocal -a cmds\n\t\tcmds=(\n")
			for _, s := range c.Commands {
				fmt.Fprintf(w, "\t\t\t'%s:%s'\n", s.Name, zshDesc.Replace(s.Summary))
			}
			fmt.Fprintf(w, "\t\t)\n\t\t_describe command cmds ;;\n\targs)\n\t\tcase $line[1] in\n")
			for _, s := range c.Commands {
				fmt.Fprintf(w, "\t\t%s) %s ;;\n", s.Name, zshFunc(s))
			}
			fmt.Fprintf(w, "\t\tesac ;;\n\tesac\n")
		}
		fmt.Fprintf(w, "}\n")
	})
	fmt.Fprintf(w, "%s \"$@\"\n", zshFunc(p))
}

// fishDesc makes a description safe inside '...'.
var fishDesc = strings.NewReplacer("'", "", "\\", "")

// fishCond is the fish condition under which c's flags and
// subcommands are offered: its path seen, none of its subcommands yet.
func fishCond(c *Command) string {
	var parts []string
	if c.parent == nil {
		if len(c.Commands) > 0 {
			parts = append(parts, "__fish_use_subcommand")
		}
	} else {
		for a := c; a.parent != nil; a = a.parent {
			parts = append([]string{"__fish_seen_subcommand_from " + a.Name}, parts...)
		}
		if len(c.Commands) > 0 {
			var subs []string
			for _, s := range c.Commands {
				subs = append(subs, s.Name)
			}
			parts = append(parts, "not __fish_seen_subcommand_from "+strings.Join(subs, " "))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " -n '" + strings.Join(parts, "; and ") + "'"
}

func fishCompletion(w io.Writer, p *Command) {
	fmt.Fprintf(w, "# fish completion for %s, generated from vrrpkit's internal/cli\n", p.Name)
	fmt.Fprintf(w, "complete -c %s -f\n", p.Name)
	p.Walk(func(c *Command) {
		cond := fishCond(c)
		for _, s := range c.Commands {
			fmt.Fprintf(w, "complete -c %s%s -a %s -d '%s'\n", p.Name, cond, s.Name, fishDesc.Replace(s.Summary))
		}
		for _, f := range flagsWithGlobals(c) {
			opt := "-l " + f.Name
			if len(f.Name) == 1 {
				opt = "-s " + f.Name
			} else if f.Single {
				opt = "-o " + f.Name
			} else if f.Short != "" {
				opt += " -s " + f.Short
			}
			val := ""
			if f.Kind != Bool {
				switch f.Complete {
				case CompleteFile, CompleteDir:
					val = " -r -F"
				case CompleteInterface:
					val = " -x -a '(__fish_print_interfaces) any'"
				case CompleteNone:
					val = " -x"
				default:
					val = fmt.Sprintf(" -x -a '%s'", fishDesc.Replace(string(f.Complete)))
				}
			}
			fmt.Fprintf(w, "complete -c %s%s %s%s -d '%s'\n", p.Name, cond, opt, val, fishDesc.Replace(f.Usage))
		}
	})
}
