package main

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os/exec"
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
		{"vrid in use", []string{"send", "-i", "eth0", "192.0.2.12", "--vrid", "300"}, "--vrid"},
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
