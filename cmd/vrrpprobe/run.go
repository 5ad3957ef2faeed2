package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/vrrpkit/vrrpkit/decode"
	"github.com/vrrpkit/vrrpkit/probe"
)

const usage = `vrrpprobe: look at and take part in VRRP groups on a live link.

Usage:
  vrrpprobe owner -i IFACE VIP [-c N] [--timeout D] [--json]
  vrrpprobe speak -i IFACE --vrid N --priority P [--vip ADDR...] [flags] [--yes]
  vrrpprobe failover -i IFACE --vrid N [--hold D] [--claim] [--yes]
  vrrpprobe cleanup [-i IFACE] [-n] [--json]

It needs raw sockets: run it as root or give the binary the capability
  setcap cap_net_raw,cap_net_admin+ep ./vrrpprobe
(cap_net_admin only for speak --install-vips and --vmac; it passes both on
to the nft or iptables it runs to drop packets to the VIPs without --accept).

Nothing is sent unless an interface is named with -i; speak and failover
only listen and print what they would do unless --yes is given. speak
takes the group's version, interval, VIPs and authentication from the wire
and refuses flags that contradict it. The VRRPv2 password comes from
--auth-pass-file, $VRRPPROBE_AUTH_PASS or a prompt without echo. With
--json, stdout carries only JSON. cleanup removes what a killed speaker
left (addresses, macvlan, firewall table).

Examples:
  vrrpprobe owner -i eth0 192.0.2.100
  vrrpprobe speak -i eth0 --vrid 51 --priority 100
  vrrpprobe speak -i eth0 --vrid 51 --priority 100 --auth-pass-file /etc/vrrpprobe.pass --yes
  vrrpprobe failover -i eth0 --vrid 51 --hold 10s --yes
  vrrpprobe cleanup -i eth0
`

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

// usageError is a command line the tool cannot use: exit 2 with the message.
func usageError(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
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
	// participation says why this host takes part in a group (the drill
	// refuses then); frames captures the link for the drill's evidence.
	participation func(g *probe.Group) []string
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
		participation: probe.Participation,
		frames:        probe.OpenFrames,

		announceWatch: probe.OpenAnnounceWatch,
		askSecret:     terminalSecret(os.Stdin, os.Stderr),
		getenv:        os.LookupEnv,
	}
}

// run runs one vrrpprobe command line (without the program name).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, s sys) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{code: 2}
	}
	switch args[0] {
	case "owner":
		return runOwner(ctx, args[1:], stdout, stderr, s)
	case "speak":
		return runSpeak(ctx, args[1:], stdout, stderr, s)
	case "failover":
		return runFailover(ctx, args[1:], stdout, stderr, s)
	case "cleanup":
		return runCleanup(ctx, args[1:], stdout, stderr, s)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError("unknown command %q", args[0])
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

// parseInterspersed parses fs, taking the arguments that are not flags as
// positionals wherever they appear, so "--vip A B --yes" works.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagSet returns a FlagSet that reports to stderr and fails instead of exiting.
func flagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseErr maps a flag error: -h is success, anything else a usage error.
func parseErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return &exitError{code: 2, err: err}
}

// interfaceOf resolves -i: it must be given; sending is refused otherwise.
func interfaceOf(s sys, name string) (*net.Interface, error) {
	if name == "" {
		return nil, &exitError{code: 2, err: probe.ErrNoInterface}
	}
	ifi, err := s.iface(name)
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("interface %s: %w", name, err)}
	}
	return ifi, nil
}

// flagsSet returns the names of the flags given on the command line.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	m := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { m[f.Name] = true })
	return m
}
