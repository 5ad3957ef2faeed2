package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/daemons"
	"github.com/vrrpkit/vrrpkit/internal/iproute"
)

// Runner runs a read-only host command and returns its standard output.
// Checks call it only for commands that list state (iptables-save, nft -j
// list ruleset, ip -j addr, keepalived --version); nothing that changes the
// host.
type Runner interface {
	Output(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ExecRunner runs commands with os/exec.
type ExecRunner struct{}

// Output runs name with args. A missing binary gives a CommandError that
// wraps ErrCommandNotFound. A command that succeeds with nothing on stdout
// returns its stderr instead: some tools (keepalived --version) print there.
func (ExecRunner) Output(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			err = ErrCommandNotFound
		}
		return out, &CommandError{Cmd: append([]string{name}, args...), Stderr: stderr.String(), Err: err}
	}
	if len(out) == 0 {
		return stderr.Bytes(), nil
	}
	return out, nil
}

// RecordedRunner answers commands from recorded outputs in FS: the output of
// "nft -j list ruleset" is the file CommandFile("nft", "-j", "list",
// "ruleset"). A command without a file is reported as not installed.
type RecordedRunner struct{ FS fs.FS }

// CommandFile names the file a RecordedRunner reads for a command line:
// the words joined by "_", slashes replaced by "%".
func CommandFile(name string, args ...string) string {
	s := strings.Join(append([]string{name}, args...), "_")
	return strings.ReplaceAll(s, "/", "%")
}

// Output returns the recorded output.
func (r RecordedRunner) Output(_ context.Context, name string, args ...string) ([]byte, error) {
	b, err := fs.ReadFile(r.FS, CommandFile(name, args...))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &CommandError{Cmd: append([]string{name}, args...), Err: ErrCommandNotFound}
	}
	return b, err
}

// Link is an interface as `ip -j -d addr show` describes it.
type Link struct {
	Name        string
	Index       int
	Flags       []string // MULTICAST, UP, LOWER_UP, ...
	OperState   string
	MAC         string
	Kind        string // linkinfo info_kind: macvlan, bridge, veth, ...
	MacvlanMode string // private, bridge, vepa, passthru (macvlan only)
	Parent      string // "link": the lower device of a macvlan or vlan
	Master      string // the bridge or bond this link is enslaved to
	Addrs       []Addr
}

// Has reports whether the link has the flag (e.g. "MULTICAST").
func (l *Link) Has(flag string) bool { return slices.Contains(l.Flags, flag) }

// Addr is one interface address.
type Addr struct {
	Prefix    netip.Prefix
	Tentative bool
	DADFailed bool
}

// ParseIPAddr parses the JSON of `ip -j -d addr show`.
func ParseIPAddr(b []byte) ([]Link, error) {
	raw, err := iproute.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("ip -j addr: %w", err)
	}
	links := make([]Link, 0, len(raw))
	for _, r := range raw {
		l := Link{Name: r.Name, Index: r.Index, Flags: r.Flags, OperState: r.OperState,
			MAC: r.MAC, Parent: r.Parent, Master: r.Master}
		l.Kind, l.MacvlanMode = r.Kind()
		for _, a := range r.Addrs {
			ip, err := netip.ParseAddr(a.Local)
			if err != nil {
				continue
			}
			l.Addrs = append(l.Addrs, Addr{Prefix: netip.PrefixFrom(ip, a.PrefixLen),
				Tentative: a.Tentative, DADFailed: a.DADFailed})
		}
		links = append(links, l)
	}
	return links, nil
}

// Neighbor is one ARP or NDP table entry.
type Neighbor struct {
	IP    netip.Addr
	Iface string
	MAC   string // lower case, colon separated; "" when incomplete
	State string // REACHABLE, STALE, DELAY, PROBE, FAILED, INCOMPLETE, PERMANENT, NOARP
}

// Net reads kernel tables over netlink.
type Net interface {
	Neighbors(ctx context.Context) ([]Neighbor, error)
}

// RecordedNet answers from a recorded `ip -j neigh show` file.
type RecordedNet struct {
	FS   fs.FS
	Path string
}

// Neighbors parses the recorded file.
func (r RecordedNet) Neighbors(context.Context) ([]Neighbor, error) {
	b, err := fs.ReadFile(r.FS, r.Path)
	if err != nil {
		return nil, err
	}
	return ParseIPNeigh(b)
}

// ParseIPNeigh parses the JSON of `ip -j neigh show`.
func ParseIPNeigh(b []byte) ([]Neighbor, error) {
	var raw []struct {
		Dst    string   `json:"dst"`
		Dev    string   `json:"dev"`
		Lladdr string   `json:"lladdr"`
		State  []string `json:"state"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("ip -j neigh: %w", err)
	}
	var ns []Neighbor
	for _, r := range raw {
		ip, err := netip.ParseAddr(r.Dst)
		if err != nil {
			continue
		}
		ns = append(ns, Neighbor{IP: ip, Iface: r.Dev, MAC: strings.ToLower(r.Lladdr), State: strings.Join(r.State, ",")})
	}
	return ns, nil
}

// Env is the host as the checks see it, plus the command line's options.
// Every field that reads the host is an interface, so tests run checks on
// recorded inputs.
type Env struct {
	FS         fs.FS  // the host's file system rooted at / (paths without the leading slash)
	Run        Runner // read-only host commands
	Net        Net    // netlink tables; nil skips the neighbour checks
	Ifaces     []string
	ConfigPath string // keepalived.conf, absolute
	ConfigID   string // the node's id for "@id" lines (keepalived -i); "" is the host name
	// Nodes are keepalived.conf files of several nodes (--config
	// NAME=FILE), read side by side by the cross-node checks; the first is
	// this host's when there is one.
	Nodes     []Node
	LintOnly  bool // --lint: only the checks that read the configuration
	Listen    time.Duration
	Wire      *Wire     // what the live capture saw; nil without --listen
	OpenStack OpenStack // nil without --openstack
	// Signal sends a signal to a daemon, so keepalived writes its state
	// dumps (JSON, DATA, STATS): their files in keepalived's /tmp are the
	// only thing that changes. nil (--no-signal, recorded hosts) reads the
	// dumps already there.
	Signal func(pid, sig int) error
	// Lock is held on keepalived's /tmp while it is signalled and read
	// (daemons.Options.Lock); nil does not lock.
	Lock       func(dir string) (unlock func(), err error)
	PeerConfig string           // the other node's keepalived.conf (--peer-config), for its priorities
	Now        func() time.Time // dates the daemon readings; nil is time.Now

	linksDone bool
	links     []Link
	linksErr  error
	kaDone    bool
	ka        *KeepalivedConfig
	kaErr     error
	nodesDone bool
	nodes     []*KeepalivedConfig
	nodesErr  error
	outputs   map[string]cmdOutput

	kaStateDone bool
	kaState     []daemons.Keepalived
	kaStateErr  error
	kaStateAt   time.Time
	kaBefore    []daemons.Keepalived // read by WatchDaemons before --listen
	kaBeforeAt  time.Time
	frrDone     bool
	frr         *daemons.FRR
	frrErr      error
	peerDone    bool
	peerConf    *KeepalivedConfig
}

type cmdOutput struct {
	b   []byte
	err error
}

// output runs a command once per Env and caches its output.
func (e *Env) output(ctx context.Context, name string, args ...string) ([]byte, error) {
	key := CommandFile(name, args...)
	if o, ok := e.outputs[key]; ok {
		return o.b, o.err
	}
	b, err := e.Run.Output(ctx, name, args...)
	if e.outputs == nil {
		e.outputs = map[string]cmdOutput{}
	}
	e.outputs[key] = cmdOutput{b, err}
	return b, err
}

// Links returns the host's interfaces from `ip -j -d addr show`.
func (e *Env) Links(ctx context.Context) ([]Link, error) {
	if !e.linksDone {
		e.linksDone = true
		b, err := e.output(ctx, "ip", "-j", "-d", "addr", "show")
		if err != nil {
			e.linksErr = err
		} else {
			e.links, e.linksErr = ParseIPAddr(b)
		}
	}
	return e.links, e.linksErr
}

// Link returns the named interface, or nil.
func (e *Env) Link(ctx context.Context, name string) *Link {
	ls, _ := e.Links(ctx)
	for i := range ls {
		if ls[i].Name == name {
			return &ls[i]
		}
	}
	return nil
}

// LocalAddr reports whether ip is configured on any interface, and where.
func (e *Env) LocalAddr(ctx context.Context, ip netip.Addr) (string, bool) {
	ls, _ := e.Links(ctx)
	for _, l := range ls {
		for _, a := range l.Addrs {
			if a.Prefix.Addr() == ip {
				return l.Name, true
			}
		}
	}
	return "", false
}

// ReadFile reads an absolute host path through FS.
func (e *Env) ReadFile(name string) ([]byte, error) {
	return fs.ReadFile(e.FS, strings.TrimPrefix(path.Clean(name), "/"))
}

// Sysctl reads a sysctl by its dotted name (net.ipv4.conf.all.rp_filter).
// Interface names with dots (vrrp.5) are passed as their own element.
func (e *Env) Sysctl(parts ...string) (int, error) {
	p := "proc/sys/" + strings.ReplaceAll(parts[0], ".", "/")
	for _, s := range parts[1:] {
		p += "/" + s
	}
	b, err := fs.ReadFile(e.FS, p)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// VRRPInterfaces returns the interfaces to check: those given with -i, else
// those keepalived.conf names.
func (e *Env) VRRPInterfaces(ctx context.Context) []string {
	if len(e.Ifaces) > 0 {
		return e.Ifaces
	}
	var out []string
	if c, err := e.Keepalived(); err == nil {
		for _, in := range c.Instances {
			if in.Interface != "" && !slices.Contains(out, in.Interface) {
				out = append(out, in.Interface)
			}
		}
	}
	return out
}
