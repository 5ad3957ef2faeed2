package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/vrrpkit/vrrpkit/decode"
)

// StateDirs are the directories a speaker may keep its state file in, in
// order: /run/vrrpkit as root, else $XDG_RUNTIME_DIR/vrrpkit, else
// /tmp/vrrpkit-UID (a speaker with file capabilities, not root). Cleanup
// looks in all of them.
func StateDirs() []string {
	dirs := []string{DefaultStateDir}
	if x := os.Getenv("XDG_RUNTIME_DIR"); x != "" {
		dirs = append(dirs, filepath.Join(x, "vrrpkit"))
	}
	return append(dirs, filepath.Join(os.TempDir(), "vrrpkit-"+strconv.Itoa(os.Getuid())))
}

// self identifies this process and its network namespace.
func self() (pid int, start uint64, netns string, host bool, err error) {
	pid = os.Getpid()
	if start, err = procStart(pid); err != nil {
		return 0, 0, "", false, err
	}
	netns, err = os.Readlink("/proc/self/ns/net")
	if err != nil {
		return 0, 0, "", false, fmt.Errorf("network namespace: %w", err)
	}
	init, err := os.Readlink("/proc/1/ns/net")
	host = err == nil && init == netns // unreadable: not the host's, to be safe
	return pid, start, netns, host, nil
}

// nsInode returns the inode of "net:[4026531840]".
func nsInode(ns string) string {
	return strings.TrimSuffix(strings.TrimPrefix(ns, "net:["), "]")
}

// procStart returns field 22 of /proc/PID/stat, the start time in ticks.
func procStart(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: count
	// from the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// Alive reports whether the speaker that wrote l still runs.
func (l *Leftovers) Alive() bool {
	st, err := procStart(l.Pid)
	return err == nil && st == l.Start
}

// Found is a state file of a speaker of this network namespace.
type Found struct {
	Path      string     `json:"path"`
	Leftovers *Leftovers `json:"leftovers"`
	Alive     bool       `json:"alive"` // its speaker still runs: not to be touched
}

// FindLeftovers lists the state files in dirs written in this network
// namespace, for interface ifname ("" for any). A file that cannot be read
// is returned as an error naming it, after the others.
func FindLeftovers(dirs []string, ifname string) ([]Found, error) {
	_, _, netns, _, err := self()
	if err != nil {
		return nil, err
	}
	var out []Found
	var errs []error
	for _, d := range dirs {
		paths, _ := filepath.Glob(filepath.Join(d, "probe-*.json"))
		for _, p := range paths {
			l, err := ReadLeftovers(p)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if l.Netns != netns || ifname != "" && l.Interface != ifname {
				continue
			}
			out = append(out, Found{Path: p, Leftovers: l, Alive: l.Alive()})
		}
	}
	return out, errors.Join(errs...)
}

// Clean undoes what l lists (firewall, addresses, macvlan, sysctls, in
// that order), tolerating what is already gone, and removes the state
// file at path once nothing is left. It returns what it removed, in words.
func Clean(path string, l *Leftovers) ([]string, error) {
	var done []string
	var errs []error
	note := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		} else {
			done = append(done, what)
		}
	}
	if f := l.Filter; f != nil {
		gone, err := removeFilter(f)
		if !gone {
			note(f.Tool+" "+f.Name, err)
		}
		if err == nil {
			l.Filter = nil
		}
	}
	var left []AddrRecord
	for _, a := range l.Addresses {
		lk, err := netlink.LinkByName(a.Interface)
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			continue // the interface went, and the address with it
		}
		if err == nil {
			err = netlink.AddrDel(lk, vipAddr(a.Addr))
			if errors.Is(err, unix.EADDRNOTAVAIL) {
				continue
			}
		}
		note(fmt.Sprintf("address %s on %s", a.Addr, a.Interface), err)
		if err != nil {
			left = append(left, a)
		}
	}
	l.Addresses = left
	if l.Macvlan != "" {
		lk, err := netlink.LinkByName(l.Macvlan)
		var nf netlink.LinkNotFoundError
		switch {
		case errors.As(err, &nf):
			l.Macvlan = ""
		case err != nil:
			note("macvlan "+l.Macvlan, err)
		case lk.Type() != "macvlan":
			note("macvlan "+l.Macvlan, fmt.Errorf("%s is a %s now, not the speaker's macvlan: left alone", l.Macvlan, lk.Type()))
		default:
			err = netlink.LinkDel(lk)
			note("macvlan "+l.Macvlan, err)
			if err == nil {
				l.Macvlan = ""
			}
		}
	}
	var keep []SysctlChange
	for _, s := range l.Sysctls {
		cur, err := os.ReadFile(s.Path)
		if errors.Is(err, os.ErrNotExist) {
			continue // the interface is gone
		}
		if err == nil && strings.TrimSpace(string(cur)) != s.New {
			continue // changed since by someone else: theirs now
		}
		if err == nil {
			err = os.WriteFile(s.Path, []byte(s.Old), 0o644)
		}
		note(fmt.Sprintf("%s restored to %s", s.Path, s.Old), err)
		if err != nil {
			keep = append(keep, s)
		}
	}
	l.Sysctls = keep
	if len(errs) > 0 || !l.Empty() {
		return done, fmt.Errorf("cleaning up after speaker pid %d (%s): %w", l.Pid, path, errors.Join(errs...))
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return done, err
	}
	return done, nil
}

// removeFilter deletes the speaker's nft table or iptables chain; gone is
// true when it was not there.
func removeFilter(f *FilterRecord) (gone bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), filterTimeout)
	defer cancel()
	if f.Tool == "nft" {
		if _, err := execRunner(ctx, "", "nft", "list", "table", "inet", f.Name); err != nil {
			return true, nil
		}
		_, err := execRunner(ctx, "", "nft", "delete", "table", "inet", f.Name)
		return false, err
	}
	if f.Tool != "iptables" && f.Tool != "ip6tables" {
		return false, fmt.Errorf("unknown firewall tool %q", f.Tool)
	}
	if _, err := exec.LookPath(f.Tool); err != nil {
		return false, err
	}
	if _, err := execRunner(ctx, "", f.Tool, "-w", "5", "-n", "-L", f.Name); err != nil {
		return true, nil
	}
	// The jump may be there once, or not yet.
	for range 8 {
		if _, err := execRunner(ctx, "", f.Tool, "-w", "5", "-D", "INPUT", "-j", f.Name); err != nil {
			break
		}
	}
	_, ferr := execRunner(ctx, "", f.Tool, "-w", "5", "-F", f.Name)
	_, xerr := execRunner(ctx, "", f.Tool, "-w", "5", "-X", f.Name)
	return false, errors.Join(ferr, xerr)
}

// Claim is a speaker's state file, opened at start.
type Claim struct {
	File *StateFile
	// Cleaned says what a dead speaker of the same router left and this
	// start removed; Others names dead speakers' files of other routers on
	// the interface, for "vrrpprobe cleanup".
	Cleaned []string
	Others  []string
}

// ClaimState opens the state file of a speaker of vrid and fam on ifi:
// it refuses (ErrSpeakerRunning) while another live speaker holds it,
// undoes what a dead one left, and creates it afresh.
func ClaimState(ifi *net.Interface, fam decode.Family, vrid uint8) (*Claim, error) {
	pid, start, netns, host, err := self()
	if err != nil {
		return nil, err
	}
	ns := ""
	if !host {
		ns = nsInode(netns)
	}
	name := StateFileName(ifi.Name, fam, vrid, ns)
	found, ferr := FindLeftovers(StateDirs(), ifi.Name)
	c := &Claim{}
	for _, f := range found {
		if filepath.Base(f.Path) != name {
			if !f.Alive {
				c.Others = append(c.Others, fmt.Sprintf("%s (speaker pid %d, vrid %d): %s", f.Path, f.Leftovers.Pid, f.Leftovers.VRID, strings.Join(f.Leftovers.Describe(), "; ")))
			}
			continue
		}
		if f.Alive {
			return nil, fmt.Errorf("%w: pid %d (state file %s): stop it first", ErrSpeakerRunning, f.Leftovers.Pid, f.Path)
		}
		done, err := Clean(f.Path, f.Leftovers)
		if err != nil {
			return nil, fmt.Errorf("a dead speaker left %s: %w; left: %s", f.Path, err, strings.Join(f.Leftovers.Describe(), "; "))
		}
		c.Cleaned = append(c.Cleaned, fmt.Sprintf("speaker pid %d: %s", f.Leftovers.Pid, strings.Join(done, ", ")))
	}
	if ferr != nil {
		return nil, fmt.Errorf("%w: remove or fix the file by hand", ferr)
	}
	l := Leftovers{Pid: pid, Start: start, Netns: netns, Interface: ifi.Name, Family: fam, VRID: vrid}
	var errs []error
	for _, d := range StateDirs() {
		f, err := CreateStateFile(filepath.Join(d, name), l)
		if err == nil {
			c.File = f
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("no state directory is writable: %w", errors.Join(errs...))
}

// Orphan is a macvlan, nft table or iptables chain with a vrrpprobe
// speaker's name that no state file lists: left by a speaker without one
// (a vrrpprobe from before state files), or whose file was removed.
type Orphan struct {
	Kind   string `json:"kind"` // "macvlan", "nft", "iptables" or "ip6tables"
	Name   string `json:"name"`
	Remove string `json:"remove"` // the command that removes it
}

var vmacNameRE = regexp.MustCompile(`^vrrpkit[46]\.[0-9]+$`)

// FindOrphans lists the speakers' macvlans, nft tables and iptables chains
// of this network namespace that no state file in found lists.
func FindOrphans(found []Found) ([]Orphan, error) {
	listed := map[string]bool{}
	for _, f := range found {
		if f.Leftovers.Macvlan != "" {
			listed["macvlan "+f.Leftovers.Macvlan] = true
		}
		if r := f.Leftovers.Filter; r != nil {
			listed[r.Tool+" "+r.Name] = true
		}
		if f.Alive { // a live speaker's own, recorded or about to be
			n := VMACName(f.Leftovers.Family, f.Leftovers.VRID)
			listed["macvlan "+n] = true
			for _, tool := range []string{"nft", "iptables", "ip6tables"} {
				listed[tool+" "+FilterName(f.Leftovers.Interface, 0, f.Leftovers.Family, f.Leftovers.VRID)] = true
				listed[tool+" "+FilterName(n, 0, f.Leftovers.Family, f.Leftovers.VRID)] = true
			}
		}
	}
	var out []Orphan
	add := func(kind, name, remove string) {
		if !listed[kind+" "+name] {
			out = append(out, Orphan{kind, name, remove})
		}
	}
	links, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("listing links: %w", err)
	}
	for _, l := range links {
		if n := l.Attrs().Name; l.Type() == "macvlan" && vmacNameRE.MatchString(n) {
			add("macvlan", n, "ip link del "+n)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), filterTimeout)
	defer cancel()
	if _, err := exec.LookPath("nft"); err == nil {
		b, err := execRunner(ctx, "", "nft", "list", "tables", "inet")
		if err != nil {
			return out, err
		}
		for l := range strings.Lines(string(b)) {
			if f := strings.Fields(l); len(f) == 3 && f[0] == "table" && strings.HasPrefix(f[2], "vrrpprobe-") {
				add("nft", f[2], "nft delete table inet "+f[2])
			}
		}
	}
	for _, tool := range []string{"iptables", "ip6tables"} {
		if _, err := exec.LookPath(tool); err != nil {
			continue
		}
		b, err := execRunner(ctx, "", tool, "-w", "5", "-S")
		if err != nil {
			return out, err
		}
		for l := range strings.Lines(string(b)) {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "-N" && strings.HasPrefix(f[1], "vrrpprobe-") {
				n := f[1]
				add(tool, n, fmt.Sprintf("%s -D INPUT -j %s; %s -F %s; %s -X %s", tool, n, tool, n, tool, n))
			}
		}
	}
	return out, nil
}

// RemoveOrphan removes o.
func RemoveOrphan(o Orphan) error {
	if o.Kind == "macvlan" {
		lk, err := netlink.LinkByName(o.Name)
		if err != nil {
			return err
		}
		return netlink.LinkDel(lk)
	}
	_, err := removeFilter(&FilterRecord{Tool: o.Kind, Name: o.Name})
	return err
}
