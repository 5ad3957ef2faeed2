package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestManAndCompletionsCoverEveryFlag: each program's man page lists every
// command and flag of its definition (and --version), and each shell's
// completion offers each flag for its command; the generated files pass
// groff's and bash's own checks. Help, man pages and completions come from
// one definition, so a flag added there reaches all of them; this test
// fails if a generator drops one.
func TestManAndCompletionsCoverEveryFlag(t *testing.T) {
	for _, p := range Programs() {
		var man bytes.Buffer
		if err := WriteMan(&man, p, "2026-12-01", "test"); err != nil {
			t.Fatal(err)
		}
		scripts := map[string]string{}
		for _, sh := range Shells {
			var b bytes.Buffer
			if err := WriteCompletion(&b, sh, p); err != nil {
				t.Fatal(err)
			}
			scripts[sh] = b.String()
		}
		p.Walk(func(c *Command) {
			if c != p && !strings.Contains(man.String(), ".SS "+roff(c.Path())+"\n") {
				t.Errorf("%s(8) has no section for %s", p.Name, c.Path())
			}
			for _, f := range flagsWithGlobals(c) {
				where := c.Path() + " " + f.Dashed()
				if (c == p || c.Flag(f.Name) != nil) && !strings.Contains(man.String(), `\fB`+roff(f.Dashed())+`\fR`) && !strings.Contains(man.String(), ".B "+roff(f.Dashed())+"\n") &&
					!strings.Contains(man.String(), ".BR "+roff(f.Dashed())+" ") {
					t.Errorf("%s(8) lacks %s", p.Name, where)
				}
				if line := bashFlagsLine(scripts["bash"], key(c)); !containsWord(line, f.Dashed()) {
					t.Errorf("bash completion lacks %s (line %q)", where, line)
				}
				zsh := fmt.Sprintf("'%s[", f.Dashed())
				if f.Repeat {
					zsh = fmt.Sprintf("'*%s[", f.Dashed())
				}
				if !strings.Contains(zshSection(scripts["zsh"], c), zsh) {
					t.Errorf("zsh completion lacks %s", where)
				}
				fish := "-l " + f.Name + " "
				if len(f.Name) == 1 {
					fish = "-s " + f.Name + " "
				} else if f.Single {
					fish = "-o " + f.Name + " "
				}
				if !fishHas(scripts["fish"], c, fish) {
					t.Errorf("fish completion lacks %s", where)
				}
			}
		})
		dir := t.TempDir()
		if _, err := exec.LookPath("groff"); err == nil {
			cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z")
			cmd.Stdin = bytes.NewReader(man.Bytes())
			if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("groff on %s(8): %v\n%s", p.Name, err, out)
			}
		}
		bash := filepath.Join(dir, p.Name+".bash")
		if err := os.WriteFile(bash, []byte(scripts["bash"]), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("bash", "-n", bash).CombinedOutput(); err != nil {
			t.Errorf("bash -n on %s's completion: %v\n%s", p.Name, err, out)
		}
		// Complete "PROG -" as bash would, and the value of an interface flag.
		if out, err := exec.Command("bash", "-c", fmt.Sprintf(`source %s; COMP_WORDS=(%s -); COMP_CWORD=1; _%s; printf '%%s\n' "${COMPREPLY[@]}"`,
			bash, p.Name, p.Name)).CombinedOutput(); err != nil || !strings.Contains(string(out), "--version\n") {
			t.Errorf("bash completing %q: %v\n%s", p.Name+" -", err, out)
		}
	}
}

func bashFlagsLine(script, key string) string {
	for _, l := range strings.Split(script, "\n") {
		if strings.HasPrefix(l, fmt.Sprintf("\t%q) flags='", key)) {
			return l
		}
	}
	return ""
}

func containsWord(line, w string) bool {
	for _, f := range strings.Fields(strings.NewReplacer("'", " ", ";", " ").Replace(line)) {
		if f == w {
			return true
		}
	}
	return false
}

// zshSection is c's completion function in the zsh script.
func zshSection(script string, c *Command) string {
	_, s, _ := strings.Cut(script, zshFunc(c)+"() {\n")
	s, _, _ = strings.Cut(s, "\n}\n")
	return s
}

func fishHas(script string, c *Command, opt string) bool {
	for _, l := range strings.Split(script, "\n") {
		if strings.HasPrefix(l, "complete -c "+c.Program().Name+fishCond(c)+" "+opt) {
			return true
		}
	}
	return false
}
