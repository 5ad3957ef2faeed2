// Package cmd_test runs the three programs as a user does and holds them
// to one command-line convention (internal/cli): the same table of cases
// for vrrpdump, vrrpdoctor, vrrpprobe and its subcommands.
package cmd_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vrrpkit/vrrpkit/internal/cli"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// bin builds the three programs once and returns the path of prog.
func bin(t *testing.T, prog string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "vrrpkit-cli-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", binDir+"/", "./vrrpdump", "./vrrpdoctor", "./vrrpprobe").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return filepath.Join(binDir, prog)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// cliCase is one command line and what the convention demands of it.
type cliCase struct {
	args   []string
	code   int
	stdout string // a part of stdout ("" for none at all)
	stderr string // all of stderr, one line ("" for none at all)
}

func TestCommandLines(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pcap")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pcap := filepath.Join("..", "testdata", "pcaps", "v2-basic.pcap")
	missing := filepath.Join(dir, "no-such")
	cases := map[string][]cliCase{
		"vrrpdump": {
			{[]string{"-r", missing + ".pcap"}, 2, "", "vrrpdump: open capture: open " + missing + ".pcap: no such file or directory"},
			{[]string{"-r", dir}, 2, "", "vrrpdump: read " + dir + ": is a directory: give a pcap or pcapng file (tcpdump -w, tshark -w, vrrpdump -w)"},
			{[]string{"-r", empty}, 2, "", "vrrpdump: read capture " + empty + ": EOF (is it empty?)"},
			{[]string{"-r", pcap, "--promisc"}, 2, "", "vrrpdump: --promisc: applies to live capture (-i) only, not to reading a file (-r): drop it; see vrrpdump -h"},
			{[]string{"-r", pcap, "--duration", "5s"}, 2, "", "vrrpdump: --duration: applies to live capture (-i) only, not to reading a file (-r): drop it; see vrrpdump -h"},
			{[]string{"-r", pcap, "--speed", "2"}, 2, "", "vrrpdump: --speed: applies to a replay into the screen (-r FILE --tui) only, not to reading a file (-r): drop it; see vrrpdump -h"},
			{[]string{"-r", pcap, "--metrics", "127.0.0.1:0"}, 2, "", "vrrpdump: --metrics: applies to live capture (-i) only, not to reading a file (-r): drop it; see vrrpdump -h"},
			{[]string{"-r", pcap, "-c", "x"}, 2, "", `vrrpdump: -c: "x" is not a whole number; see vrrpdump -h`},
			{[]string{"-r"}, 2, "", "vrrpdump: -r: needs a value (FILE); see vrrpdump -h"},
			{nil, 2, "", "vrrpdump: say where to read: -i IFACE (live) or -r FILE (offline); see vrrpdump -h"},
			{[]string{"-r", pcap, "--summary"}, 0, "v2-basic.pcap: 15 frames, 15 adverts", ""},
		},
		"vrrpdoctor": {
			{[]string{"--config", missing + ".conf"}, 2, "", "vrrpdoctor: --config " + missing + ".conf: no such file: give the path of keepalived.conf (keepalived -f shows it)"},
			{[]string{"--config", dir}, 2, "", "vrrpdoctor: --config " + dir + ": is a directory: give the path of keepalived.conf in it"},
			{[]string{"--listen", "soon"}, 2, "", `vrrpdoctor: --listen: "soon" is not a duration: write it as 500ms, 30s or 5m; see vrrpdoctor -h`},
			{[]string{"--json", "-v"}, 2, "", "vrrpdoctor: -v: applies to the text report only, not to --json: drop it; see vrrpdoctor -h"},
			{[]string{"extra"}, 2, "", "vrrpdoctor: extra: no such command: say " + subcommands(cli.VRRPDoctor) + ", or give vrrpdoctor flags only; see vrrpdoctor -h"},
		},
		"vrrpprobe": {
			{nil, 2, "", "vrrpprobe: say what to do: " + subcommands(cli.VRRPProbe) + "; see vrrpprobe -h"},
			{[]string{"flood"}, 2, "", "vrrpprobe: flood: no such command: say " + subcommands(cli.VRRPProbe) + "; see vrrpprobe -h"},
			{[]string{"owner", "--vrid", "5", "192.0.2.100"}, 2, "", "vrrpprobe owner: --vrid: no such flag here (it is a flag of vrrpprobe speak and vrrpprobe failover); see vrrpprobe owner -h"},
			{[]string{"owner", "-i", "lo", "-c", "0", "192.0.2.100"}, 2, "", "vrrpprobe owner: -c must be 1-100; see vrrpprobe owner -h"},
			{[]string{"speak", "-i", "lo", "--vrid", "5", "--priority", "9", "--vip", "192.0.2.300"}, 2, "",
				`vrrpprobe speak: --vip: "192.0.2.300" is not an IP address: write it as 192.0.2.100 or 2001:db8::100; see vrrpprobe speak -h`},
			{[]string{"failover", "--hold"}, 2, "", "vrrpprobe failover: --hold: needs a value (D); see vrrpprobe failover -h"},
			{[]string{"owner", "-i", "lo", "300.1.1.1"}, 2, "",
				`vrrpprobe owner: "300.1.1.1" is not an IP address: write it as 192.0.2.100 or 2001:db8::100; see vrrpprobe owner -h`},
			{[]string{"owner", "-i", "nosuch0", "192.0.2.100"}, 2, "", "vrrpprobe: interface nosuch0: no such interface: list them with `ip -br link`"},
		},
	}
	// Every program and subcommand: help on stdout with exit 0, an unknown
	// flag refused in one line with exit 2.
	var paths [][]string
	for _, prog := range cli.Programs() {
		prog.Walk(func(c *cli.Command) { paths = append(paths, strings.Fields(c.Path())) })
	}
	for _, path := range paths {
		prog, sub := path[0], path[1:]
		name := strings.Join(path, " ")
		for _, h := range []string{"-h", "--help"} {
			cases[prog] = append(cases[prog], cliCase{append(sub, h), 0, "usage: " + name, ""})
		}
		cases[prog] = append(cases[prog], cliCase{append(sub, "--bogus"), 2, "", name + ": --bogus: no such flag; see " + name + " -h"},
			cliCase{append(sub, "--bogus=1"), 2, "", name + ": --bogus: no such flag; see " + name + " -h"})
	}
	if os.Geteuid() == 0 { // without root, libpcap refuses before it looks for the interface
		cases["vrrpdump"] = append(cases["vrrpdump"], cliCase{[]string{"-i", "nosuch0", "--lines"}, 2, "",
			"vrrpdump: capture on nosuch0: no such interface: list them with `ip -br link`"})
	}
	for prog, cs := range cases {
		for _, tc := range cs {
			t.Run(prog+" "+strings.Join(tc.args, " "), func(t *testing.T) {
				var out, errb bytes.Buffer
				cmd := exec.Command(bin(t, prog), tc.args...)
				cmd.Stdout, cmd.Stderr = &out, &errb
				err := cmd.Run()
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				if code != tc.code {
					t.Errorf("exit status %d, want %d\nstderr: %s", code, tc.code, errb.String())
				}
				if tc.stdout == "" && out.Len() > 0 || !strings.Contains(out.String(), tc.stdout) {
					t.Errorf("stdout %q, want %q", firstLines(out.String()), tc.stdout)
				}
				if want := tc.stderr; want != "" {
					want += "\n"
					if errb.String() != want {
						t.Errorf("stderr\n%q, want\n%q", errb.String(), want)
					}
				} else if errb.Len() > 0 {
					t.Errorf("stderr %q, want nothing", errb.String())
				}
			})
		}
	}
}

// subcommands lists c's subcommands as usage errors name them: "a, b or c"
// (new subcommands join the table's expectations by themselves).
func subcommands(c *cli.Command) string {
	var names []string
	for _, s := range c.Commands {
		names = append(names, s.Name)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func firstLines(s string) string {
	lines := strings.SplitN(s, "\n", 4)
	return strings.Join(lines[:min(3, len(lines))], "\n")
}
