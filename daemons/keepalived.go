package daemons

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Runner runs a read-only host command and returns its standard output
// (doctor.Runner and doctor.ExecRunner satisfy it).
type Runner interface {
	Output(ctx context.Context, name string, args ...string) ([]byte, error)
}

// Options say where and how to read.
type Options struct {
	FS  fs.FS  // the host's file system rooted at / (paths without the leading slash)
	Run Runner // "keepalived --signum=...", "vtysh", "ip -j -d link show"
	// Signal sends signal number sig to pid; nil never signals (vrrpdoctor
	// --no-signal) and the dumps already in the daemon's /tmp are read.
	Signal func(pid, sig int) error
	// Wait is how long to wait for keepalived to write each dump after the
	// signal; 0 means 5 s.
	Wait time.Duration
	// Now is the clock that dates the dumps; nil means time.Now.
	Now func() time.Time
	// Lock, when set, is held on keepalived's /tmp directory
	// (/proc/PID/root/tmp) from the first signal to the last dump read,
	// so two readers never signal keepalived processes that share one
	// /tmp at once and read each other's dumps (several keepalived in
	// network namespaces without PrivateTmp all write /tmp/keepalived.json).
	// It returns the unlock function.
	Lock func(dir string) (unlock func(), err error)
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Dump names one of keepalived's dump files.
type Dump string

// The dumps, by the SIGFUNC that asks for them (keepalived --signum=NAME).
const (
	DumpJSON  Dump = "JSON"  // /tmp/keepalived.json: instances, state, priorities, statistics
	DumpData  Dump = "DATA"  // /tmp/keepalived.data: instances with what they track, scripts, track files, interfaces
	DumpStats Dump = "STATS" // /tmp/keepalived.stats: statistics per instance
)

// File is the dump's path inside the daemon's root.
func (d Dump) File() string {
	switch d {
	case DumpJSON:
		return "/tmp/keepalived.json"
	case DumpData:
		return "/tmp/keepalived.data"
	}
	return "/tmp/keepalived.stats"
}

// Source is one dump as read.
type Source struct {
	Dump     Dump      `json:"dump"`
	Path     string    `json:"path"`             // as read: /proc/PID/root/tmp/keepalived.json
	Signaled bool      `json:"signaled"`         // written in answer to our signal
	Written  time.Time `json:"written,omitzero"` // the file's modification time
	Err      string    `json:"error,omitempty"`  // why it could not be read or parsed
}

// Keepalived is one running keepalived (its parent process) and its state.
type Keepalived struct {
	PID     int    `json:"pid"`
	PIDFile string `json:"pid_file,omitempty"` // the pid file naming PID, when found
	NetNS   string `json:"netns"`              // "net:[4026532301]"
	Version string `json:"version,omitempty"`
	// Sources lists the dumps asked for, in the order read; Read says
	// which gave the state below ("JSON+DATA+STATS", "DATA+STATS" when
	// keepalived was built without JSON, ...).
	Sources []Source `json:"sources"`
	Read    string   `json:"read"`

	ScriptSecurity bool        `json:"script_security"`
	Instances      []Instance  `json:"instances"`
	Scripts        []Script    `json:"scripts"`
	TrackFiles     []TrackFile `json:"track_files"`
	Interfaces     []Interface `json:"interfaces"`
}

// Instance is one vrrp_instance as keepalived runs it.
type Instance struct {
	Name          string        `json:"name"`
	Interface     string        `json:"interface"`
	VMAC          string        `json:"vmac_interface,omitempty"`
	VRID          int           `json:"vrid"`
	Version       int           `json:"version"`
	State         string        `json:"state"` // INIT, BACKUP, MASTER, FAULT, STOP
	WantState     string        `json:"want_state,omitempty"`
	Priority      int           `json:"priority"`           // the configured (base) priority
	Effective     int           `json:"effective_priority"` // base plus the weights that apply now
	AdvertInt     time.Duration `json:"advert_int"`
	MasterAdvInt  time.Duration `json:"master_advert_int,omitzero"` // the master's interval, as last heard (JSON only)
	Nopreempt     bool          `json:"nopreempt"`
	SrcIP         netip.Addr    `json:"src_ip,omitzero"`
	SrcConfigured bool          `json:"src_configured"` // unicast_src_ip (or mcast_src_ip) set in the configuration
	Unicast       bool          `json:"unicast"`
	Peers         []netip.Addr  `json:"unicast_peers"`
	AuthType      string        `json:"auth_type"` // none, PASS, AH; the password itself is never kept
	VIPs          []string      `json:"vips"`
	LastChange    time.Time     `json:"last_transition,omitzero"`
	ConfigFaults  int           `json:"config_faults"`
	TrackFaults   int           `json:"track_faults"` // tracked interfaces, scripts and files now failing with weight 0
	// What the instance tracks, with the weight keepalived applies.
	TrackIfaces  []Track `json:"track_interfaces"`
	TrackScripts []Track `json:"track_scripts"`
	TrackFiles   []Track `json:"track_files"`
	Stats        *Stats  `json:"stats,omitempty"`
}

// Track is one tracked object of an instance.
type Track struct {
	Name   string `json:"name"`
	Weight int    `json:"weight"`
	// Reverse is "weight W reverse": the weight applies when the object
	// fails instead of when it is up.
	Reverse bool `json:"reverse,omitempty"`
}

// Script is a vrrp_script that keepalived runs. A script keepalived
// refused (not found, insecure under enable_script_security) is not here.
type Script struct {
	Name     string `json:"name"`
	Command  string `json:"command"`
	Weight   int    `json:"weight"`
	Status   string `json:"status"` // GOOD, BAD, INIT
	Result   int    `json:"result"`
	Insecure bool   `json:"insecure"`
	Rise     int    `json:"rise"`
	Fall     int    `json:"fall"`
}

// TrackFile is a track_file (vrrp_track_file) keepalived reads.
type TrackFile struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Value  int    `json:"value"` // the number in the file
	Weight int    `json:"weight"`
}

// Interface is an interface as keepalived sees it.
type Interface struct {
	Name    string     `json:"name"`
	Up      bool       `json:"up"`
	Running bool       `json:"running"`
	IPv4    netip.Addr `json:"ipv4,omitzero"`
}

// Stats are one instance's counters (keepalived's vrrp_stats).
type Stats struct {
	AdvertRcvd        uint64 `json:"advert_rcvd"`
	AdvertSent        uint64 `json:"advert_sent"`
	BecomeMaster      uint64 `json:"become_master"`
	ReleaseMaster     uint64 `json:"release_master"`
	PacketLenErr      uint64 `json:"packet_len_err"`
	AdvertIntervalErr uint64 `json:"advert_interval_err"`
	IPTTLErr          uint64 `json:"ip_ttl_err"`
	InvalidTypeRcvd   uint64 `json:"invalid_type_rcvd"`
	AddrListErr       uint64 `json:"addr_list_err"`
	InvalidAuthType   uint64 `json:"invalid_authtype"`
	AuthTypeMismatch  uint64 `json:"authtype_mismatch"`
	AuthFailure       uint64 `json:"auth_failure"`
	PriZeroRcvd       uint64 `json:"pri_zero_rcvd"`
	PriZeroSent       uint64 `json:"pri_zero_sent"`
}

// Discard is one of the receive error counters: adverts keepalived threw
// away, and why.
type Discard struct {
	Field  string // the counter, as in keepalived's JSON
	Reason string // what it means
	Count  uint64
}

// Discards returns the receive error counters in a fixed order. keepalived
// 2.2 has no counter for a bad checksum: it drops such an advert
// uncounted.
func (s *Stats) Discards() []Discard {
	return []Discard{
		{"advert_interval_err", "advertisement interval mismatch", s.AdvertIntervalErr},
		{"authtype_mismatch", "authentication type mismatch", s.AuthTypeMismatch},
		{"auth_failure", "authentication failure (wrong password)", s.AuthFailure},
		{"invalid_authtype", "invalid authentication type", s.InvalidAuthType},
		{"addr_list_err", "virtual address list differs", s.AddrListErr},
		{"ip_ttl_err", "IP TTL / hop limit not 255", s.IPTTLErr},
		{"packet_len_err", "packet length error", s.PacketLenErr},
		{"invalid_type_rcvd", "invalid VRRP type", s.InvalidTypeRcvd},
	}
}

// Instance returns the named instance, or nil.
func (k *Keepalived) Instance(name string) *Instance {
	return named(k.Instances, name, func(in *Instance) string { return in.Name })
}

// Script returns the named script, or nil.
func (k *Keepalived) Script(name string) *Script {
	return named(k.Scripts, name, func(s *Script) string { return s.Name })
}

// TrackFile returns the named track file, or nil.
func (k *Keepalived) TrackFile(name string) *TrackFile {
	return named(k.TrackFiles, name, func(f *TrackFile) string { return f.Name })
}

// Interface returns the named interface as keepalived sees it, or nil.
func (k *Keepalived) Interface(name string) *Interface {
	return named(k.Interfaces, name, func(i *Interface) string { return i.Name })
}

// named is the first of xs whose name is name, or nil.
func named[T any](xs []T, name string, nameOf func(*T) string) *T {
	for i := range xs {
		if nameOf(&xs[i]) == name {
			return &xs[i]
		}
	}
	return nil
}

// ErrNoJSON says this keepalived was built without JSON support: "keepalived
// --signum=JSON" names no signal.
var ErrNoJSON = errors.New("keepalived built without JSON support (no SIGFUNC JSON)")

// ReadKeepalived finds every keepalived in this network namespace and reads
// its state: it signals each for its JSON, data and statistics dumps (unless
// o.Signal is nil) and parses them. A keepalived whose dumps could not be
// read is still listed, with the errors in its Sources.
func ReadKeepalived(ctx context.Context, o Options) ([]Keepalived, error) {
	procs, err := findProcs(o.FS, "keepalived")
	if err != nil {
		return nil, err
	}
	var out []Keepalived
	for _, p := range procs {
		if p.parentSame {
			continue // keepalived's VRRP, checker or BFD child
		}
		k := Keepalived{PID: p.pid, NetNS: p.netns, PIDFile: pidFile(o.FS, p)}
		readKeepalived(ctx, &o, &k)
		out = append(out, k)
	}
	return out, nil
}

// pidFile returns the pid file of the keepalived parent when it names pid:
// the --pid/-p of its command line, else /run/keepalived.pid (and
// /var/run/keepalived.pid), read through /proc/PID/root.
func pidFile(fsys fs.FS, p proc) string {
	cands := []string{"/run/keepalived.pid", "/var/run/keepalived.pid"}
	for i, a := range p.args {
		switch {
		case strings.HasPrefix(a, "--pid="):
			cands = []string{strings.TrimPrefix(a, "--pid=")}
		case (a == "-p" || a == "--pid") && i+1 < len(p.args):
			cands = []string{p.args[i+1]}
		}
	}
	for _, c := range cands {
		b, err := fs.ReadFile(fsys, rootPath(p.pid, c))
		if err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(p.pid) {
			return c
		}
	}
	return ""
}

// rootPath is name inside the root of process pid, for an fs.FS at /.
func rootPath(pid int, name string) string {
	return path.Join("proc", strconv.Itoa(pid), "root", strings.TrimPrefix(path.Clean(name), "/"))
}

func readKeepalived(ctx context.Context, o *Options, k *Keepalived) {
	if o.Signal != nil && o.Lock != nil {
		unlock, err := o.Lock("/" + rootPath(k.PID, "/tmp"))
		if err != nil {
			k.Sources = append(k.Sources, Source{Dump: DumpJSON, Path: "/" + rootPath(k.PID, DumpJSON.File()), Err: "lock keepalived's /tmp: " + err.Error()})
			return
		}
		defer unlock()
	}
	var js []jsonInstance
	var data *dataDump
	var stats map[string]*Stats
	var read []string
	for _, d := range []Dump{DumpJSON, DumpData, DumpStats} {
		src := Source{Dump: d, Path: "/" + rootPath(k.PID, d.File())}
		b, err := fetch(ctx, o, k.PID, d, &src)
		if err == nil {
			switch d {
			case DumpJSON:
				js, err = parseJSON(b)
			case DumpData:
				data, err = parseData(b)
			case DumpStats:
				stats, err = parseStats(b)
			}
		}
		if err != nil {
			src.Err = err.Error()
		} else {
			read = append(read, string(d))
		}
		k.Sources = append(k.Sources, src)
	}
	k.Read = strings.Join(read, "+")
	if data != nil {
		k.ScriptSecurity = data.scriptSecurity
		k.Instances, k.Scripts, k.TrackFiles, k.Interfaces = data.instances, data.scripts, data.trackFiles, data.ifaces
	}
	for _, j := range js {
		in := k.Instance(j.Data.Iname)
		if in == nil {
			k.Instances = append(k.Instances, Instance{})
			in = &k.Instances[len(k.Instances)-1]
		}
		j.merge(in)
	}
	for i := range k.Instances {
		in := &k.Instances[i]
		if s, ok := stats[in.Name]; ok && in.Stats == nil {
			in.Stats = s
		}
	}
}

// fetch signals keepalived for one dump (when o.Signal is set) and
// returns the file once keepalived has rewritten it.
func fetch(ctx context.Context, o *Options, pid int, d Dump, src *Source) ([]byte, error) {
	name := strings.TrimPrefix(src.Path, "/")
	before, beforeErr := fs.Stat(o.FS, name)
	if o.Signal != nil {
		sig, err := signum(ctx, o.Run, d)
		if err != nil {
			return nil, err
		}
		if err := o.Signal(pid, sig); err != nil {
			return nil, fmt.Errorf("signal %d (%s) to keepalived pid %d: %w", sig, d, pid, err)
		}
		src.Signaled = true
		wait := o.Wait
		if wait == 0 {
			wait = 5 * time.Second
		}
		fi, err := awaitRewrite(ctx, o.FS, name, before, beforeErr == nil, wait)
		if err != nil {
			return nil, err
		}
		src.Written = fi.ModTime()
		return fs.ReadFile(o.FS, name)
	}
	if beforeErr != nil {
		return nil, fmt.Errorf("no %s (not signalled: run without --no-signal to ask keepalived for it): %w", src.Path, beforeErr)
	}
	src.Written = before.ModTime()
	return fs.ReadFile(o.FS, name)
}

// awaitRewrite polls until the file differs from before (or appears) and
// its size holds still for one poll, so a half-written dump is not read.
func awaitRewrite(ctx context.Context, fsys fs.FS, name string, before fs.FileInfo, existed bool, wait time.Duration) (fs.FileInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	var last fs.FileInfo
	for {
		fi, err := fs.Stat(fsys, name)
		if err == nil && (!existed || !fi.ModTime().Equal(before.ModTime()) || fi.Size() != before.Size()) {
			if last != nil && last.Size() == fi.Size() && last.ModTime().Equal(fi.ModTime()) && fi.Size() > 0 {
				return fi, nil
			}
			last = fi
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("keepalived did not rewrite /%s within %s of the signal", name, wait)
		case <-tick.C:
		}
	}
}

// signum asks keepalived for the signal number of a SIGFUNC: they differ
// between builds and kernels (JSON is SIGRTMIN+2, 36 on Linux with glibc).
func signum(ctx context.Context, run Runner, d Dump) (int, error) {
	b, err := run.Output(ctx, "keepalived", "--signum="+string(d))
	s := strings.TrimSpace(string(b))
	n, convErr := strconv.Atoi(s)
	if err != nil || convErr != nil || n <= 0 {
		if d == DumpJSON {
			return 0, fmt.Errorf("%w: keepalived --signum=JSON: %v %s", ErrNoJSON, err, s)
		}
		return 0, fmt.Errorf("keepalived --signum=%s: %v %s", d, err, s)
	}
	return n, nil
}

// proc is one process from /proc.
type proc struct {
	pid        int
	ppid       int
	comm       string
	args       []string
	netns      string
	parentSame bool // its parent has the same comm (keepalived's children)
}

// findProcs lists the processes named comm in this network namespace
// (/proc/self/ns/net; processes in other namespaces are other hosts). It
// reads /proc/PID/comm, and /proc/PID/stat for the parent; a recorded host
// without stat files counts the lowest pid as the parent.
func findProcs(fsys fs.FS, comm string) ([]proc, error) {
	comms, err := fs.Glob(fsys, "proc/[0-9]*/comm")
	if err != nil {
		return nil, err
	}
	self, selfErr := fs.ReadLink(fsys, "proc/self/ns/net")
	var all []proc
	pids := map[int]bool{}
	for _, p := range comms {
		b, err := fs.ReadFile(fsys, p)
		if err != nil || strings.TrimSpace(string(b)) != comm {
			continue
		}
		dir := path.Dir(p)
		pid, err := strconv.Atoi(path.Base(dir))
		if err != nil {
			continue
		}
		pr := proc{pid: pid, comm: comm, ppid: -1}
		if b, err := fs.ReadFile(fsys, dir+"/stat"); err == nil {
			if st, ok := parseStat(string(b)); ok {
				pr.ppid = st.ppid
			}
		}
		if ns, err := fs.ReadLink(fsys, dir+"/ns/net"); err == nil {
			if selfErr == nil && ns != self {
				continue
			}
			pr.netns = ns
		}
		if b, err := fs.ReadFile(fsys, dir+"/cmdline"); err == nil {
			pr.args = strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		}
		pids[pid] = true
		all = append(all, pr)
	}
	slices.SortFunc(all, func(a, b proc) int { return a.pid - b.pid })
	for i := range all {
		if all[i].ppid < 0 {
			all[i].parentSame = i > 0
		} else {
			all[i].parentSame = pids[all[i].ppid]
		}
	}
	return all, nil
}

// parseStat reads pid, comm and ppid from /proc/PID/stat: "123 (comm) S 1 ...".
func parseStat(s string) (proc, bool) {
	open, cl := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || cl < open {
		return proc{}, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:open]))
	if err != nil {
		return proc{}, false
	}
	f := strings.Fields(s[cl+1:])
	if len(f) < 2 {
		return proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	return proc{pid: pid, comm: s[open+1 : cl], ppid: ppid}, true
}
