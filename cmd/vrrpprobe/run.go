package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/probe"
)

// exitError carries an exit status; err may be nil when the output already
// said everything.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is a command line the tool cannot use: exit 2 with the
// message, which starts with the subcommand ("speak: ...").
func usageError(format string, a ...any) error {
	msg := fmt.Errorf(format, a...).Error()
	cmd := cli.VRRPProbe
	if name, rest, ok := strings.Cut(msg, ": "); ok && cmd.Sub(name) != nil {
		cmd, msg = cmd.Sub(name), rest
	}
	return &exitError{code: 2, err: &cli.UsageError{Cmd: cmd, Msg: msg}}
}

// sys is the host the commands run on: the real one on Linux, fakes in tests.
type sys struct {
	iface    func(name string) (*net.Interface, error)
	primary  func(ifi *net.Interface, fam decode.Family) (netip.Addr, error)
	openLink func(ifi *net.Interface, fam decode.Family, primary netip.Addr) (probe.Link, error)
	openHost func(ifi *net.Interface) (probe.HostCloser, error)
	vmac     func(ifi *net.Interface, fam decode.Family, vrid uint8, st *probe.StateFile) (*net.Interface, func() error, error)
	// claimState opens a speaker's state file (crash safety);
	// findLeftovers and clean are "vrrpprobe cleanup".
	claimState    func(ifi *net.Interface, fam decode.Family, vrid uint8) (*probe.Claim, error)
	findLeftovers func(ifname string) ([]probe.Found, error)
	clean         func(path string, l *probe.Leftovers) ([]string, error)
	findOrphans   func(found []probe.Found) ([]probe.Orphan, error)
	removeOrphan  func(probe.Orphan) error
	// participation says why this host takes part in a group (the drill
	// refuses then); frames captures the link for the drill's evidence.
	participation func(g *probe.Group) (why, doubts []string)
	localDaemons  func(vrid uint8) (why, doubts []string)
	frames        func(ifi *net.Interface) (probe.FrameSource, error)
	owner         func(ifi *net.Interface, vip netip.Addr) (probe.Resolver, error)
	// announceWatch watches gratuitous ARP / NA; nil to skip.
	announceWatch func(ifi *net.Interface, vip netip.Addr) (probe.Resolver, error)
	// askSecret prompts for the group's password without echo; nil when
	// there is no terminal to ask.
	askSecret func(prompt string) (string, error)
	getenv    func(string) (string, bool)
}

func system() sys {
	return sys{
		iface:    net.InterfaceByName,
		primary:  probe.PrimaryAddr,
		openLink: probe.OpenLink,
		openHost: probe.OpenHost,
		vmac:     probe.AddVMAC,
		owner:    probe.OpenResolver,

		claimState:    probe.ClaimState,
		findLeftovers: func(ifname string) ([]probe.Found, error) { return probe.FindLeftovers(probe.StateDirs(), ifname) },
		clean:         probe.Clean,
		findOrphans:   probe.FindOrphans,
		removeOrphan:  probe.RemoveOrphan,
		participation: probe.Participation,
		localDaemons:  probe.LocalDaemons,
		frames:        probe.OpenFrames,

		announceWatch: probe.OpenAnnounceWatch,
		askSecret:     terminalSecret(os.Stdin, os.Stderr),
		getenv:        os.LookupEnv,
	}
}

// run runs one vrrpprobe command line (without the program name), as
// cli.VRRPProbe defines it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, s sys) error {
	p, err := cli.Parse(cli.VRRPProbe, args, stdout)
	if err != nil {
		return err
	}
	switch p.Cmd.Name {
	case "owner":
		return runOwner(ctx, p, stdout, stderr, s)
	case "speak":
		return runSpeak(ctx, p, stdout, stderr, s)
	case "failover":
		return runFailover(ctx, p, stdout, stderr, s)
	case "cleanup":
		return runCleanup(ctx, p, stdout, stderr, s)
	case "listen": // vrrpprobe path listen
		return runPathListen(ctx, p, stdout, stderr, systemPath())
	case "send": // vrrpprobe path send
		return runPathSend(ctx, p, stdout, stderr, systemPath())
	}
	return fmt.Errorf("vrrpprobe %s is defined in internal/cli but not run here", p.Cmd.Name)
}

// ref returns a pointer to a flag's value.
func ref[T any](v T) *T { return &v }

// addrFlag reads a repeatable flag of addresses; "a,b" adds both.
func addrFlag(p *cli.Parsed, name string) (addrList, error) {
	var l addrList
	for _, v := range p.Strings(name) {
		if err := l.Set(v); err != nil {
			return nil, &exitError{code: 2, err: p.Cmd.Usagef("--"+name, "%q is not an IP address: write it as 192.0.2.100 or 2001:db8::100", v)}
		}
	}
	return l, nil
}

// addrList is a repeatable flag of addresses; "a,b" adds both.
type addrList []netip.Addr

func (l *addrList) String() string {
	s := make([]string, len(*l))
	for i, a := range *l {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

func (l *addrList) Set(v string) error {
	for f := range strings.SplitSeq(v, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(f))
		if err != nil {
			return err
		}
		*l = append(*l, a)
	}
	return nil
}

// interfaceOf resolves -i: it must be given; sending is refused otherwise.
func interfaceOf(s sys, name string) (*net.Interface, error) {
	if name == "" {
		return nil, &exitError{code: 2, err: probe.ErrNoInterface}
	}
	ifi, err := s.iface(name)
	if err != nil {
		if strings.Contains(err.Error(), "no such network interface") {
			return nil, &exitError{code: 2, err: fmt.Errorf("interface %s: no such interface: list them with `ip -br link`", name)}
		}
		return nil, &exitError{code: 2, err: fmt.Errorf("interface %s: %w", name, err)}
	}
	return ifi, nil
}
