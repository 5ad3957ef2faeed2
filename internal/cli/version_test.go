package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Every program answers --version with its build; a subcommand's own
// --version flag (vrrpprobe speak --version 3) stays that flag.
func TestVersion(t *testing.T) {
	for _, p := range Programs() {
		var out bytes.Buffer
		_, err := Parse(p, []string{"--version"}, &out)
		if !errors.Is(err, ErrHelp) {
			t.Errorf("%s --version: %v, want ErrHelp (exit 0)", p.Name, err)
		}
		if got := out.String(); !strings.HasPrefix(got, p.Name+" ") || !strings.Contains(got, "\nbuild: "+buildKind+", ") {
			t.Errorf("%s --version printed %q", p.Name, got)
		}
	}
	var out bytes.Buffer
	got, err := Parse(VRRPProbe, []string{"speak", "--version", "3", "-i", "eth0", "--vrid", "51", "--vip", "192.0.2.100"}, &out)
	if err != nil {
		t.Fatalf("vrrpprobe speak --version 3: %v", err)
	}
	if out.Len() != 0 || got == nil || got.Int("version") != 3 {
		t.Errorf("vrrpprobe speak --version 3 printed %q, parsed %+v", out.String(), got)
	}
}
