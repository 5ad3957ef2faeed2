package keepalived

import (
	"io/fs"
	"net/netip"
	"strconv"
	"time"
)

// Pos is a line of a configuration file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.File == "" {
		return "line " + strconv.Itoa(p.Line)
	}
	return p.File + ":" + strconv.Itoa(p.Line)
}

// IsValid reports whether p names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Kind classes a Message.
type Kind uint8

// Kinds of messages.
const (
	// KindSyntax: an unknown keyword, an unexpected '{', an unmatched quote.
	KindSyntax Kind = iota + 1
	// KindInclude: an include that matches no file or cannot be read.
	KindInclude
	// KindValue: a value keepalived rejects or replaces (out of range, not
	// a number, not an address).
	KindValue
	// KindIgnored: a setting keepalived drops (authentication under
	// VRRPv3 or vrrp_strict, nopreempt with state MASTER, a duplicate).
	KindIgnored
	// KindTruncated: a value keepalived shortens (auth_pass).
	KindTruncated
	// KindSecurity: script security (script_user, enable_script_security).
	KindSecurity
	// KindPreprocessor: a parameter expansion that does not end (keepalived
	// itself loops on it) or a malformed ~SEQ/~LST.
	KindPreprocessor
	// KindFatal: an error that makes keepalived refuse the whole
	// configuration: `keepalived -t` fails and the VRRP process exits
	// ("exited with permanent error CONFIG"), so no instance runs (an
	// instance without virtual_router_id or interface, a VRRPv3 or strict
	// instance without a VIP, two multicast instances with one VRID on one
	// interface, an interface name no host can have).
	KindFatal
)

func (k Kind) String() string {
	switch k {
	case KindSyntax:
		return "syntax"
	case KindInclude:
		return "include"
	case KindValue:
		return "value"
	case KindIgnored:
		return "ignored"
	case KindTruncated:
		return "truncated"
	case KindSecurity:
		return "security"
	case KindPreprocessor:
		return "preprocessor"
	case KindFatal:
		return "fatal"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Message is what keepalived prints about a line while reading the
// configuration: Text is keepalived's own wording (without its
// "(file: Line N)" prefix), so it can be looked up in keepalived's source.
type Message struct {
	Pos  Pos
	Kind Kind
	Text string
}

func (m Message) String() string { return m.Pos.String() + ": " + m.Text }

// Config is the configuration keepalived would run.
type Config struct {
	File     string   // the main file as given
	Files    []string // every file read, in reading order (the main file first)
	ConfigID string   // the id "@id" lines were judged against
	Messages []Message

	Global     Global
	Scripts    []*Script // vrrp_script blocks in file order
	Instances  []*Instance
	SyncGroups []*SyncGroup

	// NetNamespace is net_namespace: keepalived runs in that network
	// namespace.
	NetNamespace string

	users  map[string]bool // the users of the host's /etc/passwd, for script_user
	groups map[string]bool // the groups of the host's /etc/group
	fsys   fs.FS
	noHost bool
	order  int // the place of the top-level block being read, among all
}

// Refused lists the messages for which keepalived refuses the whole
// configuration (KindFatal): when there is one, keepalived runs none of
// Instances. Like keepalived, the reader stops judging at the first
// instance that fails, so later instances may hide more.
func (c *Config) Refused() []Message {
	var out []Message
	for _, m := range c.Messages {
		if m.Kind == KindFatal {
			out = append(out, m)
		}
	}
	return out
}

// Script returns the vrrp_script of that name, or nil.
func (c *Config) Script(name string) *Script {
	for _, s := range c.Scripts {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Instance returns the vrrp_instance of that name, or nil.
func (c *Config) Instance(name string) *Instance {
	for _, in := range c.Instances {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// Global is global_defs.
type Global struct {
	RouterID             string
	VRRPStrict           bool
	EnableScriptSecurity bool
	ScriptUser           string // script_user as written; "" when not set
	VRRPVersion          int    // vrrp_version; 2 when not set
	CheckUnicastSrc      bool   // vrrp_check_unicast_src
	SkipCheckAdvAddr     bool   // vrrp_skip_check_adv_addr
	GarpMasterDelay      time.Duration
	GarpMasterRepeat     int
	GarpMasterRefresh    time.Duration
	GarpInterval         time.Duration // vrrp_garp_interval
	GnaInterval          time.Duration // vrrp_gna_interval
	McastGroup4          netip.Addr
	McastGroup6          netip.Addr
	Pos                  Pos
	// Where is the line of each keyword written in global_defs.
	Where map[string]Pos
}

// Script is a vrrp_script block, or a notify script of an instance.
type Script struct {
	Name    string
	Command string // what keepalived runs: program and arguments, as one string
	// Ignored are the words of a vrrp_script's script line after the
	// command, which keepalived drops without a word: an unquoted
	// "script /usr/bin/killall -0 haproxy" runs killall alone.
	Ignored  []string
	Interval time.Duration
	Timeout  time.Duration
	Weight   int
	Reverse  bool // weight ... reverse
	Rise     int
	Fall     int
	User     string
	Pos      Pos
	Where    map[string]Pos
	order    int // its top-level block's place among all, in reading order
}

// Argv is the program and arguments keepalived runs: Command split at
// blanks, 'single' and "double" quotes joining what they enclose, as
// keepalived splits it (script "/bin/sh -c 'pidof x || exit 1'" runs
// /bin/sh, -c and 'pidof x || exit 1': keepalived -d).
func (s Script) Argv() []string {
	w, _ := quotedEscaped(s.Command)
	return w
}

// Track is one entry of track_script, track_interface or track_file.
type Track struct {
	Name      string
	Weight    int  // the weight in effect (the entry's, else the script's)
	WeightSet bool // the entry wrote its own weight
	Reverse   bool
	Pos       Pos
}

// VIP is one virtual_ipaddress entry.
type VIP struct {
	Prefix netip.Prefix // the address with its prefix length (/32 or /128 when none was given)
	HasLen bool         // a prefix length was written
	Dev    string
	Label  string
	Pos    Pos
}

// Auth is the authentication an instance runs with.
type Auth struct {
	Type string // "" (none), "PASS" or "AH"
	Pass string // as keepalived keeps it: cut to 8 characters
	Pos  Pos    // the auth_pass line (else the authentication block)
	// Written is what the file asked for before keepalived's rules
	// (vrrp_strict, VRRPv3, unknown auth_type) dropped it; Type is "" then.
	Written     string
	WrittenPass string
}

// Instance is a vrrp_instance as keepalived runs it.
type Instance struct {
	Name         string
	Pos          Pos
	State        string // "MASTER" or "BACKUP": the initial state keepalived takes
	Interface    string
	VRID         int
	Priority     int
	AdvertInt    time.Duration
	Version      int // 2 or 3, as run
	Family       int // 4 or 6
	NativeIPv6   bool
	Preempt      bool // false with nopreempt (unless keepalived cleared it)
	PreemptDelay time.Duration
	Accept       bool
	UseVMAC      bool
	VMACName     string
	Auth         Auth
	UnicastSrc   netip.Addr
	UnicastPeers []netip.Addr
	UnicastPos   Pos        // the unicast_peer block
	McastDst     netip.Addr // mcast_dst_ip; see Config.McastGroup
	VIPs         []VIP
	ExcludedVIPs []VIP

	TrackScripts    []Track
	TrackInterfaces []Track
	TrackFiles      []Track
	Notify          []Script // notify, notify_master, ... (Name is the keyword)

	GarpMasterDelay    time.Duration
	GarpMasterRepeat   int
	GarpMasterRefresh  time.Duration
	OldUnicastChecksum bool
	StrictMode         bool // vrrp_strict or strict_mode

	// Where is the line of each keyword written in the block ("priority",
	// "auth_pass", "advert_int", ...), so a check can point at it.
	Where map[string]Pos

	acceptSet bool
	order     int // its top-level block's place among all, in reading order
}

// At is the line of keyword kw in the block, else the block's first line.
func (in *Instance) At(kw string) Pos {
	if p, ok := in.Where[kw]; ok {
		return p
	}
	return in.Pos
}

// VMACInterface is the name of the macvlan keepalived creates with use_vmac.
func (in *Instance) VMACInterface() string {
	if !in.UseVMAC {
		return ""
	}
	if in.VMACName != "" {
		return in.VMACName
	}
	return "vrrp." + strconv.Itoa(in.VRID)
}

// SyncGroup is a vrrp_sync_group.
type SyncGroup struct {
	Name         string
	Instances    []string
	Notify       []Script // notify, notify_master, ... as keepalived keeps them
	TrackScripts []Track  // track_script entries whose script exists
	Pos          Pos
	order        int // its top-level block's place among all, in reading order
}
