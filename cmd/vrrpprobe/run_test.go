package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"

	gold "github.com/vrrpkit/vrrpkit/internal/golden"
)

// Golden output carries wall-clock times: the synctest bubble's, in UTC.
func init() { time.Local = time.UTC }

// golden compares got with testdata/<Test>/<name>.golden.
func golden(t *testing.T, name, got string) {
	t.Helper()
	gold.File(t, filepath.Join("testdata", strings.ReplaceAll(t.Name(), "/", "_"), name+".golden"), []byte(got))
}

// fakeSys records what the commands open and send.
type fakeSys struct {
	mu      sync.Mutex
	opened  []string
	written [][]byte
	replay  chan probe.Packet // adverts the fake link delivers
	owners  []string          // MACs that answer owner lookups
	// participates is why this host takes part in the group, for the drill.
	participates []string
}

type fakeLink struct {
	s      *fakeSys
	closed chan struct{}
	once   sync.Once
}

func (l *fakeLink) ReadPacket(buf []byte) (probe.Packet, error) {
	select {
	case p := <-l.s.replay:
		p.Data = buf[:copy(buf, p.Data)]
		return p, nil
	case <-l.closed:
		return probe.Packet{}, errors.New("closed")
	}
}

func (l *fakeLink) WritePacket(msg []byte, _ netip.Addr) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.written = append(l.s.written, append([]byte(nil), msg...))
	return nil
}

func (l *fakeLink) Close() error { l.once.Do(func() { close(l.closed) }); return nil }

type fakeResolver struct {
	macs    []string
	replies chan probe.Reply
	closed  chan struct{}
	once    sync.Once
}

func (r *fakeResolver) Solicit(ip netip.Addr) error {
	for i, m := range r.macs {
		mac, _ := net.ParseMAC(m)
		go func() {
			select {
			case <-time.After(time.Duration(i+1) * time.Millisecond):
			case <-r.closed:
				return
			}
			select {
			case r.replies <- probe.Reply{IP: ip, MAC: mac}:
			case <-r.closed:
			}
		}()
	}
	return nil
}

func (r *fakeResolver) ReadReply() (probe.Reply, error) {
	select {
	case rep := <-r.replies:
		return rep, nil
	case <-r.closed:
		return probe.Reply{}, errors.New("closed")
	}
}

func (r *fakeResolver) Close() error { r.once.Do(func() { close(r.closed) }); return nil }

func (f *fakeSys) sys() sys {
	note := func(s string) {
		f.mu.Lock()
		f.opened = append(f.opened, s)
		f.mu.Unlock()
	}
	return sys{
		iface: func(name string) (*net.Interface, error) {
			if name != "eth0" {
				return nil, errors.New("no such network interface")
			}
			return &net.Interface{Name: "eth0", Index: 2, HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 1, 2}}, nil
		},
		primary: func(_ *net.Interface, fam decode.Family) (netip.Addr, error) {
			if fam == decode.IPv6 {
				return netip.MustParseAddr("fe80::ff:fe00:102"), nil
			}
			return netip.MustParseAddr("192.0.2.12"), nil
		},
		openLink: func(*net.Interface, decode.Family, netip.Addr) (probe.Link, error) {
			note("link")
			return &fakeLink{s: f, closed: make(chan struct{})}, nil
		},
		openHost: func(*net.Interface) (probe.HostCloser, error) {
			note("host")
			return nil, errors.New("the fake has no host")
		},
		vmac: func(*net.Interface, decode.Family, uint8, *probe.StateFile) (*net.Interface, func() error, error) {
			note("vmac")
			return nil, nil, errors.New("the fake has no vmac")
		},
		claimState: func(*net.Interface, decode.Family, uint8) (*probe.Claim, error) {
			note("state")
			return &probe.Claim{}, nil
		},
		findLeftovers: func(string) ([]probe.Found, error) { return nil, nil },
		findOrphans:   func([]probe.Found) ([]probe.Orphan, error) { return nil, nil },
		removeOrphan:  func(probe.Orphan) error { return errors.New("the fake removes nothing") },
		participation: func(*probe.Group) ([]string, []string) { return f.participates, nil },
		localDaemons:  func(uint8) ([]string, []string) { return f.participates, nil },
		frames: func(*net.Interface) (probe.FrameSource, error) {
			note("frames")
			return nil, errors.New("the fake captures nothing")
		},
		clean: func(string, *probe.Leftovers) ([]string, error) { return nil, errors.New("the fake cleans nothing") },
		owner: func(*net.Interface, netip.Addr) (probe.Resolver, error) {
			note("resolver")
			return &fakeResolver{macs: f.owners, replies: make(chan probe.Reply), closed: make(chan struct{})}, nil
		},
	}
}

func code(err error) int { return exitStatus(err, io.Discard) }

func TestRunRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, ""},
		{"unknown command", []string{"flood"}, `flood: no such command: say owner, speak, failover, cleanup or path`},
		{"speak without interface", []string{"speak", "--vrid", "5", "--priority", "100", "--vip", "192.0.2.100", "--yes"}, "no interface named"},
		{"speak without vrid", []string{"speak", "-i", "eth0", "--priority", "100", "--vip", "192.0.2.100", "--yes"}, "--vrid 1-255 is required"},
		{"speak without priority", []string{"speak", "-i", "eth0", "--vrid", "5", "--vip", "192.0.2.100", "--yes"}, "--priority 1-255 is required"},
		{"speak priority 0", []string{"speak", "-i", "eth0", "--vrid", "5", "--priority", "0", "--vip", "192.0.2.100", "--yes"}, "--priority 1-255 is required"},
		{"speak v2 IPv6", []string{"speak", "-i", "eth0", "--vrid", "5", "--priority", "9", "--version", "2", "--vip", "2001:db8::1", "--yes"}, "VRRPv2 is IPv4 only"},
		{"owner without interface", []string{"owner", "192.0.2.100"}, "no interface named"},
		{"failover without vrid", []string{"failover", "-i", "eth0", "--yes"}, "--vrid 1-255 is required"},
		{"failover without interface", []string{"failover", "--vrid", "51", "--yes"}, "no interface named"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeSys{}
			var out, errb bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errb, f.sys())
			if code(err) != 2 {
				t.Fatalf("exit %d (%v), want 2", code(err), err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if len(f.opened) > 0 || len(f.written) > 0 {
				t.Errorf("opened %v and wrote %d packets before refusing", f.opened, len(f.written))
			}
		})
	}
}

// TestSpeakDryRun: without --yes the speaker listens, prints what it would
// do in the group it heard and what it would send, and ends on its own,
// having sent nothing. A non-owner without --accept would also have the
// firewall drop packets to the VIPs while it runs.
func TestSpeakDryRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		master *probe.Config // a router advertising on the link, or none
		secret string        // typed at the (fake) terminal
	}{
		{"owner of a silent group", []string{"--vrid", "52", "--priority", "255", "--vip", "192.0.2.100", "192.0.2.101"}, nil, ""},
		{"not Accept_Mode silent IPv6", []string{"--vrid", "52", "--priority", "200", "--vip", "2001:db8:1::100"}, nil, ""},
		{"joins v2 PASS group", []string{"--vrid", "51", "--priority", "200"}, &v2master, "secret12"},
		{"stays backup", []string{"--vrid", "51", "--priority", "100", "--vip", "192.0.2.100"}, &v2master, "secret12"},
		{"v3 message-only checksum", []string{"--vrid", "52", "--priority", "200", "--json"}, &v3master, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeSys{replay: make(chan probe.Packet)}
				stop := f.advertise(tc.master)
				defer stop()
				var out, errb bytes.Buffer
				s := f.sys()
				if tc.secret != "" {
					s.askSecret = func(string) (string, error) { return tc.secret, nil }
				}
				args := append([]string{"speak", "-i", "eth0", "--install-vips"}, tc.args...)
				if err := run(context.Background(), args, &out, &errb, s); err != nil {
					t.Fatalf("run: %v\n%s", err, errb.String())
				}
				if len(f.written) != 0 || strings.Contains(strings.Join(f.opened, " "), "host") {
					t.Errorf("dry run sent %d packets, opened %v", len(f.written), f.opened)
				}
				if strings.Contains(out.String()+errb.String(), "secret12") {
					t.Errorf("the password was printed:\n%s%s", out.String(), errb.String())
				}
				golden(t, "stdout", out.String())
			})
		})
	}
}

var (
	v2master = probe.Config{VRID: 51, Priority: 150, Version: decode.V2, Interval: time.Second,
		VIPs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}, Primary: netip.MustParseAddr("192.0.2.11"), AuthPass: "secret12"}
	v3master = probe.Config{VRID: 52, Priority: 150, Version: decode.V3, Interval: 500 * time.Millisecond,
		VIPs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}, Primary: netip.MustParseAddr("192.0.2.11"), Checksum: decode.FlavourMessageOnly}
)

// advertise has c's router advertise on the fake link every interval
// until stop; nil advertises nothing.
func (f *fakeSys) advertise(c *probe.Config) (stop func()) {
	done := make(chan struct{})
	if c == nil {
		return func() {}
	}
	go func() {
		for {
			b, _ := probe.AppendAdvert(nil, c, c.Priority, probe.Group4)
			select {
			case f.replay <- probe.Packet{Src: c.Primary, Dst: probe.Group4, TTL: 255, Data: b}:
			case <-done:
				return
			}
			select {
			case <-time.After(c.Interval):
			case <-done:
				return
			}
		}
	}()
	return func() { close(done) }
}

// TestSpeakRefuses: flags that contradict the group on the wire, a wrong
// or missing password, are refused before anything is sent, with the
// flags to use; the password is never printed.
func TestSpeakRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		env    string
		secret string
		want   string
	}{
		{"v3 on a v2 group", []string{"--version", "3"}, "", "", "use --version 2 --auth-pass-file FILE, or --force"},
		{"no password, no terminal", nil, "", "", "--auth-pass-file FILE or the environment variable VRRPPROBE_AUTH_PASS"},
		{"wrong password from the environment", nil, "secret99", "", "the password given differs"},
		{"wrong password typed", nil, "", "secret99", "the password given differs"},
		{"other interval", []string{"--interval", "2s"}, "secret12", "", "use --interval 1s"},
		{"other VIP", []string{"--vip", "192.0.2.111"}, "secret12", "", "use --vip 192.0.2.100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeSys{replay: make(chan probe.Packet)}
				defer f.advertise(&v2master)()
				s := f.sys()
				if tc.env != "" {
					s.getenv = func(k string) (string, bool) { return tc.env, k == authEnv }
				}
				if tc.secret != "" {
					s.askSecret = func(string) (string, error) { return tc.secret, nil }
				}
				var out, errb bytes.Buffer
				args := append([]string{"speak", "-i", "eth0", "--vrid", "51", "--priority", "200", "--yes"}, tc.args...)
				err := run(context.Background(), args, &out, &errb, s)
				if code(err) != 2 || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("exit %d: %v; want exit 2 saying %q", code(err), err, tc.want)
				}
				if len(f.written) != 0 || strings.Contains(strings.Join(f.opened, " "), "host") {
					t.Errorf("refused speaker sent %d packets, opened %v", len(f.written), f.opened)
				}
				if all := out.String() + errb.String() + err.Error(); strings.Contains(all, "secret") {
					t.Errorf("a password was printed:\n%s", all)
				}
			})
		})
	}
}

func TestOwnerExit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		owners []string
		code   int
	}{
		{"one", []string{"02:00:00:00:01:01"}, 0},
		{"vmac", []string{"00:00:5e:00:01:33"}, 0},
		{"none", nil, 1},
		{"two", []string{"02:00:00:00:01:01", "02:00:00:00:01:02"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeSys{owners: tc.owners, replay: make(chan probe.Packet)}
				var out, errb bytes.Buffer
				err := run(context.Background(), []string{"owner", "-i", "eth0", "-c", "2", "192.0.2.100"}, &out, &errb, f.sys())
				if code(err) != tc.code {
					t.Fatalf("exit %d (%v), want %d", code(err), err, tc.code)
				}
				golden(t, "stdout", out.String())
			})
		})
	}
}

// TestFailoverPlan: without --yes the drill listens, prints the plan it
// derived from what it heard, and sends nothing.
func TestFailoverPlan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeSys{replay: make(chan probe.Packet)}
		master := probe.Config{VRID: 51, Priority: 150, Version: decode.V2, Interval: time.Second,
			VIPs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}, Primary: netip.MustParseAddr("192.0.2.11"), AuthPass: "secret12"}
		go func() {
			for range 3 {
				b, _ := probe.AppendAdvert(nil, &master, 150, probe.Group4)
				f.replay <- probe.Packet{Src: master.Primary, Dst: probe.Group4, TTL: 255, Data: b}
				time.Sleep(time.Second)
			}
		}()
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{"failover", "-i", "eth0", "--vrid", "51", "--auth-pass", "secret12"}, &out, &errb, f.sys())
		if err != nil {
			t.Fatalf("run: %v\n%s", err, errb.String())
		}
		if len(f.written) != 0 {
			t.Errorf("plan-only run sent %d packets", len(f.written))
		}
		golden(t, "stdout", out.String())

		// Without the password the drill refuses.
		go func() {
			b, _ := probe.AppendAdvert(nil, &master, 150, probe.Group4)
			f.replay <- probe.Packet{Src: master.Primary, Dst: probe.Group4, TTL: 255, Data: b}
		}()
		err = run(context.Background(), []string{"failover", "-i", "eth0", "--vrid", "51"}, &out, &errb, f.sys())
		if !errors.Is(err, probe.ErrAuthNeeded) {
			t.Errorf("without --auth-pass: %v, want ErrAuthNeeded", err)
		}
	})
}

// TestJSONOutputs: with --json, stdout of every subcommand is JSON only:
// a JSON decoder reads it to the end (NDJSON events, or one object).
func TestJSONOutputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"owner", []string{"owner", "-i", "eth0", "-c", "1", "--json", "192.0.2.100"}, 0},
		{"speak dry run", []string{"speak", "-i", "eth0", "--vrid", "51", "--priority", "200", "--auth-pass", "secret12", "--json"}, 0},
		{"speak refused", []string{"speak", "-i", "eth0", "--vrid", "51", "--priority", "200", "--version", "3", "--json", "--yes"}, 2},
		{"failover plan", []string{"failover", "-i", "eth0", "--vrid", "51", "--json"}, 0},
		{"cleanup", []string{"cleanup", "--json"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeSys{replay: make(chan probe.Packet), owners: []string{"02:00:00:00:01:01"}}
				defer f.advertise(&v2master)()
				s := f.sys()
				s.getenv = func(k string) (string, bool) { return "secret12", k == authEnv }
				var out, errb bytes.Buffer
				err := run(context.Background(), tc.args, &out, &errb, s)
				if code(err) != tc.code {
					t.Fatalf("exit %d (%v), want %d\n%s", code(err), err, tc.code, errb.String())
				}
				dec := json.NewDecoder(&out)
				n := 0
				for {
					var v any
					if err := dec.Decode(&v); err == io.EOF {
						break
					} else if err != nil {
						t.Fatalf("stdout is not JSON after %d values: %v\n%s", n, err, out.String())
					}
					n++
				}
				if n == 0 && tc.code == 0 {
					t.Errorf("no JSON on stdout; stderr:\n%s", errb.String())
				}
				if strings.Contains(out.String()+errb.String(), "secret12") {
					t.Errorf("the password was printed")
				}
			})
		})
	}
}

// TestFailoverRefusesOnRouter: on a host that takes part in the group the
// drill refuses before sending, with the reason.
func TestFailoverRefusesOnRouter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		why := "keepalived (pid 42) runs here with vrid 51 in /etc/keepalived/keepalived.conf: it takes part in the group and would react to the drill"
		f := &fakeSys{replay: make(chan probe.Packet), participates: []string{why}}
		defer f.advertise(&v2master)()
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{"failover", "-i", "eth0", "--vrid", "51", "--yes"}, &out, &errb, f.sys())
		if code(err) != 2 || !strings.Contains(err.Error(), why) || !strings.Contains(err.Error(), "run the drill from another host") {
			t.Fatalf("exit %d: %v; want a refusal with the reason", code(err), err)
		}
		if len(f.written) != 0 || len(f.opened) != 1 {
			t.Errorf("refused drill opened %v and sent %d packets", f.opened, len(f.written))
		}
	})
}

// TestSpeakRefusesBesideDaemon: a keepalived of the same VRID on this host
// makes the speaker refuse before sending; --force speaks with a warning.
func TestSpeakRefusesBesideDaemon(t *testing.T) {
	why := "keepalived (pid 42) runs here with vrid 51 in /etc/keepalived/keepalived.conf: it takes part in the group and would react to the drill"
	for _, force := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeSys{replay: make(chan probe.Packet), participates: []string{why}}
			defer f.advertise(&v2master)()
			s := f.sys()
			s.getenv = func(k string) (string, bool) { return "secret12", k == authEnv }
			args := []string{"speak", "-i", "eth0", "--vrid", "51", "--priority", "100"}
			if force {
				args = append(args, "--force")
			}
			var out, errb bytes.Buffer
			err := run(context.Background(), args, &out, &errb, s)
			switch {
			case force && (err != nil || !strings.Contains(out.String(), "warning: --force: "+why)):
				t.Errorf("--force: %v\n%s", err, out.String())
			case !force && (code(err) != 2 || !strings.Contains(err.Error(), why)):
				t.Errorf("exit %d: %v; want a refusal naming the daemon", code(err), err)
			}
		})
	}
}
