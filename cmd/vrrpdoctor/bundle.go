package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/bundle"
	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/live"
	"github.com/vrrpkit/vrrpkit/doctor"
	"github.com/vrrpkit/vrrpkit/dump"
	"github.com/vrrpkit/vrrpkit/internal/cli"
)

// runBundle is "vrrpdoctor bundle" (cli.DoctorBundle).
func runBundle(ctx context.Context, p *cli.Parsed, stdout io.Writer) error {
	ifaces, config := p.Strings("i"), p.String("config")
	capDur, since := p.Duration("capture"), p.Duration("since")
	if capDur < 0 {
		return p.Cmd.Usagef("--capture", "takes a positive duration (30s)")
	}
	if since <= 0 {
		return p.Cmd.Usagef("--since", "takes a positive duration (30m)")
	}
	if capDur > 0 && len(ifaces) > 1 {
		return p.Cmd.Usagef("-i", "--capture watches one interface: give one -i (or none for any)")
	}
	host := bundle.Host{FS: os.DirFS("/"), Run: doctor.ExecRunner{}}
	o := bundle.Options{ConfigPath: config, Since: since, Version: buildVersion()}
	o.Doctor = func(ctx context.Context) ([]byte, []byte, error) {
		env := &doctor.Env{FS: host.FS, Run: host.Run, Net: doctor.Netlink{}, Ifaces: ifaces, ConfigPath: config}
		rs := doctor.RunChecks(ctx, env, doctor.Checks())
		var text, js bytes.Buffer
		if err := doctor.WriteText(&text, rs, doctor.TextOptions{Verbose: true}); err != nil {
			return nil, nil, err
		}
		if err := doctor.WriteJSON(&js, rs); err != nil {
			return nil, nil, err
		}
		return text.Bytes(), js.Bytes(), nil
	}
	var tmp string
	if capDur > 0 {
		iface := "any"
		if len(ifaces) == 1 {
			iface = ifaces[0]
		}
		o.Capture = func(ctx context.Context) (string, []byte, []byte, error) {
			var err error
			tmp, err = os.MkdirTemp("", "vrrpdoctor-bundle-")
			if err != nil {
				return "", nil, nil, err
			}
			pcap, html := filepath.Join(tmp, "vrrp.pcap"), filepath.Join(tmp, "report.html")
			var summary, errb bytes.Buffer
			err = dump.Run(ctx, []string{"-i", iface, "--duration", capDur.String(), "--summary", "-w", pcap, "--report", html},
				dump.Env{Stdout: &summary, Stderr: &errb, OpenLive: func(iface string, o dump.LiveOptions) (capture.Source, error) {
					return live.Open(iface, live.Options{Filter: o.Filter, Promisc: o.Promisc, Warn: o.Warn})
				}})
			if err != nil && !errors.Is(err, dump.ErrErrorFinding) {
				return "", nil, nil, fmt.Errorf("capture on %s: %w %s", iface, err, strings.TrimSpace(errb.String()))
			}
			report, rerr := os.ReadFile(html)
			if rerr != nil {
				return pcap, summary.Bytes(), nil, rerr
			}
			return pcap, summary.Bytes(), report, nil
		}
	}
	defer func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}()
	path := p.String("o")
	if path == "" {
		name, _ := os.Hostname()
		path = fmt.Sprintf("vrrp-bundle-%s-%s.tar.gz", name, time.Now().UTC().Format("20060102T150405Z"))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("-o: %w (give a new FILE.tar.gz; an existing file is not overwritten)", err)
	}
	m, err := bundle.Write(ctx, f, host, o)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	ok, missing := 0, 0
	for _, p := range m.Parts {
		if p.Status == "ok" {
			ok++
		} else {
			missing++
		}
	}
	fmt.Fprintf(stdout, "%s: %d parts, %d not available (see MANIFEST.txt), %d secrets masked\n", path, ok, missing, m.Masked)
	return nil
}

// buildVersion is the module version and VCS revision the binary was built
// from, for the manifest.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
