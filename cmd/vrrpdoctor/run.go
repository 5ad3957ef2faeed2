package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// errChecksFailed maps to exit status 1: the tool worked and found a failure.
var errChecksFailed = errors.New("a check failed")

// errUsage maps to exit status 2 after the usage text was printed.
var errUsage = errors.New("usage")

const usage = `usage: vrrpdoctor [-i IFACE]... [--config PATH] [--listen DURATION] [--openstack] [--json]

Checks this host for what breaks VRRP and prints each finding with the
evidence it read and the exact fix. It never changes the host.

Reading iptables, nftables and netlink needs CAP_NET_ADMIN; --listen needs
CAP_NET_RAW. Instead of root:
  sudo setcap cap_net_admin,cap_net_raw+ep ./vrrpdoctor

Examples:
  vrrpdoctor                                  # interfaces from /etc/keepalived/keepalived.conf
  vrrpdoctor -i eth0 --listen 5s              # also watch the wire for 5 s
  vrrpdoctor --openstack --json | jq '.checks[] | select(.status=="fail")'
  ip netns exec lab1 vrrpdoctor -i eth0       # a host inside a network namespace

Exit status: 0 all checks pass or warn, 1 a check failed, 2 the tool failed.
Colour is off with NO_COLOR or when stdout is not a terminal.

Flags:
`

type ifaceList []string

func (l *ifaceList) String() string     { return strings.Join(*l, ",") }
func (l *ifaceList) Set(s string) error { *l = append(*l, s); return nil }

// options are the parsed command line.
type options struct {
	ifaces    ifaceList
	config    string
	listen    time.Duration
	openstack bool
	json      bool
	verbose   bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	var o options
	fs := flag.NewFlagSet("vrrpdoctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&o.ifaces, "i", "VRRP interface to check (repeatable; default: the interfaces in the config)")
	fs.StringVar(&o.config, "config", "/etc/keepalived/keepalived.conf", "keepalived configuration `path`")
	fs.DurationVar(&o.listen, "listen", 0, "capture VRRP for this `duration` and cross-check the wire")
	fs.BoolVar(&o.openstack, "openstack", false, "check the Neutron ports of this host (OS_* variables or clouds.yaml)")
	fs.BoolVar(&o.json, "json", false, "print {\"checks\": [...]} instead of the report")
	fs.BoolVar(&o.verbose, "v", false, "print evidence for passing checks too")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errUsage
		}
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vrrpdoctor: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return nil, errUsage
	}
	return &o, nil
}

// run is vrrpdoctor on the real host.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	env := &doctor.Env{
		FS:         os.DirFS("/"),
		Run:        doctor.ExecRunner{},
		Net:        doctor.Netlink{},
		Ifaces:     o.ifaces,
		ConfigPath: o.config,
		Listen:     o.listen,
	}
	if err := setupOptional(ctx, env, o); err != nil {
		return err
	}
	return report(ctx, env, o, stdout)
}

// report runs the checks on env and prints the result.
func report(ctx context.Context, env *doctor.Env, o *options, stdout io.Writer) error {
	rs := doctor.RunChecks(ctx, env, doctor.Checks())
	if err := ctx.Err(); err != nil {
		return err
	}
	var err error
	if o.json {
		err = doctor.WriteJSON(stdout, rs)
	} else {
		err = doctor.WriteText(stdout, rs, doctor.TextOptions{Color: colour(stdout), Verbose: o.verbose})
	}
	if err != nil {
		return err
	}
	if doctor.Worst(rs) == doctor.Fail {
		return errChecksFailed
	}
	return nil
}

// colour is on for a terminal unless NO_COLOR is set.
func colour(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
