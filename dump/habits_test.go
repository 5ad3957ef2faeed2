package dump_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/cli"
)

// tcpdump's habits are accepted: -n, -nn, -v, -vv, -vvv, -p and -s N
// change nothing, -e adds the MACs to advert lines, -l and -U flush as
// they go (the output is the same bytes).
func TestTcpdumpHabits(t *testing.T) {
	path := filepath.Join("..", "testdata", "pcaps", "v2-basic.pcap")
	plain, _, err := run(t, "-r", path, "--lines", "-c", "5")
	if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-nn", "-v"}, {"-n", "-vv"}, {"-vvv", "-s", "1500"}, {"-l"}, {"-U"}, {"-nn", "-v", "-l", "-U"},
	} {
		got, errOut, err := run(t, append([]string{"-r", path, "--lines", "-c", "5"}, args...)...)
		if err != nil && !errors.Is(err, dump.ErrErrorFinding) || errOut != "" {
			t.Fatalf("%v: %v %s", args, err, errOut)
		}
		if got != plain {
			t.Errorf("%v changed the output:\n%s\nwant\n%s", args, got, plain)
		}
	}
	withMAC, _, err := run(t, "-r", path, "--lines", "-c", "1", "-e")
	if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
		t.Fatal(err)
	}
	first := strings.SplitN(withMAC, "\n", 2)[0]
	if !strings.Contains(first, " > 01:00:5e:00:00:12, 192.0.2.") {
		t.Errorf("-e: %s", first)
	}

	// -U writes the same file, frame by frame.
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	run(t, "-r", path, "--summary", "-w", a)
	run(t, "-r", path, "--summary", "-w", b, "-U")
	fa, _ := os.ReadFile(a)
	fb, _ := os.ReadFile(b)
	if len(fa) == 0 || !bytes.Equal(fa, fb) {
		t.Errorf("-w with -U wrote %d bytes, without %d", len(fb), len(fa))
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-i", "eth0", "-p", "--promisc"}, "-p"},
		{[]string{"-r", path, "-w", a, "-C", "1", "-U"}, "-U"},
	} {
		_, err := dump.Parse(c.args, &bytes.Buffer{})
		var ue *cli.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want a usage error naming %s", c.args, err, c.want)
		}
	}
	if _, err := dump.Parse([]string{"-nn", "-v", "-p", "-i", "eth0"}, &bytes.Buffer{}); err != nil {
		t.Errorf("vrrpdump -nn -v -i eth0: %v", err)
	}
}
