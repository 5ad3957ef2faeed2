package report_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vrrpkit/vrrpkit/internal/refcap"
)

// The browser tests open reports in Debian's headless Chromium, driven by
// its command line: --dump-dom gives the DOM after scripts ran,
// --screenshot the rendered page, and --enable-logging=stderr prints every
// console message (errors, uncaught exceptions, failed loads) as a
// "CONSOLE" line. The report writes nothing to the console, so any such
// line fails the test.

// chromium returns the browser, skipping the test on a workstation without
// it and failing under CI=true (scripts/setup.sh installs it).
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium not installed (apt-get install chromium; scripts/setup.sh does): %v", err)
		}
		t.Skipf("chromium not installed (apt-get install chromium): %v", err)
	}
	return p
}

// browse runs headless Chromium on a file with extra arguments and returns
// its stdout and the console messages it logged.
func browse(t *testing.T, bin, file string, args ...string) (stdout []byte, console []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0", "--hide-scrollbars"}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+file)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	for _, l := range strings.Split(errb.String(), "\n") {
		if consoleLine.MatchString(l) {
			console = append(console, l)
		}
	}
	return out.Bytes(), console
}

var consoleLine = regexp.MustCompile(`:CONSOLE[:(]`)

// nonBlank reports whether a screenshot shows something: a share of its
// pixels differ from the background, in several colours.
func nonBlank(t *testing.T, pngPath string) (share float64, colours int) {
	t.Helper()
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", pngPath, err)
	}
	b := img.Bounds()
	bg := img.At(b.Min.X, b.Min.Y)
	br, bgc, bb, _ := bg.RGBA()
	seen := map[[3]uint32]bool{}
	diff, total := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			total++
			if r != br || g != bgc || bl != bb {
				diff++
			}
			if len(seen) < 1000 {
				seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			}
		}
	}
	return float64(diff) / float64(total), len(seen)
}

func TestBrowserCatchesConsoleErrors(t *testing.T) {
	bin := chromium(t)
	page := filepath.Join(t.TempDir(), "bad.html")
	if err := os.WriteFile(page, []byte(`<!DOCTYPE html><html><body><p>x</p><script>console.error("planted"); undefinedFunction();</script></body></html>`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, console := browse(t, bin, page, "--dump-dom")
	if len(console) < 2 {
		t.Fatalf("the console check misses a planted console.error and an uncaught exception: %q", console)
	}
}

func TestReportInBrowser(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	for _, path := range refcap.Paths(t, "..") {
		name := refcap.Name(path)
		t.Run(name, func(t *testing.T) {
			b, tr, first := render(t, path)
			page := filepath.Join(dir, name+".html")
			if err := os.WriteFile(page, b, 0o644); err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(dir, name+".png")
			dom, console := browse(t, bin, page, "--dump-dom", "--screenshot="+shot, "--window-size=1280,1200")
			for _, l := range console {
				t.Errorf("console: %s", l)
			}
			checkReport(t, name, parse(t, dom), tr.Overview(), first)
			share, colours := nonBlank(t, shot)
			if share < 0.05 || colours < 8 {
				t.Errorf("screenshot %s looks blank: %.1f%% of pixels differ from the background, %d colours", shot, 100*share, colours)
			}
			if out := os.Getenv("VRRPKIT_REPORT_SHOTS"); out != "" {
				if err := os.WriteFile(filepath.Join(out, "report-"+name+".png"), mustRead(t, shot), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
