package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/probe"
	"github.com/vrrpkit/vrrpkit/probe/path"
)

// silentWire is a packet socket on a quiet link: reads block until Close;
// writes are recorded.
type silentWire struct {
	once    sync.Once
	closed  chan struct{}
	mu      *sync.Mutex
	written *[][]byte
}

func (w *silentWire) ReadFrame([]byte) (int, bool, error) {
	<-w.closed
	return 0, false, net.ErrClosed
}

func (w *silentWire) WriteFrame(b []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	*w.written = append(*w.written, append([]byte(nil), b...))
	return nil
}

func (w *silentWire) Close() error { w.once.Do(func() { close(w.closed) }); return nil }

// fakePath is a host with eth0 (192.0.2.11, fe80::1, 2001:db8:1::11) on a
// quiet link; it records every frame and packet sent.
func fakePath() (pathSys, *[][]byte) {
	var mu sync.Mutex
	var written [][]byte
	fs := &fakeSys{}
	return pathSys{
		iface: func(name string) (*net.Interface, error) {
			if name != "eth0" {
				return nil, &net.OpError{Op: "route", Net: "ip+net", Err: errNoSuchInterface}
			}
			return &net.Interface{Index: 2, Name: "eth0", HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 1, 1}}, nil
		},
		addrs: func(*net.Interface) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("192.0.2.11"), netip.MustParseAddr("fe80::1"), netip.MustParseAddr("2001:db8:1::11")}, nil
		},
		openWire: func(*net.Interface, bool) (path.Wire, error) {
			return &silentWire{closed: make(chan struct{}), mu: &mu, written: &written}, nil
		},
		openLink: func(*net.Interface, decode.Family, netip.Addr) (probe.Link, error) {
			return &fakeLink{s: fs, closed: make(chan struct{})}, nil
		},
		command: func(ctx context.Context, argv []string) *exec.Cmd {
			return exec.CommandContext(ctx, "false")
		},
	}, &written
}

type noSuchInterface struct{}

func (noSuchInterface) Error() string { return "no such network interface" }

var errNoSuchInterface = noSuchInterface{}

// TestPathSendDryRun: without --yes the sender prints every frame it would
// send, with the bytes of each kind, and sends nothing.
func TestPathSendDryRun(t *testing.T) {
	ps, written := fakePath()
	var out, errb bytes.Buffer
	p := mustParse(t, "path", "send", "-i", "eth0", "192.0.2.12", "2001:db8:1::12", "--count", "1", "--survey", "1ms",
		"--remote", "ssh root@192.0.2.12")
	if err := runPathSend(context.Background(), p, &out, &errb, ps); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if len(*written) != 0 {
		t.Errorf("dry run wrote %d frames", len(*written))
	}
	golden(t, "stdout", out.String())
	if !strings.Contains(errb.String(), "testing with vrid 255") {
		t.Errorf("stderr does not name the vrid:\n%s", errb.String())
	}
}

// TestPathRefuses: command lines path cannot use fail with exit 2 naming
// the flag or argument.
func TestPathRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no peer", []string{"send", "-i", "eth0"}, "give the peer's address"},
		{"bad peer", []string{"send", "-i", "eth0", "peer-b"}, "not an IP address"},
		{"two IPv4 peers", []string{"send", "-i", "eth0", "192.0.2.12", "192.0.2.13"}, "at most one peer address per family"},
		{"count", []string{"send", "-i", "eth0", "192.0.2.12", "--count", "40"}, "--count"},
		{"rate", []string{"send", "-i", "eth0", "192.0.2.12", "--rate", "500"}, "--rate"},
		{"vrid out of range", []string{"send", "-i", "eth0", "192.0.2.12", "--vrid", "300"}, "--vrid"},
		{"remote-iface without remote", []string{"send", "-i", "eth0", "192.0.2.12", "--remote-iface", "eth1"}, "only with --remote"},
		{"no interface", []string{"send", "192.0.2.12"}, "-i"},
		{"unknown interface", []string{"listen", "-i", "eth9"}, "eth9"},
		{"both families", []string{"listen", "-i", "eth0", "-4", "-6"}, "not both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, _ := fakePath()
			p := mustParse(t, append([]string{"path"}, tc.args...)...)
			var out, errb bytes.Buffer
			var err error
			if p.Cmd.Name == "send" {
				err = runPathSend(context.Background(), p, &out, &errb, ps)
			} else {
				err = runPathListen(context.Background(), p, &out, &errb, ps)
			}
			if code := exitStatus(err, &errb); code != 2 {
				t.Fatalf("exit %d, want 2 (%v)", code, err)
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("message %q lacks %q", errb.String(), tc.want)
			}
		})
	}
}

// mustParse parses a vrrpprobe command line.
func mustParse(t *testing.T, args ...string) *cli.Parsed {
	t.Helper()
	p, err := cli.Parse(cli.VRRPProbe, args, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return p
}

// TestPathSendRemoteJSON runs the two-way mode against a fake peer: a
// shell that prints what a listener that heard every frame would print,
// then what a sender would (its frames never arrive here: the local link
// is silent). The result names B -> A as lost, one way.
func TestPathSendRemoteJSON(t *testing.T) {
	ps, _ := fakePath()
	dir := t.TempDir()
	mac := net.HardwareAddr{2, 0, 0, 0, 1, 1}
	plan := path.PlanConfig{VRID: 255, Count: 1, MAC: mac,
		IPv4: &path.Endpoint{Primary: netip.MustParseAddr("192.0.2.11"), UnicastSrc: netip.MustParseAddr("192.0.2.11"), Peer: netip.MustParseAddr("192.0.2.12")}}
	frames, err := path.Plan(plan)
	if err != nil {
		t.Fatal(err)
	}
	heard := &path.ListenLog{Iface: "eth0", VRID: 255, Sends: plan.Sends()}
	back := &path.SendLog{VRID: 255, Iface: "eth0", MAC: "02:00:00:00:01:02", Sends: plan.Sends(), Watched: true}
	for _, f := range frames {
		heard.Heard = append(heard.Heard, path.Heard{ID: f.ID, Wire: 1, Socket: boolCount(f.Kind.Advert()), TTL: 255, SocketTTL: 255, SrcMAC: f.SrcMAC.String(), Src: f.Src})
		back.Frames = append(back.Frames, path.Sent{ID: f.ID, Left: true, SrcMAC: f.SrcMAC.String()})
	}
	write := func(name string, v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	listened := write("listen.json", listenResult{Listen: heard})
	sentBack := write("sent.json", map[string]any{"sent": back})
	var calls [][]string
	ps.command = func(ctx context.Context, argv []string) *exec.Cmd {
		calls = append(calls, argv)
		if slices.Contains(argv, "listen") {
			return exec.CommandContext(ctx, "sh", "-c", `echo '{"ready":true}'; cat >/dev/null; cat "$0"; exit 1`, listened)
		}
		return exec.CommandContext(ctx, "cat", sentBack)
	}
	p := mustParse(t, "path", "send", "-i", "eth0", "-4", "192.0.2.12", "--count", "1", "--rate", "50", "--survey", "1ms",
		"--remote", "ssh root@b", "--remote-vrrpprobe", "/usr/local/bin/vrrpprobe", "--json", "--yes")
	var out, errb bytes.Buffer
	err = runPathSend(context.Background(), p, &out, &errb, ps)
	if code := exitStatus(err, &errb); code != 1 {
		t.Fatalf("exit %d, want 1 (B -> A lost): %v\n%s\n%s", code, err, out.String(), errb.String())
	}
	var res bothResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(res.Directions) != 2 || !res.Directions[0].Pass() || res.Pass {
		t.Fatalf("result: %s", out.String())
	}
	var ids []string
	for _, f := range res.Directions[1].Findings {
		ids = append(ids, f.ID)
	}
	if !slices.Equal(ids, []string{"nothing-arrived"}) || len(res.OneWay) != 1 || !strings.Contains(res.OneWay[0].Summary, "192.0.2.12 (eth0) -> 192.0.2.11 (eth0) fails") {
		t.Errorf("B -> A findings %q, one way %+v", ids, res.OneWay)
	}
	want := [][]string{
		{"ssh", "root@b", "/usr/local/bin/vrrpprobe", "path", "listen", "-i", "eth0", "--vrid", "255", "--json", "--stop-on-eof", "-4"},
		{"ssh", "root@b", "/usr/local/bin/vrrpprobe", "path", "send", "-i", "eth0", "--vrid", "255", "--count", "1", "--rate", "50",
			"--survey", "1ms", "--json", "--yes", "-4", "192.0.2.11"},
	}
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Errorf("remote commands:\n%q\nwant\n%q", calls, want)
	}
}

func boolCount(b bool) int {
	if b {
		return 1
	}
	return 0
}
