package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/doctor"
	"github.com/vrrpkit/vrrpkit/internal/cli"
)

// errChecksFailed maps to exit status 1: the tool worked and found a failure.
var errChecksFailed = fmt.Errorf("a check failed: %w", cli.ErrProblem)

// options are the parsed command line.
type options struct {
	ifaces    []string
	config    string        // one configuration without a node name
	nodes     []doctor.Node // --config NAME=FILE, in order
	id        string
	lint      bool
	listen    time.Duration
	openstack bool
	json      bool
	verbose   bool
	noSignal  bool
	peerConf  string // absolute
}

// parseFlags reads the command line (cli.VRRPDoctor); -h prints help to
// stdout and returns cli.ErrHelp.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	p, err := cli.Parse(cli.VRRPDoctor, args, stdout)
	if err != nil {
		return nil, err
	}
	return checkOptions(p)
}

// checkOptions reads the checks' flags from a parsed command line.
func checkOptions(p *cli.Parsed) (*options, error) {
	o := &options{ifaces: p.Strings("i"), listen: p.Duration("listen"), id: p.String("id"), lint: p.Bool("lint"),
		openstack: p.Bool("openstack"), json: p.Bool("json"), verbose: p.Bool("v"),
		noSignal: p.Bool("no-signal"), peerConf: p.String("peer-config")}
	if err := o.readConfigs(p.Strings("config")); err != nil {
		return nil, err
	}
	if o.lint && (o.listen > 0 || o.openstack || len(o.ifaces) > 0) {
		return nil, p.Cmd.Usagef("--lint", "checks the files alone: drop --listen, --openstack and -i")
	}
	if o.listen < 0 {
		return nil, p.Cmd.Usagef("--listen", "takes a positive duration (5s)")
	}
	mode := "text"
	if o.json {
		mode = "json"
	}
	if err := p.CheckModes(mode); err != nil {
		return nil, err
	}
	if o.peerConf != "" {
		if err := readableFile(o.peerConf); err != nil {
			return nil, fmt.Errorf("--peer-config %s: %w", o.peerConf, err)
		}
		abs, err := filepath.Abs(o.peerConf)
		if err != nil {
			return nil, fmt.Errorf("--peer-config %s: %w", o.peerConf, err)
		}
		o.peerConf = abs
	}
	return o, nil
}

// readConfigs reads --config FILE and --config NAME=FILE: relative paths
// are from the working directory; every file must be readable.
func (o *options) readConfigs(vals []string) error {
	if len(vals) == 0 {
		o.config = "/etc/keepalived/keepalived.conf" // may be absent: a check says so
		return nil
	}
	for _, v := range vals {
		name, file, named := strings.Cut(v, "=")
		if !named || strings.ContainsAny(name, "/ ") || name == "" {
			name, file, named = "", v, false
		}
		abs, err := filepath.Abs(file)
		if err != nil {
			return fmt.Errorf("--config %s: %w", v, err)
		}
		if err := readableFile(abs); err != nil {
			return fmt.Errorf("--config %s: %w", v, err)
		}
		switch {
		case named:
			o.nodes = append(o.nodes, doctor.Node{Name: name, Path: abs})
		case len(vals) > 1:
			return fmt.Errorf("--config %s: name each node's file when giving several (--config h1=%s)", v, file)
		default:
			o.config = abs
		}
	}
	return nil
}

// readableFile says why path is not a file vrrpdoctor can read.
func readableFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("no such file: give the path of keepalived.conf (keepalived -f shows it)")
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return errors.New("is a directory: give the path of keepalived.conf in it")
	}
	return nil
}

// run is vrrpdoctor on the real host.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	p, err := cli.Parse(cli.VRRPDoctor, args, stdout)
	if err != nil {
		return err
	}
	if p.Cmd == cli.DoctorBundle {
		return runBundle(ctx, p, stdout)
	}
	o, err := checkOptions(p)
	if err != nil {
		return err
	}
	env := &doctor.Env{
		FS:         os.DirFS("/"),
		Run:        doctor.ExecRunner{},
		Net:        doctor.Netlink{},
		Ifaces:     o.ifaces,
		ConfigPath: o.config,
		ConfigID:   o.id,
		Nodes:      o.nodes,
		LintOnly:   o.lint,
		Listen:     o.listen,
		PeerConfig: o.peerConf,
	}
	if !o.noSignal && !o.lint {
		env.Signal = signalDaemon
	}
	if err := setupOptional(ctx, env, o); err != nil {
		return err
	}
	return report(ctx, env, o, stdout)
}

// report runs the checks on env and prints the result.
func report(ctx context.Context, env *doctor.Env, o *options, stdout io.Writer) error {
	checks := doctor.Checks()
	if env.LintOnly {
		checks = doctor.OfflineChecks()
	}
	rs := doctor.RunNodes(ctx, env, checks)
	if err := ctx.Err(); err != nil {
		return err
	}
	var err error
	if o.json {
		err = doctor.WriteJSONDaemons(stdout, rs, env.DaemonState())
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
