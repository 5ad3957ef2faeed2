package packaging

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// need skips a test that needs root and tools on a workstation, and fails
// it under CI=true, where scripts/setup.sh installed them.
func need(t *testing.T, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("missing %s (scripts/setup.sh installs the tools; CI runs as root)", strings.Join(missing, ", "))
	}
	t.Skipf("needs %s", strings.Join(missing, ", "))
}

func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestDist runs make dist's script and checks what it made as a user
// would: SHA256SUMS verifies; the binaries are static; rpm -qpl lists the
// commands, man pages, completions, unit and Prometheus files; the .deb
// installs with dpkg -i, the commands run from PATH with their file
// capabilities (vrrpdump captures as nobody), man -w finds the pages; and
// dpkg -r removes it all again.
func TestDist(t *testing.T) {
	need(t, "dpkg", "rpm", "getcap", "man", "file", "setpriv", "unshare", "sha256sum")
	if out, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", "vrrpkit").Output(); strings.Contains(string(out), "installed") {
		t.Fatal("a vrrpkit package is installed on this machine already: remove it first (dpkg -r vrrpkit)")
	}
	out := t.TempDir()
	cmd := exec.Command("../scripts/dist.sh")
	cmd.Env = append(os.Environ(), "OUT="+out, "VERSION=0.0.1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/dist.sh: %v\n%s", err, b)
	}
	sums := sh(t, "sh", "-c", "cd "+out+" && sha256sum -c SHA256SUMS")
	for _, f := range []string{"vrrpkit_0.0.1_linux_amd64.tar.gz", "vrrpkit_0.0.1_linux_arm64.tar.gz", "vrrpkit_0.0.1-1_amd64.deb",
		"vrrpkit_0.0.1-1_arm64.deb", "vrrpkit-0.0.1-1.x86_64.rpm", "vrrpkit-0.0.1-1.aarch64.rpm", "vrrpkit_0.0.1_oci.tar", "vrrpdump-daemonset.yaml"} {
		if !strings.Contains(sums, f+": OK") {
			t.Errorf("SHA256SUMS does not verify %s:\n%s", f, sums)
		}
	}
	x := t.TempDir()
	sh(t, "tar", "-C", x, "-xzf", filepath.Join(out, "vrrpkit_0.0.1_linux_amd64.tar.gz"))
	sh(t, "tar", "-C", x+"/..", "-xzf", filepath.Join(out, "vrrpkit_0.0.1_linux_arm64.tar.gz"), "--one-top-level=arm64")
	for _, bin := range []string{"vrrpdump", "vrrpdoctor", "vrrpprobe"} {
		if f := sh(t, "file", filepath.Join(x, "usr/bin", bin)); !strings.Contains(f, "statically linked") || !strings.Contains(f, "stripped") ||
			strings.Contains(f, "not stripped") || !strings.Contains(f, "x86-64") {
			t.Errorf("amd64 %s: %s", bin, f)
		}
		if f := sh(t, "file", filepath.Join(x, "../arm64/usr/bin", bin)); !strings.Contains(f, "statically linked") || !strings.Contains(f, "aarch64") {
			t.Errorf("arm64 %s: %s", bin, f)
		}
	}
	checkImage(t, filepath.Join(out, "vrrpkit_0.0.1_oci.tar"), filepath.Join(x, "usr/bin/vrrpdump"))
	want := []string{"/usr/bin/vrrpdump", "/usr/bin/vrrpdoctor", "/usr/bin/vrrpprobe",
		"/usr/share/man/man8/vrrpdump.8.gz", "/usr/share/man/man8/vrrpdoctor.8.gz", "/usr/share/man/man8/vrrpprobe.8.gz",
		"/usr/share/bash-completion/completions/vrrpdump", "/usr/share/zsh/vendor-completions/_vrrpprobe",
		"/usr/share/fish/vendor_completions.d/vrrpdoctor.fish", "/lib/systemd/system/vrrpdump.service", "/etc/default/vrrpdump",
		"/usr/share/vrrpkit/prometheus/vrrp.rules.yml", "/usr/share/vrrpkit/prometheus/vrrpdump.json"}
	rpmFiles := strings.Fields(sh(t, "rpm", "-qpl", filepath.Join(out, "vrrpkit-0.0.1-1.x86_64.rpm")))
	for _, w := range want {
		if !slices.Contains(rpmFiles, w) {
			t.Errorf("rpm -qpl lacks %s:\n%s", w, strings.Join(rpmFiles, "\n"))
		}
	}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no package for %s", runtime.GOARCH)
	}
	deb := filepath.Join(out, "vrrpkit_0.0.1-1_"+runtime.GOARCH+".deb")
	sh(t, "dpkg", "-i", deb)
	t.Cleanup(func() {
		if b, err := exec.Command("dpkg", "--purge", "vrrpkit").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge vrrpkit: %v\n%s", err, b)
		}
		if _, err := os.Stat("/usr/bin/vrrpdump"); err == nil {
			t.Error("/usr/bin/vrrpdump is still there after dpkg --purge")
		}
	})
	debFiles := strings.Fields(sh(t, "dpkg", "-L", "vrrpkit"))
	for _, w := range want {
		if !slices.Contains(debFiles, w) {
			t.Errorf("dpkg -L vrrpkit lacks %s", w)
		}
	}
	caps := map[string]string{"vrrpdump": "cap_net_raw=ep", "vrrpdoctor": "cap_net_admin,cap_net_raw=ep", "vrrpprobe": "cap_net_raw=ep"}
	for bin, c := range caps {
		path, err := exec.LookPath(bin)
		if err != nil || path != "/usr/bin/"+bin {
			t.Errorf("%s on PATH: %q, %v", bin, path, err)
			continue
		}
		if got := sh(t, "getcap", path); !strings.Contains(got, c) {
			t.Errorf("getcap %s: %q, want %s", path, got, c)
		}
		if v := sh(t, bin, "--version"); !strings.HasPrefix(v, bin+" 0.0.1 (commit ") || !strings.Contains(v, "pure Go") || !strings.Contains(v, "statically linked") {
			t.Errorf("%s --version: %q", bin, v)
		}
	}
	if got := strings.TrimSpace(sh(t, "man", "-w", "vrrpdump")); got != "/usr/share/man/man8/vrrpdump.8.gz" {
		t.Errorf("man -w vrrpdump: %q", got)
	}
	// As nobody, in a network namespace of its own (its lo, no traffic):
	// the file capability lets vrrpdump open the capture, which then says
	// it saw nothing (exit 1) rather than failing for permission (exit 2).
	run := exec.Command("unshare", "-n", "sh", "-c", "ip link set lo up && exec setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "+
		"vrrpdump -i lo --duration 1s --summary")
	b, err := run.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(b), "no frame matched on lo") {
		t.Errorf("vrrpdump -i lo as nobody with the package's capability: %v\n%s", err, b)
	}
}

// checkImage reads the OCI layout tar as a registry client would: an index
// of a linux/amd64 and a linux/arm64 image, each one layer holding only
// /usr/bin/vrrpdump (for amd64, the binary of the release tarball), run as
// its entrypoint.
func checkImage(t *testing.T, file, amd64Bin string) {
	t.Helper()
	dir := t.TempDir()
	sh(t, "tar", "-C", dir, "-xf", file)
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("%s is not an OCI layout: %v", file, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var plats []string
	for _, m := range im.Manifests {
		plats = append(plats, m.Platform.OS+"/"+m.Platform.Architecture)
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cf.Config.Entrypoint, []string{"/usr/bin/vrrpdump"}) || cf.Architecture != m.Platform.Architecture {
			t.Errorf("%s: entrypoint %q, architecture %q", m.Platform.Architecture, cf.Config.Entrypoint, cf.Architecture)
		}
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("%s: %d layers, %v", m.Platform.Architecture, len(layers), err)
		}
		rc, err := layers[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		var names []string
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			names = append(names, h.Name)
			if h.Name == "usr/bin/vrrpdump" && m.Platform.Architecture == "amd64" {
				data, _ := io.ReadAll(tr)
				if !bytes.Equal(data, mustRead(t, amd64Bin)) {
					t.Error("the amd64 image's vrrpdump is not the release tarball's")
				}
			}
		}
		rc.Close()
		if !slices.Equal(names, []string{"usr/", "usr/bin/", "usr/bin/vrrpdump"}) {
			t.Errorf("%s image holds %q, want the binary only", m.Platform.Architecture, names)
		}
	}
	if !slices.Equal(plats, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("image platforms %q", plats)
	}
}
