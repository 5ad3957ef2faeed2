package keepalived

import (
	"io/fs"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// interpret turns the top-level statements into the configuration, with
// keepalived's defaults and rules.
func (c *Config) interpret(top []*stmt) {
	c.Global = Global{VRRPVersion: 2, Where: map[string]Pos{}}
	var insts []*stmt
	var order []int // insts' places among the top-level blocks
	// keepalived's parent reads global_defs before its VRRP process reads
	// the rest: a vrrp_script above global_defs is judged with the
	// script_user and enable_script_security written below it (keepalived's
	// 942.conf: "Unable to set default user for vrrp script chk_fs").
	for _, s := range top {
		if s.key() == "global_defs" {
			c.Global.Pos = s.pos
			c.global(s.kids)
		}
	}
	for i, s := range top {
		c.order = i
		switch s.key() {
		case "net_namespace":
			if a := s.args(); len(a) > 0 {
				c.NetNamespace = a[0]
			}
		case "vrrp_script":
			c.script(s)
		case "static_rules":
			for _, l := range s.value {
				c.rule(l)
			}
		case "static_routes":
			for _, l := range s.value {
				c.route(l, true)
			}
		case "static_ipaddress":
			// Addresses keepalived adds at start, whatever the VRRP state:
			// only their syntax is read (keepalived's ones.conf: "VRRP
			// parsed invalid IP 1000::1:$STATIC_IP/64. skipping IP...").
			for _, l := range s.value {
				c.address(l)
			}
		case "vrrp_sync_group":
			g := &SyncGroup{Pos: s.pos, order: i}
			if a := s.args(); len(a) > 0 {
				g.Name = a[0]
			}
			for _, k := range s.kids {
				switch k.key() {
				case "group":
					for _, l := range k.value {
						for _, t := range l.toks {
							g.Instances = append(g.Instances, t.s)
						}
					}
				case "notify", "notify_master", "notify_backup", "notify_fault", "notify_stop":
					if sc, ok := c.notify(k); ok {
						g.Notify = append(g.Notify, sc)
					}
				case "track_script":
					for _, l := range k.value {
						if !c.weightless(l, g.Name, "track script") {
							g.TrackScripts = append(g.TrackScripts, c.track(l))
						}
					}
				}
			}
			c.SyncGroups = append(c.SyncGroups, g)
		case "vrrp_instance":
			insts = append(insts, s)
			order = append(order, i)
		}
	}
	for i, s := range insts {
		c.order = order[i]
		c.instance(s)
	}
	c.complete()
	// A sync group's track_script is looked up as it is read too, among
	// the scripts kept above it (keepalived's 955c.conf: "(sg1) track
	// script script not found, ignoring..." for a script dropped above it;
	// keepalived -t: "(G) track script sgs not found, ignoring..." for one
	// written below it).
	for _, g := range c.SyncGroups {
		kept := g.TrackScripts[:0]
		for _, t := range g.TrackScripts {
			if c.scriptAbove(t.Name, g.order) == nil {
				c.msg(t.Pos, KindIgnored, "(%s) track script %s not found, ignoring...", g.Name, t.Name)
				continue
			}
			kept = append(kept, t)
		}
		g.TrackScripts = kept
	}
}

func (c *Config) global(kids []*stmt) {
	g := &c.Global
	for _, k := range kids {
		g.Where[k.key()] = k.pos
		a := k.args()
		switch k.key() {
		case "router_id":
			if len(a) > 0 {
				g.RouterID = a[0]
			}
		case "vrrp_strict":
			g.VRRPStrict = true
		case "enable_script_security":
			g.EnableScriptSecurity = true
		case "script_user":
			if len(a) > 0 {
				g.ScriptUser = a[0]
				if !c.userExists(a[0]) {
					c.msg(k.pos, KindSecurity, "Error setting global script uid/gid")
				}
			}
		case "vrrp_version":
			if v, ok := c.number(k, 2, 3); ok {
				g.VRRPVersion = int(v)
			}
		case "vrrp_check_unicast_src":
			g.CheckUnicastSrc = true
		case "vrrp_skip_check_adv_addr":
			g.SkipCheckAdvAddr = true
		case "vrrp_garp_master_delay":
			if v, ok := c.number(k, 0, math.MaxInt32); ok {
				g.GarpMasterDelay = time.Duration(v) * time.Second
			}
		case "vrrp_garp_master_repeat":
			if v, ok := c.number(k, 0, math.MaxInt32); ok {
				g.GarpMasterRepeat = int(v)
			}
		case "vrrp_garp_master_refresh":
			if v, ok := c.number(k, 0, math.MaxInt32); ok {
				g.GarpMasterRefresh = time.Duration(v) * time.Second
			}
		case "vrrp_garp_interval", "vrrp_gna_interval":
			// Microseconds in an unsigned int; keepalived 2.2.7 runs a
			// large one and says so, without a line (its 1421.conf:
			// "The vrrp_garp_interval is very large - 10.456 seconds").
			d, ok := c.seconds(k, 0, math.MaxUint32/1e6)
			if !ok {
				continue
			}
			if d > time.Second {
				c.msg(k.pos, KindValue, "The %s is very large - %s seconds", k.key(), a[0])
			}
			if k.key() == "vrrp_garp_interval" {
				g.GarpInterval = d
			} else {
				g.GnaInterval = d
			}
		case "vrrp_mcast_group4":
			if len(a) > 0 {
				g.McastGroup4, _ = netip.ParseAddr(a[0])
			}
		case "vrrp_mcast_group6":
			if len(a) > 0 {
				g.McastGroup6, _ = netip.ParseAddr(a[0])
			}
		}
	}
}

// number reads the keyword's first argument as an integer in [lo, hi], with
// keepalived's read_int messages.
func (c *Config) number(s *stmt, lo, hi int64) (int64, bool) {
	a := s.args()
	if len(a) == 0 {
		c.msg(s.pos, KindValue, "%s requires a value", s.key())
		return 0, false
	}
	v, err := strconv.ParseInt(a[0], 10, 64)
	if err != nil {
		c.msg(s.pos, KindValue, "invalid number '%s'", a[0])
		return 0, false
	}
	if v < lo || v > hi {
		c.msg(s.pos, KindValue, "number '%s' outside range [%d, %d]", a[0], lo, hi)
		return v, false
	}
	return v, true
}

// seconds reads a decimal number of seconds in [lo, hi] to the microsecond.
func (c *Config) seconds(s *stmt, lo, hi float64) (time.Duration, bool) {
	a := s.args()
	if len(a) == 0 {
		c.msg(s.pos, KindValue, "%s requires a value", s.key())
		return 0, false
	}
	v, err := strconv.ParseFloat(a[0], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		c.msg(s.pos, KindValue, "invalid number '%s'", a[0])
		return 0, false
	}
	if v < lo || v > hi {
		c.msg(s.pos, KindValue, "number '%s' outside range [%f, %f]", a[0], lo, hi)
		return 0, false
	}
	return time.Duration(math.Round(v*1e6)) * time.Microsecond, true
}

func (c *Config) script(s *stmt) {
	sc := &Script{Pos: s.pos, Interval: time.Second, Rise: 1, Fall: 1, Where: map[string]Pos{}, order: c.order}
	if a := s.args(); len(a) > 0 {
		sc.Name = a[0]
	}
	badUser := false
	for _, k := range s.kids {
		sc.Where[k.key()] = k.pos
		a := k.args()
		switch k.key() {
		case "script":
			// keepalived 2.2.7 reads the line again with quotes and escapes
			// (vrrp_parser.c vrrp_script_script_handler:
			// alloc_strvec_quoted_escaped) and runs its first word only, split
			// into program and arguments: "script /usr/bin/killall -0 haproxy"
			// runs /usr/bin/killall alone (keepalived -d: "Command =
			// '/usr/bin/killall'"), "script \"/usr/bin/killall -0 haproxy\""
			// the whole command, and the words after the first are dropped
			// without a message.
			w, _ := quotedEscaped(k.text)
			sc.Command, sc.Ignored = "", nil
			if len(w) > 1 {
				sc.Command = w[1]
				sc.Ignored = w[2:]
			}
		case "interval":
			if d, ok := c.seconds(k, 0, float64(math.MaxInt32)); ok {
				sc.Interval = d
			}
		case "timeout":
			if d, ok := c.seconds(k, 0, float64(math.MaxInt32)); ok {
				sc.Timeout = d
			}
		case "weight":
			if v, ok := c.number(k, -254, 254); ok {
				sc.Weight = int(v)
			}
			sc.Reverse = len(a) > 1 && a[1] == "reverse"
		case "rise":
			if v, ok := c.number(k, 1, math.MaxInt32); ok {
				sc.Rise = int(v)
			}
		case "fall":
			if v, ok := c.number(k, 1, math.MaxInt32); ok {
				sc.Fall = int(v)
			}
		case "user":
			if len(a) > 0 {
				sc.User = a[0]
				badUser = !c.userExists(a[0]) || (len(a) > 1 && !c.noHost && a[1] != "root" && !c.groups[a[1]])
			}
		}
	}
	if badUser {
		// keepalived 2.2.7 drops a script whose user (or group) the host
		// does not have: "Unable to set uid/gid for script '/x/vs.sh'",
		// then "track script chk not found" (its 1033.conf, 2009-test.conf).
		// keepalived names the command word by word, each quoted: a
		// quoted command whole (check_align.4.conf: "'/x/vs.sh' 'scr0h'"),
		// an unquoted one by its first word (2009-test.conf).
		var words []string
		for _, f := range sc.Argv() {
			words = append(words, "'"+f+"'")
		}
		c.msg(sc.Where["user"], KindSecurity, "Unable to set uid/gid for script %s", strings.Join(words, " "))
		return
	}
	if c.Script(sc.Name) != nil {
		// keepalived 2.2.7 says nothing about a second vrrp_script of one
		// name: it keeps both, track_script finds the first, and the other
		// is left out ("Warning - script NAME is not used").
		return
	}
	// keepalived 2.2 with enable_script_security and no user to run the
	// script as (no user, no global script_user, no keepalived_script user
	// on the host) drops the script when its block closes.
	// So does a script_user the host does not have ("Error setting global
	// script uid/gid"), security or not.
	if sc.User == "" && !c.defaultUserSet() && (c.Global.EnableScriptSecurity || c.Global.ScriptUser != "") {
		if c.Global.ScriptUser == "" {
			c.msg(s.end, KindSecurity, "Unable to set default user keepalived_script for script")
		}
		c.msg(s.end, KindSecurity, "Unable to set default user for vrrp script %s - removing", sc.Name)
		return
	}
	c.Scripts = append(c.Scripts, sc)
}

// instance reads a vrrp_instance block as vrrp_parser.c's handlers do.
func (c *Config) instance(s *stmt) {
	a := s.args()
	if len(a) == 0 {
		c.msg(s.pos, KindSyntax, "vrrp_instance must have a name")
		return
	}
	in := &Instance{Name: a[0], Pos: s.pos, order: c.order, State: "BACKUP", Preempt: true, Accept: true,
		AdvertInt: time.Second, Where: map[string]Pos{}, GarpMasterDelay: 5 * time.Second, GarpMasterRepeat: 5}
	if c.Instance(in.Name) != nil {
		c.msg(s.pos, KindIgnored, "vrrp instance %s already defined", in.Name)
		return
	}
	priority, version := -1, 0
	advert := time.Duration(-1)
	for _, k := range s.kids {
		in.Where[k.key()] = k.pos
		a := k.args()
		arg := ""
		if len(a) > 0 {
			arg = a[0]
		}
		switch k.key() {
		case "state":
			switch arg {
			case "MASTER", "BACKUP":
				in.State = arg
			default:
				c.msg(k.pos, KindIgnored, "(%s) unknown state '%s', defaulting to BACKUP", in.Name, arg)
				in.State = "BACKUP"
			}
		case "interface":
			if arg == "lo" {
				c.msg(k.pos, KindIgnored, "(%s) cannot use a loopback interface (lo) for vrrp - ignoring", in.Name)
				continue
			}
			in.Interface = arg
			if !validIfName(arg) {
				// keepalived 2.2.7 on ens18:1 (an address label, never an
				// interface): "WARNING - interface ens18:1 for vrrp_instance
				// VI_1 doesn't exist", then "Non-existent interface
				// specified in configuration", and it exits.
				c.msg(k.pos, KindFatal, "WARNING - interface %s for vrrp_instance %s doesn't exist", arg, in.Name)
			}
		case "virtual_router_id":
			v, ok := c.number(k, 1, 255)
			if !ok {
				c.msg(k.pos, KindValue, "(%s): VRID '%s' not valid - must be between 1 & 255", in.Name, arg)
				continue
			}
			in.VRID = int(v)
		case "priority":
			v, ok := c.number(k, 1, 255)
			if !ok {
				c.msg(k.pos, KindValue, "(%s) Priority not valid! must be between 1 & 255. Using default 100", in.Name)
				priority = 100
				continue
			}
			priority = int(v)
		case "advert_int":
			d, ok := c.seconds(k, 0.01, 255)
			if !ok {
				c.msg(k.pos, KindValue, "(%s) Advert interval (%s) not valid! Must be > 0 - ignoring", in.Name, arg)
				continue
			}
			advert = d
		case "version":
			v, ok := c.number(k, 2, 3)
			if !ok {
				c.msg(k.pos, KindValue, "(%s): Version must be either 2 or 3", in.Name)
				continue
			}
			version = int(v)
		case "mcast_dst_ip":
			if ip, err := netip.ParseAddr(arg); err == nil {
				in.McastDst = ip
			}
		case "native_ipv6":
			in.NativeIPv6 = true
		case "nopreempt":
			in.Preempt = false
		case "preempt":
			in.Preempt = true
		case "preempt_delay":
			if d, ok := c.seconds(k, 0, 1000); ok {
				in.PreemptDelay = d
			}
		case "accept":
			in.Accept, in.acceptSet = true, true
		case "no_accept":
			in.Accept, in.acceptSet = false, true
		case "use_vmac":
			in.UseVMAC = true
			in.VMACName = arg
		case "strict_mode":
			in.StrictMode = arg == "" || arg == "on" || arg == "true" || arg == "yes"
		case "old_unicast_checksum":
			in.OldUnicastChecksum = true
		case "garp_master_delay":
			if v, ok := c.number(k, 0, math.MaxInt32); ok {
				in.GarpMasterDelay = time.Duration(v) * time.Second
			}
		case "garp_master_repeat":
			if v, ok := c.number(k, 0, math.MaxInt32); ok {
				in.GarpMasterRepeat = int(v)
			}
		case "garp_master_refresh":
			if v, ok := c.number(k, 0, math.MaxInt32); ok {
				in.GarpMasterRefresh = time.Duration(v) * time.Second
			}
		case "authentication":
			in.Auth.Pos = k.pos
			for _, x := range k.kids {
				xa := x.args()
				xarg := ""
				if len(xa) > 0 {
					xarg = xa[0]
				}
				in.Where[x.key()] = x.pos
				switch x.key() {
				case "auth_type":
					switch xarg {
					case "PASS", "AH":
						in.Auth.Written = xarg
					default:
						c.msg(x.pos, KindIgnored, "(%s) unknown authentication type '%s'", in.Name, xarg)
						in.Auth.Written = ""
					}
				case "auth_pass":
					in.Auth.WrittenPass = xarg
					in.Auth.Pos = x.pos
					if len(xarg) > 8 {
						c.msg(x.pos, KindTruncated, "Truncating auth_pass to %d characters", 8)
					}
				}
			}
		case "unicast_src_ip":
			ip, err := parseAddr(arg)
			if err != nil {
				c.msg(k.pos, KindValue, "Configuration error: VRRP instance[%s] malformed src address[%s]. Skipping...", in.Name, arg)
				continue
			}
			in.UnicastSrc = ip
		case "unicast_peer":
			in.UnicastPos = k.pos
			for _, l := range k.value {
				ip, err := parseAddr(l.word(0))
				if err != nil {
					c.msg(l.pos, KindValue, "Configuration error: VRRP instance[%s] malformed unicast peer address[%s]. Skipping...", in.Name, l.word(0))
					continue
				}
				for i := 1; i < len(l.toks); i += 2 {
					if i+1 >= len(l.toks) {
						c.msg(l.pos, KindValue, "(%s) %s is missing a value", in.Name, l.word(i))
					}
				}
				// A peer sets the instance's address family as a VIP does;
				// keepalived 2.2.7 (keepalived -t) drops a peer of the other
				// family: "A unicast keyword has been specified without any
				// unicast peers" when it was the only one.
				fam := 4
				if !ip.Unmap().Is4() {
					fam = 6
				}
				if in.Family == 0 {
					in.Family = fam
				} else if in.Family != fam {
					c.msg(l.pos, KindIgnored, "(%s) unicast peer %s is not of the instance's address family (IPv%d): keepalived drops it", in.Name, ip, in.Family)
					continue
				}
				in.UnicastPeers = append(in.UnicastPeers, ip)
			}
		case "virtual_rules":
			for _, l := range k.value {
				c.rule(l)
			}
		case "virtual_routes":
			for _, l := range k.value {
				c.route(l, false)
			}
		case "virtual_ipaddress", "virtual_ipaddress_excluded":
			for _, l := range k.value {
				v, ok := c.vip(in, l, k.key() == "virtual_ipaddress")
				if !ok {
					continue
				}
				if k.key() == "virtual_ipaddress" {
					in.VIPs = append(in.VIPs, v)
				} else {
					in.ExcludedVIPs = append(in.ExcludedVIPs, v)
				}
			}
		case "track_script":
			for _, l := range k.value {
				if !c.weightless(l, in.Name, "track script") && !c.duplicateTrack(l, in.Name, "track_script", in.TrackScripts) {
					in.TrackScripts = append(in.TrackScripts, c.track(l))
				}
			}
		case "track_interface":
			for _, l := range k.value {
				if !c.weightless(l, in.Name, "track_interface") && !c.duplicateTrack(l, in.Name, "track_interface", in.TrackInterfaces) {
					in.TrackInterfaces = append(in.TrackInterfaces, c.track(l))
				}
			}
		case "track_file":
			for _, l := range k.value {
				if !c.weightless(l, in.Name, "track file") && !c.duplicateTrack(l, in.Name, "track_file", in.TrackFiles) {
					in.TrackFiles = append(in.TrackFiles, c.track(l))
				}
			}
		case "notify", "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify_deleted", "notify_master_rx_lower_pri":
			// "notify_master SCRIPT [USER [GROUP]]": an unquoted command with
			// arguments is a script, a user and a group to keepalived, which
			// drops it when that user does not exist (keepalived's 1091a.conf:
			// "notify_master /bin/bash /usr/local/bin/a.sh 3 4 5").
			if sc, ok := c.notify(k); ok {
				in.Notify = append(in.Notify, sc)
			}
		}
	}
	if in.Family == 0 {
		in.Family = 4
		if in.NativeIPv6 {
			in.Family = 6
		}
	}
	in.Version = version
	if priority < 0 {
		priority = 100
		if in.State == "MASTER" {
			priority = 255
		}
	}
	in.Priority = priority
	if advert >= 0 {
		in.AdvertInt = advert
	}
	c.Instances = append(c.Instances, in)
}

// track reads "name [weight N [reverse]]".
func (c *Config) track(l line) Track {
	t := Track{Name: l.word(0), Pos: l.pos}
	for i := 1; i < len(l.toks); i++ {
		switch l.word(i) {
		case "weight":
			if i+1 < len(l.toks) {
				if v, err := strconv.Atoi(l.word(i + 1)); err == nil {
					t.Weight, t.WeightSet = v, true
				}
				i++
			}
		case "reverse":
			t.Reverse = true
		}
	}
	return t
}

// weightless drops a track line "NAME weight" that has no value, as
// keepalived 2.2.7 does: "(VI_1) weight without value specified for track
// script chk - ignoring" (then "Warning - script chk is not used"); the
// same for track_interface, track file and a sync group's track script
// (keepalived -t and -d on each).
func (c *Config) weightless(l line, owner, what string) bool {
	if len(l.toks) != 2 || l.word(1) != "weight" {
		return false
	}
	c.msg(l.pos, KindIgnored, "(%s) weight without value specified for %s %s - ignoring", owner, what, l.word(0))
	return true
}

// duplicateTrack drops a second entry of one name in an instance's
// track_script, track_interface or track_file, as keepalived 2.2.7 does:
// "(VI_1) duplicate track_script chk - ignoring", the first entry and its
// weight kept (keepalived -t and -d).
func (c *Config) duplicateTrack(l line, owner, what string, have []Track) bool {
	for _, t := range have {
		if t.Name == l.word(0) {
			c.msg(l.pos, KindIgnored, "(%s) duplicate %s %s - ignoring", owner, what, t.Name)
			return true
		}
	}
	return false
}

// vip reads a virtual_ipaddress line: ADDR[/LEN] [dev IF] [label L] [...].
// address reads the address that starts a virtual_ipaddress or
// static_ipaddress line, as keepalived's alloc_ipaddress does.
func (c *Config) address(l line) (VIP, bool) {
	v := VIP{Pos: l.pos}
	s := l.word(0)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			c.msg(l.pos, KindValue, "VRRP parsed invalid IP %s. skipping IP...", s)
			return v, false
		}
		v.Prefix, v.HasLen = p, true
	} else {
		ip, err := netip.ParseAddr(s)
		if err != nil {
			c.msg(l.pos, KindValue, "VRRP parsed invalid IP %s. skipping IP...", s)
			return v, false
		}
		v.Prefix = netip.PrefixFrom(ip, ip.BitLen())
	}
	return v, true
}

// rule reads a static_rules or virtual_rules line far enough for what
// keepalived 2.2.7 says about its addresses: "to 192.168.100./24" is
// "VRRP parsed invalid IP 192.168.100./24. skipping IP..." (its own sample
// keepalived.conf.vrrp.rules), and keepalived skips the rule. The rest of
// the rule (table, priority, fwmark, ...) is not judged.
func (c *Config) rule(l line) {
	for i := 0; i+1 < len(l.toks); i++ {
		if w := l.word(i); w != "from" && w != "to" {
			continue
		}
		a := l.word(i + 1)
		if a == "all" || a == "default" {
			continue
		}
		_, err := netip.ParsePrefix(a)
		if !strings.Contains(a, "/") {
			_, err = netip.ParseAddr(a)
		}
		if err != nil {
			c.msg(l.pos, KindValue, "VRRP parsed invalid IP %s. skipping IP...", a)
			return
		}
	}
}

// routeWords are the words of a static_routes/virtual_routes line keepalived
// 2.2.7 knows, with how many values follow each (keepalived.conf(5)).
var routeWords = map[string]int{
	"src": 1, "from": 1, "via": 1, "gw": 1, "or": 1, "dev": 1, "scope": 1, "table": 1,
	"metric": 1, "priority": 1, "preference": 1, "pref": 1, "tos": 1, "dsfield": 1,
	"protocol": 1, "proto": 1, "realms": 1, "mtu": 1, "hoplimit": 1, "advmss": 1, "rtt": 1,
	"rttvar": 1, "reordering": 1, "window": 1, "cwnd": 1, "ssthresh": 1, "rto_min": 1,
	"initcwnd": 1, "initrwnd": 1, "features": 1, "quickack": 1, "congctl": 1,
	"fastopen_no_cookie": 1, "expires": 1, "weight": 1, "iif": 1, "oif": 1, "fwmark": 1,
	"ttl-propagate": 1, "to": 0, "onlink": 0, "no_track": 0, "nexthop": 0, "lock": 0, "pervasive": 0,
	"unicast": 0, "local": 0, "broadcast": 0, "multicast": 0, "throw": 0, "unreachable": 0,
	"prohibit": 0, "blackhole": 0, "nat": 0, "anycast": 0,
}

// route reads a static_routes or virtual_routes line far enough for what
// keepalived 2.2.7 says about it: a word it does not know is read as the
// destination, "VRRP parsed invalid IP restore. skipping IP...", and the
// route is skipped (keepalived's own test configurations 1.conf, 1100s.conf,
// tracking.conf: "restore", "track", "link src", "type"); so is a gateway
// that is not an address ("default via x.x.x.x", 1940-full.conf). Only a
// static route takes track_group (n1.conf). Lines with an encap are not
// judged.
func (c *Config) route(l line, static bool) {
	dest := false
	for i := 0; i < len(l.toks); i++ {
		w := l.word(i)
		if w == "encap" {
			return
		}
		if w == "track_group" && static {
			i++
			continue
		}
		if (w == "via" || w == "gw") && i+1 < len(l.toks) {
			gw := l.word(i + 1)
			if gw == "inet" || gw == "inet6" {
				i++
				gw = l.word(i + 1)
			}
			if _, err := netip.ParseAddr(gw); err != nil && i+1 < len(l.toks) {
				c.msg(l.pos, KindValue, "VRRP parsed invalid IP %s. skipping IP...", gw)
				return
			}
			i++
			continue
		}
		if n, ok := routeWords[w]; ok {
			if n == 1 && i+1 < len(l.toks) {
				switch nx := l.word(i + 1); {
				case nx == "lock": // "mtu lock 1400"
					i++
				case (w == "via" || w == "gw") && (nx == "inet" || nx == "inet6"):
					i++ // "via inet6 2001:db8::1"
				}
			}
			i += n
			continue
		}
		if !dest && (w == "default" || w == "default4" || w == "default6") {
			dest = true
			continue
		}
		_, err := netip.ParsePrefix(w)
		if !strings.Contains(w, "/") {
			_, err = netip.ParseAddr(w)
		}
		if err != nil || dest {
			c.msg(l.pos, KindValue, "VRRP parsed invalid IP %s. skipping IP...", w)
			return
		}
		dest = true
	}
}

func (c *Config) vip(in *Instance, l line, sameFamily bool) (VIP, bool) {
	v, ok := c.address(l)
	if !ok {
		return v, false
	}
	// Options with a value; others are flags.
	withValue := map[string]bool{"dev": true, "label": true, "scope": true, "brd": true, "broadcast": true,
		"peer": true, "preferred_lft": true, "track_group": true, "use_vmac": false}
	flags := map[string]bool{"home": true, "-nodad": true, "nodad": true, "noprefixroute": true,
		"autojoin": true, "no_track": true, "use_vmac": true}
	for i := 1; i < len(l.toks); i++ {
		w := l.word(i)
		switch {
		case withValue[w]:
			if i+1 == len(l.toks) && w != "track_group" {
				// keepalived 2.2.7 drops the address (alloc_ipaddress):
				// "No dev parameter specified for 192.0.2.10", the same for
				// label, scope, brd, broadcast, peer and preferred_lft
				// (keepalived -t and -d on each); a track_group without a
				// value is an unknown entry and the address stays.
				c.msg(l.pos, KindValue, "No %s parameter specified for %s", w, l.word(0))
				return v, false
			}
			if w == "track_group" && i+1 == len(l.toks) {
				c.msg(l.pos, KindValue, "Unknown configuration entry '%s' for ip address - ignoring", w)
			}
			if i+1 < len(l.toks) {
				switch w {
				case "dev":
					v.Dev = l.word(i + 1)
				case "label":
					v.Label = l.word(i + 1)
				case "peer":
					c.vipPeer(&v, l.word(i+1))
				}
				i++
			}
		case flags[w]:
		default:
			c.msg(l.pos, KindValue, "Unknown configuration entry '%s' for ip address - ignoring", w)
		}
	}
	fam := 4
	if v.Prefix.Addr().Is6() {
		fam = 6
	}
	if !sameFamily {
		return v, true
	}
	if in.Family == 0 {
		in.Family = fam
	} else if in.Family != fam {
		c.msg(l.pos, KindIgnored, "(%s): address family must match VRRP instance [%s] - ignoring", in.Name, l.word(0))
		return v, false
	}
	return v, true
}

// McastGroup is the multicast group in sends its adverts to: mcast_dst_ip,
// else vrrp_mcast_group4/6, else VRRP's 224.0.0.18 or ff02::12.
func (c *Config) McastGroup(in *Instance) netip.Addr {
	switch {
	case in.McastDst.IsValid():
		return in.McastDst
	case in.Family == 6 && c.Global.McastGroup6.IsValid():
		return c.Global.McastGroup6
	case in.Family == 6:
		return netip.MustParseAddr("ff02::12")
	case c.Global.McastGroup4.IsValid():
		return c.Global.McastGroup4
	}
	return netip.MustParseAddr("224.0.0.18")
}

// validIfName says whether a Linux interface can have that name (the
// kernel's dev_valid_name): at most 15 bytes, no '/', ':' or white space.
func validIfName(n string) bool {
	return n != "" && n != "." && n != ".." && len(n) <= 15 && !strings.ContainsAny(n, "/: \t\n\v\f\r")
}

// vipPeer reads the "peer ADDR" of a virtual_ipaddress line as keepalived
// 2.2.7 does (its 850p.conf): a peer with a prefix length is "VRRP parsed
// invalid IP 1.3.2.4/16. skipping IP..." and dropped (the address stays); a
// peer drops the address's own prefix length: "Cannot specify address
// prefix when specifying peer address - ignoring", so 192.0.2.2/24 peer
// 198.51.100.2 is the /32 192.0.2.2.
func (c *Config) vipPeer(v *VIP, peer string) {
	if _, err := netip.ParseAddr(peer); err != nil {
		c.msg(v.Pos, KindValue, "VRRP parsed invalid IP %s. skipping IP...", peer)
		return
	}
	if v.HasLen {
		c.msg(v.Pos, KindValue, "Cannot specify address prefix when specifying peer address - ignoring")
		a := v.Prefix.Addr()
		v.Prefix, v.HasLen = netip.PrefixFrom(a, a.BitLen()), false
	}
}

// scriptAbove is the vrrp_script of that name read before the top-level
// block at place order, or nil.
func (c *Config) scriptAbove(name string, order int) *Script {
	if s := c.Script(name); s != nil && s.order < order {
		return s
	}
	return nil
}

// complete applies what keepalived's vrrp_complete_init does once
// everything is read. keepalived stops at the first instance it refuses and
// runs nothing (KindFatal): the reader still completes every instance, for
// the checks, but keeps only the messages keepalived prints before it stops.
func (c *Config) complete() {
	strict := c.Global.VRRPStrict
	// chk_min_cfg, over every instance before any is completed
	// (keepalived 2.2.7: "(VI_1) the virtual router id must be set",
	// "(VI_1) Unknown interface!", for the first instance that fails).
	for _, in := range c.Instances {
		// keepalived looks track scripts up as it reads (the messages
		// carry the line), before it judges any instance: a vrrp_script
		// written below the instance is not found, and the instance runs
		// without it (keepalived 2.2.7 -d: no tracked script, and
		// "Warning - script chk is not used").
		kept := in.TrackScripts[:0]
		for _, t := range in.TrackScripts {
			s := c.scriptAbove(t.Name, in.order)
			if s == nil {
				c.msg(t.Pos, KindIgnored, "(%s) track script %s not found, ignoring...", in.Name, t.Name)
				continue
			}
			if !t.WeightSet {
				t.Weight, t.Reverse = s.Weight, s.Reverse
			}
			kept = append(kept, t)
		}
		in.TrackScripts = kept
	}
	fatal := false
	for _, in := range c.Instances {
		switch {
		case in.VRID == 0:
			c.msg(in.Pos, KindFatal, "(%s) the virtual router id must be set", in.Name)
		case in.Interface == "":
			// keepalived 2.2.7 runs no instance on default_interface, and
			// wants an interface even with unicast peers.
			c.msg(in.Pos, KindFatal, "(%s) Unknown interface!", in.Name)
		default:
			continue
		}
		fatal = true
		break
	}
	keep := len(c.Messages) // keepalived prints nothing after a fatal error
	c.Instances = slices.DeleteFunc(c.Instances, func(in *Instance) bool { return in.VRID == 0 })
	for _, in := range c.Instances {
		if strict {
			in.StrictMode = true
		}
		if in.Version == 0 {
			in.Version = c.Global.VRRPVersion
		}
		if in.Family == 6 && in.Version == 2 {
			// keepalived: VRRPv2 has no IPv6, the instance runs VRRPv3.
			in.Version = 3
		}
		if len(in.VIPs) == 0 {
			if in.Version == 3 || in.StrictMode {
				c.msg(in.At("virtual_ipaddress"), KindFatal, "(%s) No VIP specified; at least one is required", in.Name)
				if !fatal {
					fatal, keep = true, len(c.Messages)
				}
			} else {
				c.msg(in.At("virtual_ipaddress"), KindValue, "(%s) No VIP specified; at least one is sensible", in.Name)
			}
		}
		if in.Auth.Written != "" {
			switch {
			// Strict mode is judged first (keepalived's check_align.2.conf:
			// a VRRPv3 instance under vrrp_strict gets "Strict mode does
			// not support authentication").
			case in.StrictMode:
				c.msg(in.Auth.Pos, KindIgnored, "(%s) Strict mode does not support authentication. Ignoring.", in.Name)
			case in.Version == 3:
				c.msg(in.Auth.Pos, KindIgnored, "(%s) VRRP version 3 does not support authentication. Ignoring.", in.Name)
			default:
				in.Auth.Type = in.Auth.Written
				if in.Auth.Type == "PASS" {
					in.Auth.Pass = in.Auth.WrittenPass
					if len(in.Auth.Pass) > 8 {
						in.Auth.Pass = in.Auth.Pass[:8]
					}
				}
			}
		}
		// An advert carries at most 255 addresses, and no more than fit in
		// one frame of the interface's MTU (Ethernet header, IP header,
		// VRRP header, authentication data): keepalived moves the rest to
		// virtual_ipaddress_excluded, which it adds but does not advertise.
		// The MTU is the host's: taken as Ethernet's 1500, so 89 IPv6
		// addresses, as keepalived 2.2.7 runs keepalived's 1978b.conf.
		if max := maxVIPs(in, 1500); len(in.VIPs) > max {
			c.msg(in.At("virtual_ipaddress"), KindIgnored, "(%s) Number of VIPs (%d) exceeds maximum/space available in packet (max %d addresses) - excess moved to eVIPs", in.Name, len(in.VIPs), max)
			in.ExcludedVIPs = append(in.ExcludedVIPs, in.VIPs[max:]...)
			in.VIPs = in.VIPs[:max:max]
		}
		// Advert interval: v2 in whole seconds, v3 in centiseconds.
		if in.Version == 2 {
			if us := in.AdvertInt.Microseconds(); us%1_000_000 != 0 {
				secs := (us + 500_000) / 1_000_000
				if secs < 1 {
					secs = 1
				}
				c.msg(in.At("advert_int"), KindValue, "(%s) VRRPv2 advertisement interval %fs must be an integer. rounding", in.Name, in.AdvertInt.Seconds())
				in.AdvertInt = time.Duration(secs) * time.Second
			}
		} else if in.AdvertInt > 4095*10*time.Millisecond {
			// The VRRPv3 header has 12 bits of centiseconds.
			// keepalived's msg_109.conf (advert_int 100).
			c.msg(in.At("advert_int"), KindValue, "(%s) VRRPv3 advertisement interval %.2fs is out of range. Must be less than 40.96s. Setting to 40.95s", in.Name, in.AdvertInt.Seconds())
			in.AdvertInt = 4095 * 10 * time.Millisecond
		} else if us := in.AdvertInt.Microseconds(); us%10_000 != 0 {
			cs := (us + 5_000) / 10_000
			if cs < 1 {
				cs = 1
			}
			c.msg(in.At("advert_int"), KindValue, "(%s) VRRPv3 advertisement interval %fs must be in units of 10ms - rounding", in.Name, in.AdvertInt.Seconds())
			in.AdvertInt = time.Duration(cs) * 10 * time.Millisecond
		}
		if in.State == "MASTER" && in.Auth.Type == "AH" {
			c.msg(in.At("state"), KindIgnored, "(%s) Initial state master is incompatible with AH authentication - clearing", in.Name)
			in.State = "BACKUP"
		}
		kept := in.TrackInterfaces[:0]
		for _, t := range in.TrackInterfaces {
			if t.Name == in.Interface {
				c.msg(t.Pos, KindIgnored, "(%s) Ignoring track_interface %s since own interface", in.Name, t.Name)
				continue
			}
			kept = append(kept, t)
		}
		in.TrackInterfaces = kept
		if in.StrictMode {
			// Strict mode: only the address owner (255) starts as MASTER,
			// and accept is off unless the owner (VRRPv2 refuses it).
			if (in.State == "MASTER") != (in.Priority == 255) {
				c.msg(in.At("state"), KindIgnored, "(%s) State MASTER must match being address owner", in.Name)
				in.State = "BACKUP"
				if in.Priority == 255 {
					in.State = "MASTER"
				}
			}
			switch {
			case in.Priority == 255:
				in.Accept = true
			case !in.acceptSet:
				in.Accept = false
			case in.Accept && in.Version == 2:
				c.msg(in.At("accept"), KindIgnored, "(%s) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting", in.Name)
				in.Accept = false
			}
		}
		if !in.Preempt {
			switch {
			case in.State == "MASTER":
				c.msg(in.At("nopreempt"), KindIgnored, "(%s) Warning - nopreempt will not work with initial state MASTER - clearing", in.Name)
				in.Preempt = true
			case in.Priority == 255:
				c.msg(in.At("nopreempt"), KindIgnored, "(%s) nopreempt is incompatible with priority 255. resetting nopreempt", in.Name)
				in.Preempt = true
			}
		}
	}
	if !fatal {
		fatal = c.sharedVRIDs()
		keep = len(c.Messages)
	}
	// keepalived starts the members of a sync group as BACKUP unless they
	// own their addresses (priority 255): the group decides together.
	for _, g := range c.SyncGroups {
		for _, n := range g.Instances {
			if in := c.Instance(n); in != nil && in.State == "MASTER" && in.Priority != 255 {
				c.msg(in.At("state"), KindIgnored, "(%s) in sync group %s starts as BACKUP, not MASTER", in.Name, g.Name)
				in.State = "BACKUP"
			}
		}
	}
	c.scriptSecurity()
	if fatal {
		c.Messages = c.Messages[:keep]
	}
}

// sharedVRIDs reports two multicast instances with one VRID on one
// interface, address family and multicast group, which keepalived 2.2.7
// refuses: "VI_0 and VI_1 both use VRID 253 with IPv4 on interface eth0"
// (keepalived's bfd_several.conf), each pair, then it exits. Instances with
// unicast peers share a VRID freely, so do instances sending to different
// groups (mcast_dst_ip, 1969ma.conf); use_vmac does not separate them.
func (c *Config) sharedVRIDs() bool {
	found := false
	for i, a := range c.Instances {
		for _, b := range c.Instances[i+1:] {
			if a.VRID == b.VRID && a.Interface == b.Interface && a.Family == b.Family &&
				len(a.UnicastPeers) == 0 && len(b.UnicastPeers) == 0 && c.McastGroup(a) == c.McastGroup(b) {
				c.msg(b.Pos, KindFatal, "%s and %s both use VRID %d with IPv%d on interface %s", a.Name, b.Name, a.VRID, a.Family, a.Interface)
				found = true
			}
		}
	}
	return found
}

// ScriptUser is the user keepalived runs a script as when it names none:
// script_user, else keepalived_script if the host has that user, else root.
// A script_user the host does not have leaves root (keepalived: "Error
// setting global script uid/gid").
// maxVIPs is how many virtual addresses one advert of in carries on an
// interface of the given MTU (keepalived 2.2.7: 255 IPv4, 89 IPv6 at 1500).
func maxVIPs(in *Instance, mtu int) int {
	const ether, vrrpHdr = 14, 8
	hdr, size := ether+20+vrrpHdr, 4
	if in.Family == 6 {
		hdr, size = ether+40+vrrpHdr, 16
	} else if in.Auth.Type == "PASS" {
		hdr += 8
	} else if in.Auth.Type == "AH" {
		hdr += 24 // the IPsec AH header keepalived adds
	}
	return min(255, (mtu-hdr)/size)
}

func (c *Config) ScriptUser() string {
	switch {
	case c.Global.ScriptUser != "":
		if c.userExists(c.Global.ScriptUser) {
			return c.Global.ScriptUser
		}
	case c.userExists("keepalived_script"):
		return "keepalived_script"
	}
	return "root"
}

// defaultUserSet says keepalived found a user for scripts that name none:
// a script_user the host has, else keepalived_script.
func (c *Config) defaultUserSet() bool {
	if c.Global.ScriptUser != "" && c.userExists(c.Global.ScriptUser) {
		return true
	}
	return c.userExists("keepalived_script")
}

func (c *Config) userExists(name string) bool {
	return c.noHost || name == "root" || c.users[name]
}

// runnable says whether keepalived would find the script's program on the
// host (it disables a track script it cannot access, and does not run a
// notify script it cannot); without the host, every script is.
func (c *Config) runnable(argv []string) bool {
	if c.noHost {
		return true
	}
	if len(argv) == 0 {
		return false
	}
	p := argv[0]
	cands := []string{p}
	if !strings.Contains(p, "/") {
		cands = nil
		for _, d := range ScriptPath {
			cands = append(cands, d+"/"+p)
		}
	}
	for _, p := range cands {
		if st, err := fs.Stat(c.fsys, fsPath(p)); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			return true
		}
	}
	return false
}

// ScriptPath is where keepalived finds a command given without a path: PATH
// as systemd starts it.
var ScriptPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// notify reads "notify_master SCRIPT [USER [GROUP]]" (an instance's or a
// sync group's): an unquoted command with arguments is a script, a user and
// a group to keepalived, which drops it when that user or group does not
// exist
// (keepalived's 1091a.conf: "notify_master /bin/bash /usr/local/bin/a.sh").
//
// keepalived reads a notify line again with quotes and escapes
// (notify.c notify_script_init: alloc_strvec_quoted_escaped), so
// notify_master "/x.sh '\"a b\"' c" is one script with its arguments, and
// an open quote drops it: "String 'notify "/x y': missing terminating "".
func (c *Config) notify(k *stmt) (Script, bool) {
	a, open := quotedEscaped(k.text)
	if open != "" {
		c.msg(k.pos, KindSyntax, "%s", open)
	}
	if len(a) < 2 {
		return Script{}, false
	}
	a = a[1:]
	// The script's own words: keepalived names it by the first, the program.
	args, _ := quotedEscaped(a[0])
	if len(args) == 0 {
		return Script{}, false // "Unable to parse script '' - ignoring"
	}
	sc := Script{Name: k.key(), Command: a[0], Pos: k.pos}
	if len(a) > 1 {
		if !c.userExists(a[1]) || (len(a) > 2 && !c.noHost && a[2] != "root" && !c.groups[a[2]]) {
			// "test" for notify "test one two three" root nogroup (r_exec.conf).
			c.msg(k.pos, KindSecurity, "Invalid user/group for notify script %s - ignoring", args[0])
			return Script{}, false
		}
		sc.User = a[1]
	}
	return sc, true
}

// scriptSecurity reports what keepalived says about who runs scripts: a
// script that runs as root without enable_script_security.
func (c *Config) scriptSecurity() {
	if c.Global.EnableScriptSecurity {
		return
	}
	// keepalived checks every script it read, a vrrp_script no instance
	// tracks too (keepalived's 941.vm1.conf: "Warning - script chk_live is
	// not used" after the violation).
	asRoot := func(s Script) bool {
		u := s.User
		if u == "" {
			u = c.ScriptUser()
		}
		return c.runnable(s.Argv()) && u == "root"
	}
	root := false
	for _, in := range c.Instances {
		for _, n := range in.Notify {
			root = root || asRoot(n)
		}
	}
	for _, g := range c.SyncGroups {
		for _, n := range g.Notify {
			root = root || asRoot(n)
		}
	}
	for _, s := range c.Scripts {
		root = root || asRoot(*s)
	}
	if root {
		c.msg(c.Global.Pos, KindSecurity, "SECURITY VIOLATION - scripts are being executed but script_security not enabled.")
	}
}

// parseAddr reads an address as keepalived does for unicast_src_ip and
// unicast_peer: a prefix length after it is accepted and dropped.
func parseAddr(s string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Addr{}, err
	}
	return p.Addr(), nil
}
