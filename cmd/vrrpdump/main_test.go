package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/dump"
)

// TestExitStatus: 0 without an error finding (and for -h), 1 with one, 2
// when vrrpdump fails (a write to a full disk too), 3 for a capture cut
// short, with a message on stderr that names the file or flag; a capture
// on standard input (-r -) reads like a file.
func TestExitStatus(t *testing.T) {
	pcaps := filepath.Join("..", "..", "testdata", "pcaps")
	// The v2-failover capture cut inside its 46th record, as a killed
	// tcpdump leaves it.
	whole, err := os.ReadFile(filepath.Join(pcaps, "v2-failover.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(cut, whole[:3000], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		stdin  string // a file to read as standard input
		code   int
		stdout string // a part of stdout
		stderr string // a part of stderr ("" for none at all)
	}{
		{"clean capture", []string{"-r", filepath.Join(pcaps, "v2-basic.pcap")}, "", 0, "v2-basic.pcap: 15 frames, 15 adverts", ""},
		{"split brain", []string{"-r", filepath.Join(pcaps, "split-brain.pcap")}, "", 1, "ERROR split-brain", ""},
		{"standard input", []string{"-r", "-", "--summary"}, filepath.Join(pcaps, "split-brain.pcap"), 1, "stdin: 195 frames", ""},
		{"help", []string{"-h"}, "", 0, "usage: vrrpdump", ""},
		{"bad flag", []string{"--bogus"}, "", 2, "", "vrrpdump: --bogus: no such flag; see vrrpdump -h"},
		{"no source", nil, "", 2, "", "say where to read: -i IFACE (live) or -r FILE (offline); see vrrpdump -h"},
		{"cut short", []string{"-r", cut, "--summary"}, "", 3, "INCOMPLETE reading cut.pcap: stopped after frame 45 at byte 2958",
			"vrrpdump: capture read only in part: reading cut.pcap: stopped after frame 45 at byte 2958: the capture ends inside a record of 42 bytes (it was cut short)"},
		{"-w on a full disk", []string{"-r", filepath.Join(pcaps, "v2-basic.pcap"), "-w", "/dev/full"}, "", 2, "",
			"vrrpdump: writing /dev/full: write /dev/full: no space left on device"},
		{"missing file", []string{"-r", "no-such.pcap"}, "", 2, "", "vrrpdump: open capture: open no-such.pcap: no such file or directory"},
		{"not a capture", []string{"-r", "main.go"}, "", 2, "", "vrrpdump: read main.go: not a classic pcap file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.stdin != "" {
				f, err := os.Open(tc.stdin)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				old := os.Stdin
				os.Stdin = f
				defer func() { os.Stdin = old }()
			}
			var out, errb bytes.Buffer
			err := dump.Run(context.Background(), tc.args, dump.Env{Stdout: &out, Stderr: &errb})
			code := exitStatus(err, &errb)
			if code != tc.code {
				t.Errorf("exit status %d, want %d (error %v)", code, tc.code, err)
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, out.String())
			}
			if tc.stderr == "" && errb.Len() > 0 || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr %q, want %q", errb.String(), tc.stderr)
			}
		})
	}
}
