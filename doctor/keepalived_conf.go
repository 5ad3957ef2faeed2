package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"path"
	"strconv"
	"strings"
)

// Pos is a place in a configuration file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return p.File + ":" + strconv.Itoa(p.Line) }

// ConfNode is one keyword of keepalived.conf with its arguments and block.
type ConfNode struct {
	Key      string
	Args     []string
	Children []*ConfNode
	Pos      Pos
}

// KeepalivedConfig is what the checks need from keepalived.conf and the
// files it includes.
type KeepalivedConfig struct {
	Files     []string // the main file and every included file, in reading order
	Problems  []ConfProblem
	Global    KeepalivedGlobal
	Scripts   map[string]*KeepalivedScript
	Instances []*KeepalivedInstance
}

// ConfProblem is a syntax or include problem found while reading.
type ConfProblem struct {
	Pos Pos
	Msg string
}

// KeepalivedGlobal is global_defs.
type KeepalivedGlobal struct {
	VRRPStrict           bool
	EnableScriptSecurity bool
	ScriptUser           string
	VRRPVersion          int // 0 when not set (keepalived's default is 2)
	Pos                  Pos
}

// KeepalivedScript is a vrrp_script block.
type KeepalivedScript struct {
	Name    string
	Command string // the script line, program first
	Pos     Pos
}

// KeepalivedVIP is one virtual_ipaddress line.
type KeepalivedVIP struct {
	Prefix netip.Prefix // the address with its prefix length (/32 or /128 when none was given)
	HasLen bool         // a prefix length was written
	Dev    string
	Pos    Pos
}

// KeepalivedInstance is a vrrp_instance block.
type KeepalivedInstance struct {
	Name          string
	State         string
	Interface     string
	VRID          int
	Priority      int
	AdvertInt     float64 // seconds; 1 when not set
	Version       int     // vrrp_version in the instance, else global, else 2
	Nopreempt     bool
	Accept        bool
	AcceptSet     bool // accept or no_accept was written
	UseVMAC       bool
	VMACName      string
	AuthType      string
	AuthPass      string
	AuthPos       Pos
	UnicastSrc    netip.Addr
	UnicastPeers  []netip.Addr
	VIPs          []KeepalivedVIP
	TrackScripts  []string
	NotifyScripts []KeepalivedScript // notify, notify_master, ... as scripts
	Pos           Pos
}

// VMACInterface is the name of the macvlan keepalived creates with use_vmac.
func (in *KeepalivedInstance) VMACInterface() string {
	if !in.UseVMAC {
		return ""
	}
	if in.VMACName != "" {
		return in.VMACName
	}
	return "vrrp." + strconv.Itoa(in.VRID)
}

// Family is 4 or 6, from the first VIP (keepalived keeps one family per
// instance).
func (in *KeepalivedInstance) Family() int {
	for _, v := range in.VIPs {
		if v.Prefix.Addr().Is6() {
			return 6
		}
		return 4
	}
	return 4
}

// ErrNoConfig says there is no keepalived.conf to read.
var ErrNoConfig = errors.New("no keepalived configuration")

// Keepalived returns the parsed keepalived.conf (cached). Without one it
// returns a NotApplicableError.
func (e *Env) Keepalived() (*KeepalivedConfig, error) {
	if !e.kaDone {
		e.kaDone = true
		p := e.ConfigPath
		if p == "" {
			p = "/etc/keepalived/keepalived.conf"
		}
		e.ka, e.kaErr = ParseKeepalived(e.FS, p)
		if errors.Is(e.kaErr, fs.ErrNotExist) {
			e.kaErr = &NotApplicableError{Reason: "no keepalived configuration at " + p + " (give one with --config)", Err: ErrNoConfig}
		}
	}
	return e.ka, e.kaErr
}

// ParseKeepalived reads a keepalived.conf and its includes from fsys (rooted
// at /; name is absolute). Syntax problems do not stop the parse: they are
// collected in Problems. An unreadable main file is an error.
func ParseKeepalived(fsys fs.FS, name string) (*KeepalivedConfig, error) {
	c := &KeepalivedConfig{Scripts: map[string]*KeepalivedScript{}}
	nodes, err := c.readFile(fsys, name, 0)
	if err != nil {
		return nil, err
	}
	c.interpret(nodes)
	return c, nil
}

func (c *KeepalivedConfig) problem(p Pos, format string, a ...any) {
	c.Problems = append(c.Problems, ConfProblem{Pos: p, Msg: fmt.Sprintf(format, a...)})
}

type confToken struct {
	s      string
	quoted bool
	line   int
}

func tokenizeConf(src string) [][]confToken {
	var lines [][]confToken
	for i, raw := range strings.Split(src, "\n") {
		var toks []confToken
		s := raw
		for len(s) > 0 {
			switch ch := s[0]; {
			case ch == ' ' || ch == '\t' || ch == '\r':
				s = s[1:]
			case ch == '#' || ch == '!':
				s = ""
			case ch == '{' || ch == '}':
				toks = append(toks, confToken{s: string(ch), line: i + 1})
				s = s[1:]
			case ch == '"':
				end := strings.IndexByte(s[1:], '"')
				if end < 0 {
					end = len(s) - 1
				}
				toks = append(toks, confToken{s: s[1 : end+1], quoted: true, line: i + 1})
				s = s[min(end+2, len(s)):]
			default:
				end := strings.IndexAny(s, " \t\r{}")
				if end < 0 {
					end = len(s)
				}
				toks = append(toks, confToken{s: s[:end], line: i + 1})
				s = s[end:]
			}
		}
		lines = append(lines, toks)
	}
	return lines
}

// readFile parses one file into nodes, expanding include lines in place.
func (c *KeepalivedConfig) readFile(fsys fs.FS, name string, depth int) ([]*ConfNode, error) {
	b, err := fs.ReadFile(fsys, strings.TrimPrefix(path.Clean(name), "/"))
	if err != nil {
		return nil, err
	}
	c.Files = append(c.Files, name)
	type frame struct {
		node *ConfNode
	}
	root := &ConfNode{}
	stack := []*ConfNode{root}
	var last *ConfNode // the node a following "{" opens
	for _, toks := range tokenizeConf(string(b)) {
		for len(toks) > 0 {
			t := toks[0]
			pos := Pos{name, t.line}
			switch {
			case t.s == "{" && !t.quoted:
				if last == nil {
					c.problem(pos, "\"{\" without a keyword before it")
					last = &ConfNode{Pos: pos}
					stack[len(stack)-1].Children = append(stack[len(stack)-1].Children, last)
				}
				stack = append(stack, last)
				last = nil
				toks = toks[1:]
			case t.s == "}" && !t.quoted:
				if len(stack) == 1 {
					c.problem(pos, "unbalanced \"}\"")
				} else {
					stack = stack[:len(stack)-1]
				}
				last = nil
				toks = toks[1:]
			default:
				n := &ConfNode{Key: t.s, Pos: pos}
				toks = toks[1:]
				for len(toks) > 0 && (toks[0].quoted || (toks[0].s != "{" && toks[0].s != "}")) {
					n.Args = append(n.Args, toks[0].s)
					toks = toks[1:]
				}
				if n.Key == "include" {
					c.include(fsys, name, n, stack[len(stack)-1], depth)
					last = nil
					continue
				}
				stack[len(stack)-1].Children = append(stack[len(stack)-1].Children, n)
				last = n
			}
		}
	}
	if len(stack) > 1 {
		c.problem(Pos{name, strings.Count(string(b), "\n")}, "%d block(s) not closed with \"}\" (opened at %s)",
			len(stack)-1, stack[1].Pos)
	}
	return root.Children, nil
}

func (c *KeepalivedConfig) include(fsys fs.FS, from string, n *ConfNode, parent *ConfNode, depth int) {
	if len(n.Args) == 0 {
		c.problem(n.Pos, "include without a file")
		return
	}
	if depth > 8 {
		c.problem(n.Pos, "includes nested deeper than 8 (a loop?)")
		return
	}
	for _, pat := range n.Args {
		if !path.IsAbs(pat) {
			pat = path.Join(path.Dir(from), pat)
		}
		matches, err := fs.Glob(fsys, strings.TrimPrefix(path.Clean(pat), "/"))
		if err != nil || len(matches) == 0 {
			if !strings.ContainsAny(pat, "*?[") {
				c.problem(n.Pos, "include %s: file not found", pat)
			}
			continue
		}
		for _, m := range matches {
			kids, err := c.readFile(fsys, "/"+m, depth+1)
			if err != nil {
				c.problem(n.Pos, "include /%s: %v", m, err)
				continue
			}
			parent.Children = append(parent.Children, kids...)
		}
	}
}

func (c *KeepalivedConfig) interpret(nodes []*ConfNode) {
	for _, n := range nodes {
		switch n.Key {
		case "global_defs":
			c.Global.Pos = n.Pos
			for _, k := range n.Children {
				switch k.Key {
				case "vrrp_strict":
					c.Global.VRRPStrict = true
				case "enable_script_security":
					c.Global.EnableScriptSecurity = true
				case "script_user":
					if len(k.Args) > 0 {
						c.Global.ScriptUser = k.Args[0]
					}
				case "vrrp_version":
					c.Global.VRRPVersion = c.atoi(k)
				}
			}
		case "vrrp_script":
			s := &KeepalivedScript{Pos: n.Pos}
			if len(n.Args) > 0 {
				s.Name = n.Args[0]
			}
			for _, k := range n.Children {
				if k.Key == "script" {
					s.Command = strings.Join(k.Args, " ")
				}
			}
			c.Scripts[s.Name] = s
		case "vrrp_instance":
			c.Instances = append(c.Instances, c.instance(n))
		}
	}
	for _, in := range c.Instances {
		if in.Version == 0 {
			in.Version = c.Global.VRRPVersion
		}
		if in.Version == 0 {
			in.Version = 2
		}
	}
}

func (c *KeepalivedConfig) atoi(n *ConfNode) int {
	if len(n.Args) == 0 {
		c.problem(n.Pos, "%s without a value", n.Key)
		return 0
	}
	v, err := strconv.Atoi(n.Args[0])
	if err != nil {
		c.problem(n.Pos, "%s %q is not a number", n.Key, n.Args[0])
	}
	return v
}

func (c *KeepalivedConfig) arg(n *ConfNode) string {
	if len(n.Args) == 0 {
		c.problem(n.Pos, "%s without a value", n.Key)
		return ""
	}
	return n.Args[0]
}

func (c *KeepalivedConfig) instance(n *ConfNode) *KeepalivedInstance {
	in := &KeepalivedInstance{Pos: n.Pos, AdvertInt: 1, Priority: 100}
	if len(n.Args) > 0 {
		in.Name = n.Args[0]
	}
	for _, k := range n.Children {
		switch k.Key {
		case "state":
			in.State = strings.ToUpper(c.arg(k))
		case "interface":
			in.Interface = c.arg(k)
		case "virtual_router_id":
			in.VRID = c.atoi(k)
		case "priority":
			in.Priority = c.atoi(k)
		case "advert_int":
			v, err := strconv.ParseFloat(c.arg(k), 64)
			if err != nil {
				c.problem(k.Pos, "advert_int %q is not a number", strings.Join(k.Args, " "))
			}
			in.AdvertInt = v
		case "version", "vrrp_version":
			in.Version = c.atoi(k)
		case "nopreempt":
			in.Nopreempt = true
		case "accept":
			in.Accept, in.AcceptSet = true, true
		case "no_accept":
			in.Accept, in.AcceptSet = false, true
		case "use_vmac":
			in.UseVMAC = true
			if len(k.Args) > 0 {
				in.VMACName = k.Args[0]
			}
		case "authentication":
			in.AuthPos = k.Pos
			for _, a := range k.Children {
				switch a.Key {
				case "auth_type":
					in.AuthType = strings.ToUpper(c.arg(a))
				case "auth_pass":
					in.AuthPass = c.arg(a)
					in.AuthPos = a.Pos
				}
			}
		case "unicast_src_ip":
			if ip, err := netip.ParseAddr(c.arg(k)); err == nil {
				in.UnicastSrc = ip
			} else {
				c.problem(k.Pos, "unicast_src_ip: %v", err)
			}
		case "unicast_peer":
			for _, p := range k.Children {
				if ip, err := netip.ParseAddr(p.Key); err == nil {
					in.UnicastPeers = append(in.UnicastPeers, ip)
				} else {
					c.problem(p.Pos, "unicast_peer: %q is not an address", p.Key)
				}
			}
		case "virtual_ipaddress":
			for _, v := range k.Children {
				vip, err := parseVIP(v)
				if err != nil {
					c.problem(v.Pos, "virtual_ipaddress: %v", err)
					continue
				}
				in.VIPs = append(in.VIPs, vip)
			}
		case "track_script":
			for _, t := range k.Children {
				in.TrackScripts = append(in.TrackScripts, t.Key)
			}
		case "notify", "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify_deleted":
			in.NotifyScripts = append(in.NotifyScripts, KeepalivedScript{Name: k.Key, Command: strings.Join(k.Args, " "), Pos: k.Pos})
		}
	}
	return in
}

func parseVIP(n *ConfNode) (KeepalivedVIP, error) {
	v := KeepalivedVIP{Pos: n.Pos}
	s := n.Key
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return v, err
		}
		v.Prefix, v.HasLen = p, true
	} else {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			return v, fmt.Errorf("%q is not an address", s)
		}
		v.Prefix = netip.PrefixFrom(ip, ip.BitLen())
	}
	for i := 0; i+1 < len(n.Args); i++ {
		if n.Args[i] == "dev" {
			v.Dev = n.Args[i+1]
		}
	}
	return v, nil
}
