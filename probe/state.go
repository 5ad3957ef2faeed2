package probe

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/vrrpkit/vrrpkit/decode"
)

// Crash safety: before the speaker changes the host (a macvlan, an
// interface's arp_ignore, a firewall table, an address) it writes what it
// is about to change to a state file, and it takes each entry out once it
// has undone the change. A speaker killed with SIGKILL leaves its file
// behind, and "vrrpprobe cleanup" (or the next speaker of the same
// router) reads it and undoes what is listed. Entries are written before
// the change, so the file may name something that was never made: undoing
// tolerates what is already gone.

// DefaultStateDir is where speakers keep their state files.
const DefaultStateDir = "/run/vrrpkit"

// stateVersion is the format of the state file.
const stateVersion = 1

// Leftovers is the content of a state file: who wrote it, and what of the
// host it changed and has not undone yet.
type Leftovers struct {
	Format int `json:"format"`
	// Pid and Start (the process's start time in clock ticks since boot,
	// /proc/PID/stat field 22) identify the speaker; a pid alone may be
	// reused.
	Pid       int           `json:"pid"`
	Start     uint64        `json:"start"`
	Netns     string        `json:"netns"` // "net:[4026531840]"
	Interface string        `json:"interface"`
	Family    decode.Family `json:"family"`
	VRID      uint8         `json:"vrid"`
	// Macvlan is the macvlan the speaker created (--vmac), on Interface.
	Macvlan string `json:"macvlan,omitempty"`
	// Sysctls are values the speaker changed, with the value to restore.
	Sysctls []SysctlChange `json:"sysctls,omitempty"`
	// Filter is the firewall table or chain dropping packets to the VIPs.
	Filter *FilterRecord `json:"filter,omitempty"`
	// Addresses are the VIPs the speaker added, with the interface.
	Addresses []AddrRecord `json:"addresses,omitempty"`
}

// SysctlChange is one /proc/sys value the speaker changed.
type SysctlChange struct {
	Path string `json:"path"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// FilterRecord names a firewall table (nft, family inet) or chain
// (iptables, ip6tables).
type FilterRecord struct {
	Tool string `json:"tool"`
	Name string `json:"name"`
}

// AddrRecord is an address the speaker added to an interface.
type AddrRecord struct {
	Interface string     `json:"interface"`
	Addr      netip.Addr `json:"addr"`
}

// Empty reports whether nothing is left to undo.
func (l *Leftovers) Empty() bool {
	return l.Macvlan == "" && len(l.Sysctls) == 0 && l.Filter == nil && len(l.Addresses) == 0
}

// Describe lists what is left, each with the command that removes it by
// hand.
func (l *Leftovers) Describe() []string {
	var out []string
	if l.Filter != nil {
		switch l.Filter.Tool {
		case "nft":
			out = append(out, fmt.Sprintf("nft table inet %s (nft delete table inet %s)", l.Filter.Name, l.Filter.Name))
		default:
			t, n := l.Filter.Tool, l.Filter.Name
			out = append(out, fmt.Sprintf("%s chain %s (%s -D INPUT -j %s; %s -F %s; %s -X %s)", t, n, t, n, t, n, t, n))
		}
	}
	for _, a := range l.Addresses {
		out = append(out, fmt.Sprintf("address %s on %s (ip addr del %s dev %s)", a.Addr, a.Interface, netip.PrefixFrom(a.Addr, a.Addr.BitLen()), a.Interface))
	}
	if l.Macvlan != "" {
		out = append(out, fmt.Sprintf("macvlan %s on %s (ip link del %s)", l.Macvlan, l.Interface, l.Macvlan))
	}
	for _, s := range l.Sysctls {
		out = append(out, fmt.Sprintf("%s set to %s, was %s (echo %s > %s)", s.Path, s.New, s.Old, s.Old, s.Path))
	}
	return out
}

// StateFileName is the state file's name for a speaker of vrid and fam on
// interface ifname. netns is "" in the host's network namespace (that of
// pid 1), else its inode number: interfaces of one name in two namespaces
// get two files.
func StateFileName(ifname string, fam decode.Family, vrid uint8, netns string) string {
	n := fmt.Sprintf("probe-%s-v%d-%d", ifname, fam, vrid)
	if netns != "" {
		n += ".netns-" + netns
	}
	return n + ".json"
}

// StateFile is a speaker's state file. Update rewrites it atomically (a
// temporary file renamed over it, synced), so a crash leaves the old
// content or the new, never half of it.
type StateFile struct {
	path string
	mu   sync.Mutex
	l    Leftovers
}

// ErrSpeakerRunning: a live speaker owns the state file.
var ErrSpeakerRunning = errors.New("another vrrpprobe speaker runs for this virtual router")

// CreateStateFile writes a fresh state file for l at path (creating its
// directory). It refuses to replace a file that exists: read it with
// ReadLeftovers and clean up first.
func CreateStateFile(path string, l Leftovers) (*StateFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("state file: %w", err)
	}
	l.Format = stateVersion
	s := &StateFile{path: path, l: l}
	if err := s.write(); err != nil {
		_ = os.Remove(path)
		return nil, err
	}
	return s, nil
}

// Path returns the file's path.
func (s *StateFile) Path() string { return s.path }

// Update applies fn to the record and writes it. A nil StateFile records
// nothing (no state file in use).
func (s *StateFile) Update(fn func(*Leftovers)) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.l)
	return s.write()
}

// Leftovers returns a copy of the record.
func (s *StateFile) Leftovers() Leftovers {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.l
	l.Sysctls = slices.Clone(l.Sysctls)
	l.Addresses = slices.Clone(l.Addresses)
	return l
}

// Remove deletes the file; it refuses while the record lists anything not
// undone.
func (s *StateFile) Remove() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.l.Empty() {
		return fmt.Errorf("state file %s kept: not undone: %s", s.path, strings.Join(s.l.Describe(), "; "))
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing state file: %w", err)
	}
	return nil
}

func (s *StateFile) write() error {
	b, err := json.MarshalIndent(&s.l, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	_, werr := f.Write(append(b, '\n'))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing state file %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	return nil
}

// ReadLeftovers reads a state file.
func ReadLeftovers(path string) (*Leftovers, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l Leftovers
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("state file %s: %w (remove it after checking by hand)", path, err)
	}
	if l.Format != stateVersion {
		return nil, fmt.Errorf("state file %s: format %d, this vrrpprobe reads %d", path, l.Format, stateVersion)
	}
	return &l, nil
}

// Remove helpers for the record, used by the host code as it undoes.

func (l *Leftovers) dropAddr(ifname string, a netip.Addr) {
	l.Addresses = slices.DeleteFunc(l.Addresses, func(r AddrRecord) bool { return r.Interface == ifname && r.Addr == a })
}

func (l *Leftovers) addAddr(ifname string, a netip.Addr) {
	if !slices.Contains(l.Addresses, AddrRecord{ifname, a}) {
		l.Addresses = append(l.Addresses, AddrRecord{ifname, a})
	}
}
