package dump_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/internal/golden"
)

// brokenCaptures are v2-failover.pcap cut as real files end up: cut short
// inside a record (tcpdump killed, a full disk), and with a corrupt record
// in the middle (a record header claiming more than any capture holds).
// It returns their paths and where and why the reading must stop.
func brokenCaptures(t *testing.T) (paths, stops map[string]string) {
	t.Helper()
	whole, err := os.ReadFile(filepath.Join("..", "testdata", "pcaps", "v2-failover.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	corrupt := bytes.Clone(whole)
	// The 30th record's header: walk the records to find it.
	off := 24
	for range 29 {
		off += 16 + int(binary.LittleEndian.Uint32(corrupt[off+8:]))
	}
	binary.LittleEndian.PutUint32(corrupt[off+8:], 1<<20)
	files := map[string][]byte{"cut": whole[:3000], "corrupt": corrupt}
	stops = map[string]string{
		"cut": "stopped after frame 45 at byte 2958: the capture ends inside a record of 42 bytes (it was cut short)",
		"corrupt": "stopped after frame 29 at byte " + strconv.Itoa(off) +
			": corrupt record: captured length 1048576, more than any capture holds (262144)"}
	paths = map[string]string{}
	for name, b := range files {
		p := filepath.Join(dir, name+".pcap")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths, stops
}

// TestIncompleteCapture: a capture cut short or with a corrupt record
// gives, in every mode, everything read before the break, then where and
// why the reading stopped; Run returns ErrPartial (exit 3).
func TestIncompleteCapture(t *testing.T) {
	paths, stops := brokenCaptures(t)
	for name, path := range paths {
		for _, mode := range []string{"lines", "json", "summary"} {
			t.Run(name+"."+mode, func(t *testing.T) {
				out, errOut, err := run(t, "-r", path, "--"+mode)
				if !errors.Is(err, dump.ErrPartial) {
					t.Fatalf("Run = %v, want ErrPartial", err)
				}
				if errOut != "" {
					t.Errorf("stderr: %s", errOut)
				}
				want := stops[name]
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
				switch mode {
				case "json":
					objs := readNDJSON(t, out)
					last := objs[len(objs)-1]
					if last.str("kind") != "summary" || !strings.Contains(last.str("incomplete"), want) || last.num("exit") != 3 {
						t.Errorf("summary object: incomplete %q, exit %d", last.str("incomplete"), last.num("exit"))
					}
				case "summary":
					if !strings.Contains(out, "\nINCOMPLETE reading "+name+".pcap: "+want) {
						t.Errorf("summary lacks the INCOMPLETE line:\n%s", out)
					}
				}
				golden.File(t, filepath.Join("testdata", t.Name()+".golden"), []byte(out))
			})
		}
	}
	// The live screen's replay sees it as the link's error, which its
	// findings pane shows (the metrics exporter reads the same Health for
	// capture-up, live only), and the summary printed on quitting says it.
	for _, speed := range []string{"0", "1000"} {
		var health []feed.Health
		var stdout bytes.Buffer
		env := dump.Env{Stdout: &stdout, Stderr: &bytes.Buffer{}, Location: time.UTC,
			TUI: func(ctx context.Context, fd *feed.Feed) error {
				for range fd.Updates {
				}
				health = fd.Health()
				return nil
			}}
		err := dump.Run(context.Background(), []string{"-r", paths["cut"], "--tui", "--speed", speed}, env)
		if !errors.Is(err, dump.ErrPartial) {
			t.Errorf("--tui --speed %s: Run = %v, want ErrPartial", speed, err)
		}
		if len(health) != 1 || health[0].Err == nil || !strings.Contains(health[0].Err.Error(), stops["cut"]) ||
			health[0].Packets != 45 {
			t.Errorf("--tui --speed %s: the feed's health %+v does not say where the reading stopped", speed, health)
		}
		if !strings.Contains(stdout.String(), "INCOMPLETE reading cut.pcap: "+stops["cut"]) {
			t.Errorf("--tui --speed %s: the summary lacks the INCOMPLETE line", speed)
		}
	}
}

// TestCompressedAndStdin: -r of a .pcap.gz, and -r - of a plain or
// compressed capture, read as the plain file does.
func TestCompressedAndStdin(t *testing.T) {
	path := filepath.Join("..", "testdata", "pcaps", "v2-failover.pcap")
	want, _, err := run(t, "-r", path, "--json")
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := os.ReadFile(path)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	gzPath := filepath.Join(t.TempDir(), "v2-failover.pcap.gz")
	os.WriteFile(gzPath, gz.Bytes(), 0o644)
	same := func(label, got, link string) {
		t.Helper()
		if strings.ReplaceAll(got, link, "v2-failover.pcap") != want {
			t.Errorf("%s reads differently from the plain file", label)
		}
	}
	got, _, err := run(t, "-r", gzPath, "--json")
	if err != nil {
		t.Fatal(err)
	}
	same(".pcap.gz", got, "v2-failover.pcap.gz")
	for _, in := range []string{path, gzPath} {
		f, err := os.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		saved := os.Stdin
		os.Stdin = f
		got, _, err := run(t, "-r", "-", "--json")
		os.Stdin = saved
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		same("-r - < "+filepath.Base(in), got, "stdin")
	}
}

// TestFullDisk: a write that fails on standard output or on -w ends the
// run with an error naming the output (exit 2), never exit 0.
func TestFullDisk(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	path := filepath.Join("..", "testdata", "pcaps", "v2-failover.pcap")
	for _, tc := range []struct {
		args   []string
		stdout bool // stdout is /dev/full
		want   string
	}{
		{[]string{"--lines"}, true, "writing standard output: write /dev/full: no space left on device"},
		{[]string{"--json"}, true, "writing standard output: write /dev/full: no space left on device"},
		{[]string{"--summary"}, true, "writing standard output: write /dev/full: no space left on device"},
		{[]string{"--summary", "-w", "/dev/full"}, false, "writing /dev/full: write /dev/full: no space left on device"},
		{[]string{"--lines", "-w", "/dev/full"}, false, "writing /dev/full: write /dev/full: no space left on device"},
	} {
		var stdout, stderr bytes.Buffer
		env := dump.Env{Stdout: &stdout, Stderr: &stderr, Location: time.UTC}
		if tc.stdout {
			env.Stdout = full
		}
		err := dump.Run(context.Background(), append([]string{"-r", path}, tc.args...), env)
		if err == nil || errors.Is(err, dump.ErrErrorFinding) || errors.Is(err, dump.ErrPartial) ||
			!strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v (stdout /dev/full %v): Run = %v, want an error containing %q", tc.args, tc.stdout, err, tc.want)
		}
	}
}
