package keepalived_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vrrpkit/vrrpkit/keepalived"
)

// Each case is a configuration of ours; where keepalived prints something
// about it, the comment quotes keepalived 2.2.7's message (keepalived -t).

func parse(t *testing.T, src string) *keepalived.Config {
	t.Helper()
	return keepalived.Parse("/etc/keepalived/keepalived.conf", []byte(src), nil, keepalived.Options{ConfigID: "node1"})
}

func only(t *testing.T, c *keepalived.Config) *keepalived.Instance {
	t.Helper()
	if len(c.Instances) != 1 {
		t.Fatalf("%d instances, want 1 (messages %v)", len(c.Instances), c.Messages)
	}
	return c.Instances[0]
}

func hasMessage(c *keepalived.Config, line int, text string) bool {
	for _, m := range c.Messages {
		if m.Text == text && (line == 0 || m.Pos.Line == line) {
			return true
		}
	}
	return false
}

func instance(body string) string {
	return "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n" + body + "\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n"
}

func TestComments(t *testing.T) {
	cases := []struct {
		name, body, pass string
	}{
		// '!' inside a word ends the line: keepalived runs with "keep0ut".
		{"bang inside a word", "authentication {\n auth_type PASS\n auth_pass keep0ut!\n}", "keep0ut"},
		{"hash inside a word", "authentication {\n auth_type PASS\n auth_pass ab#cd\n}", "ab"},
		{"comment after the value", "authentication {\n auth_type PASS\n auth_pass secret # the password\n}", "secret"},
		// Quotes protect comment characters.
		{"quoted", "authentication {\n auth_type PASS\n auth_pass \"a!b#c d\"\n}", "a!b#c d"},
		// A quote ends the word before it: auth_pass takes "a".
		{"quote inside a word", "authentication {\n auth_type PASS\n auth_pass a\"b c\"d\n}", "a"},
		{"block on one line", "authentication { auth_type PASS\n auth_pass one }", "one"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := only(t, parse(t, instance(c.body)))
			if in.Auth.Pass != c.pass {
				t.Errorf("auth_pass %q, want %q", in.Auth.Pass, c.pass)
			}
		})
	}
	t.Run("comment lines", func(t *testing.T) {
		c := parse(t, "! a comment\n# another\n   ! indented\n"+instance(" priority 150! comment"))
		if in := only(t, c); in.Priority != 150 {
			t.Errorf("priority %d, want 150", in.Priority)
		}
	})
	// A comment line ending in '\' leaves the '\': keepalived 2.2.7 says
	// "(keepalived.conf: Line 1) Unknown keyword '\'" for each of these,
	// and nothing for "\\" or a blank after the '\'.
	t.Run("comment ending in a backslash", func(t *testing.T) {
		c := parse(t, "! trap \"{ stop; }\" \\\n# x\\\n  \\\n! escaped \\\\\n! blank after \\ \n"+instance(" priority 150"))
		for line := 1; line <= 3; line++ {
			if !hasMessage(c, line, "Unknown keyword '\\'") {
				t.Errorf("no Unknown keyword '\\' at line %d: %v", line, c.Messages)
			}
		}
		if len(c.Messages) != 3 {
			t.Errorf("messages %v, want three", c.Messages)
		}
		if in := only(t, c); in.Priority != 150 {
			t.Errorf("priority %d, want 150", in.Priority)
		}
	})
	t.Run("brace glued to the name", func(t *testing.T) {
		c := parse(t, "vrrp_instance VI_2{\n interface eth0\n virtual_router_id 2\n virtual_ipaddress { 192.0.2.9 }\n}\n")
		in := only(t, c)
		if in.Name != "VI_2" || len(in.VIPs) != 1 {
			t.Errorf("name %q, VIPs %v", in.Name, in.VIPs)
		}
	})
}

func TestPreprocessor(t *testing.T) {
	t.Run("@id and @^id", func(t *testing.T) {
		src := "$PRIO=100\n@node1 $PRIO=150\n@^node1 $PRIO=50\n" + instance(" priority $PRIO\n @node2 priority 20")
		if in := only(t, parse(t, src)); in.Priority != 150 {
			t.Errorf("priority %d, want 150 (the @node1 line)", in.Priority)
		}
	})
	t.Run("${PARAM} inside a word", func(t *testing.T) {
		src := "$N=7\n" + "vrrp_instance VI_${N} {\n interface eth${N}\n virtual_router_id 5${N}\n}\n"
		in := only(t, parse(t, src))
		if in.Name != "VI_7" || in.Interface != "eth7" || in.VRID != 57 {
			t.Errorf("%s %s %d", in.Name, in.Interface, in.VRID)
		}
	})
	t.Run("multi-line definition", func(t *testing.T) {
		src := "$VIPS=virtual_ipaddress { \\\n  192.0.2.50 \\\n  192.0.2.51 \\\n}\n" +
			"vrrp_instance P2 {\n interface eth0\n virtual_router_id 7\n $VIPS\n}\n"
		in := only(t, parse(t, src))
		var got []string
		for _, v := range in.VIPs {
			got = append(got, v.Prefix.Addr().String())
		}
		if !slices.Equal(got, []string{"192.0.2.50", "192.0.2.51"}) {
			t.Errorf("VIPs %v", got)
		}
	})
	t.Run("~SEQ", func(t *testing.T) {
		src := "$I=vrrp_instance S${N} { \\\n interface eth0 \\\n virtual_router_id ${N} \\\n}\n~SEQ(N,1,2,5) $I\n"
		c := parse(t, src)
		var names []string
		for _, in := range c.Instances {
			names = append(names, in.Name+"/"+itoa(in.VRID))
		}
		if !slices.Equal(names, []string{"S1/1", "S3/3", "S5/5"}) {
			t.Errorf("instances %v", names)
		}
	})
	// keepalived's own test configuration seq1.conf: a parameter holding a
	// ~SEQ line repeats the whole multi-line parameter after it, once per
	// value of each ~SEQ (keepalived 2.2.7 -d runs all four instances).
	t.Run("~SEQ in a parameter", func(t *testing.T) {
		src := "$I=vrrp_instance S${A}.${B} { \\\n interface eth0 \\\n virtual_router_id ${B} \\\n}\n" +
			"$INNER=~SEQ(B,1,2) $I\n~SEQ(A,6,7) $INNER\n"
		var names []string
		for _, in := range parse(t, src).Instances {
			names = append(names, in.Name)
		}
		if want := []string{"S6.1", "S6.2", "S7.1", "S7.2"}; !slices.Equal(names, want) {
			t.Errorf("instances %v, want %v", names, want)
		}
	})
	// keepalived splits at braces first (its ones.conf): the ~SEQ after
	// "virtual_ipaddress {" repeats the address inside the block.
	t.Run("~SEQ after a brace", func(t *testing.T) {
		src := "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress { ~SEQ(N,1,3) 192.0.2.${N}\n }\n}\n"
		var got []string
		for _, v := range only(t, parse(t, src)).VIPs {
			got = append(got, v.Prefix.Addr().String())
		}
		if want := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}; !slices.Equal(got, want) {
			t.Errorf("VIPs %v, want %v", got, want)
		}
	})
	// An unbraced $NAME runs to a blank, ',' or ')': keepalived 2.2.7 -t on
	// "$K=foo_bar" then these lines says "Unknown keyword '$K/x'",
	// "'$K:x'", "'foo_bar,x'", "'foo_bar)x'", "'$Kfoo_bar'".
	t.Run("unbraced parameter names", func(t *testing.T) {
		c := parse(t, "$K=foo_bar\n$K/x\n$K:x\n$K,x\n$K)x\n$K$K\n")
		for i, want := range []string{"$K/x", "$K:x", "foo_bar,x", "foo_bar)x", "$Kfoo_bar"} {
			if !hasMessage(c, i+2, "Unknown keyword '"+want+"'") {
				t.Errorf("line %d: no Unknown keyword '%s': %v", i+2, want, c.Messages)
			}
		}
	})
	// static_ipaddress is read for its syntax (keepalived's ones.conf, where
	// $IP/64 names an undefined parameter "IP/64"): "(Line 3) VRRP parsed
	// invalid IP 2001:db8::1:$IP/64. skipping IP...".
	t.Run("static_ipaddress with an undefined parameter", func(t *testing.T) {
		c := parse(t, "$IP=5\nstatic_ipaddress {\n 2001:db8::1:$IP/64 dev eth0\n 2001:db8::$IP dev eth0\n}\n")
		if !hasMessage(c, 3, "VRRP parsed invalid IP 2001:db8::1:$IP/64. skipping IP...") || len(c.Messages) != 1 {
			t.Errorf("messages %v", c.Messages)
		}
	})
	// keepalived's doc/samples/keepalived.conf.vrrp.rules: "(Line 3) VRRP
	// parsed invalid IP 192.0.2./24. skipping IP..." for a rule's address.
	t.Run("rule with an invalid address", func(t *testing.T) {
		c := parse(t, "static_rules {\n from 192.0.2.0/24 table 1\n to 192.0.2./24 table 1\n from all to 2001:db8::/64 table 2\n}\n")
		if !hasMessage(c, 3, "VRRP parsed invalid IP 192.0.2./24. skipping IP...") || len(c.Messages) != 1 {
			t.Errorf("messages %v", c.Messages)
		}
	})
	// Words keepalived 2.2.7 does not know in a route are read as its
	// destination (its 1.conf, 1100s.conf, tracking.conf): "(Line 2) VRRP
	// parsed invalid IP restore. skipping IP...", "(Line 3) ... link ...";
	// "via inet6", "default6", "mtu lock" and "ttl-propagate" are known.
	t.Run("route with an unknown word", func(t *testing.T) {
		c := parse(t, "static_routes {\n 192.0.2.0/24 via 198.51.100.1 restore\n 203.0.113.0/24 dev eth0 link src 198.51.100.2\n"+
			" default6 via inet6 2001:db8::1 dev eth0\n 192.0.2.0/25 dev eth1 scope link mtu lock 1400 features ecn ttl-propagate enabled\n}\n")
		if !hasMessage(c, 2, "VRRP parsed invalid IP restore. skipping IP...") ||
			!hasMessage(c, 3, "VRRP parsed invalid IP link. skipping IP...") || len(c.Messages) != 2 {
			t.Errorf("messages %v", c.Messages)
		}
	})
	t.Run("~LST with tuples", func(t *testing.T) {
		src := "$I=vrrp_instance L${A} { \\\n interface eth0 \\\n virtual_router_id ${B} \\\n}\n~LST({A,B},{x,20},{y,21}) $I\n"
		c := parse(t, src)
		if len(c.Instances) != 2 || c.Instances[0].Name != "Lx" || c.Instances[1].VRID != 21 {
			t.Errorf("instances %+v", c.Instances)
		}
	})
	t.Run("_HASH makes a comment", func(t *testing.T) {
		src := "$H=${_HASH}\n" + instance(" priority 20 $H 30")
		if in := only(t, parse(t, src)); in.Priority != 20 {
			t.Errorf("priority %d", in.Priority)
		}
	})
	t.Run("self-reference ends", func(t *testing.T) {
		// keepalived itself loops for ever here.
		c := parse(t, "$A=$A\nvrrp_instance $A {\n}\n")
		found := false
		for _, m := range c.Messages {
			found = found || m.Kind == keepalived.KindPreprocessor
		}
		if !found {
			t.Errorf("no preprocessor message: %v", c.Messages)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestIncludes(t *testing.T) {
	fsys := fstest.MapFS{
		"etc/keepalived/keepalived.conf": {Data: []byte("include conf.d/*.conf\ninclude missing.conf\n")},
		"etc/keepalived/conf.d/a.conf":   {Data: []byte(instance(" priority 120"))},
	}
	c, err := keepalived.Read(fsys, "/etc/keepalived/keepalived.conf", keepalived.Options{ConfigID: "n"})
	if err != nil {
		t.Fatal(err)
	}
	in := only(t, c)
	if in.Pos.File != "/etc/keepalived/conf.d/a.conf" || in.Where["priority"].Line != 4 {
		t.Errorf("instance at %v, priority at %v", in.Pos, in.Where["priority"])
	}
	// keepalived: "(Line 2) Config files missing 'missing.conf'."
	if !hasMessage(c, 2, "Config files missing 'missing.conf'.") {
		t.Errorf("messages %v", c.Messages)
	}
}

// Which include patterns that match nothing keepalived 2.2.7 reports
// (keepalived -t, with conf.d/a.conf present; its test configuration
// vis.conf has "include vi/vi*.conf2", which it does not report).
// TestIncludeLine: what keepalived 2.2.7 takes for an include and what it
// says of one, keepalived -t on each line with inc/a.conf and inc/b.conf
// there (each holding a line "bogusA", "bogusB").
func TestIncludeLine(t *testing.T) {
	cases := []struct {
		line  string
		files int    // included
		msg   string // at line 1; "" none
	}{
		// The pattern is the whole rest of the line.
		{"include inc/a.conf inc/b.conf", 0, "Config files missing 'inc/a.conf inc/b.conf'."},
		{"include \"inc/a.conf\"", 0, "Config files missing '\"inc/a.conf\"'."},
		{"include\t  inc/a.conf  ", 1, ""},
		{"include", 0, "Unknown keyword 'include'"},
		// The variants glob alike; w and a report a wildcard matching nothing.
		{"includer inc/{a,b}.conf", 2, ""},
		{"includew inc/x*.conf", 0, "No config files matched 'inc/x*.conf'."},
		{"includea inc/x*.conf", 0, "No config files matched 'inc/x*.conf'."},
		{"includem inc/x*.conf", 0, ""},
		{"includex inc/a.conf", 0, "Unknown keyword 'includex'"},
		// Braces: some names missing, or all of them.
		{"include inc/{a,zz}.conf", 1, "Some config files missing: \"inc/{a,zz}.conf\"."},
		{"include inc/{y,zz}.conf", 0, "Config files missing 'inc/{y,zz}.conf'."},
		{"includew inc/{a,x*}.conf", 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			fsys := fstest.MapFS{
				"etc/keepalived/keepalived.conf": {Data: []byte(tc.line + "\n")},
				"etc/keepalived/inc/a.conf":      {Data: []byte("bogusA\n")},
				"etc/keepalived/inc/b.conf":      {Data: []byte("bogusB\n")},
			}
			c, err := keepalived.Read(fsys, "/etc/keepalived/keepalived.conf", keepalived.Options{ConfigID: "n"})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(c.Files) - 1; got != tc.files {
				t.Errorf("%d files included, want %d: %v", got, tc.files, c.Files)
			}
			var at1 []string
			for _, m := range c.Messages {
				if m.Pos.File == "/etc/keepalived/keepalived.conf" {
					at1 = append(at1, m.Text)
				}
			}
			if want := []string{tc.msg}; tc.msg == "" && len(at1) > 0 || tc.msg != "" && !slices.Equal(at1, want) {
				t.Errorf("messages %q, want %q", at1, tc.msg)
			}
		})
	}
}

func TestIncludeMatchingNothing(t *testing.T) {
	cases := []struct {
		pattern string
		missing bool
	}{
		{"conf.d/x*.conf", false},
		{"conf.d/x?.conf", false},
		{"conf.d/[xy].conf", false},
		{"nod*/x.conf", false},
		{"nodir/*.conf", true},
		{"/nodir/x*/x.conf", true},   // as keepalived's 1756-incl.conf       // Config files missing 'nodir/*.conf'.
		{"c*/none.conf", true},       // Config files missing 'c*/none.conf'.
		{"conf.d/nofile.conf", true}, // Config files missing 'conf.d/nofile.conf'.
		{"{conf.d,nodir}/x*.conf", true},
		{"conf.d/{x,y}.conf", true},
	}
	for _, tc := range cases {
		t.Run(tc.pattern, func(t *testing.T) {
			fsys := fstest.MapFS{
				"etc/keepalived/keepalived.conf": {Data: []byte("include " + tc.pattern + "\n")},
				"etc/keepalived/conf.d/a.conf":   {Data: []byte(instance(" priority 120"))},
			}
			c, err := keepalived.Read(fsys, "/etc/keepalived/keepalived.conf", keepalived.Options{ConfigID: "n"})
			if err != nil {
				t.Fatal(err)
			}
			want := "Config files missing '" + tc.pattern + "'."
			if got := hasMessage(c, 1, want); got != tc.missing {
				t.Errorf("reported %v, keepalived %v: %v", got, tc.missing, c.Messages)
			}
		})
	}
}

func TestRules(t *testing.T) {
	cases := []struct {
		name   string
		src    string
		check  func(*keepalived.Instance) bool
		line   int
		text   string // keepalived's message; "" for none
		global string
	}{
		{name: "MASTER without priority is the owner", src: instance(" state MASTER"),
			check: func(in *keepalived.Instance) bool { return in.Priority == 255 && in.State == "MASTER" }},
		{name: "BACKUP default priority", src: instance(""),
			check: func(in *keepalived.Instance) bool {
				return in.Priority == 100 && in.State == "BACKUP" && in.AdvertInt == time.Second && in.Version == 2
			}},
		{name: "lower-case state", src: instance(" state master"), line: 4,
			text:  "(VI_1) unknown state 'master', defaulting to BACKUP",
			check: func(in *keepalived.Instance) bool { return in.State == "BACKUP" && in.Priority == 100 }},
		{name: "lower-case auth_type", src: instance(" authentication {\n  auth_type pass\n  auth_pass x\n }"), line: 5,
			text:  "(VI_1) unknown authentication type 'pass'",
			check: func(in *keepalived.Instance) bool { return in.Auth.Type == "" }},
		{name: "auth_pass truncated", src: instance(" authentication {\n  auth_type PASS\n  auth_pass supersecret1\n }"), line: 6,
			text:  "Truncating auth_pass to 8 characters",
			check: func(in *keepalived.Instance) bool { return in.Auth.Pass == "supersec" }},
		{name: "IPv6 runs VRRPv3 and ignores authentication",
			src:   "vrrp_instance VI_6 {\n interface eth0\n virtual_router_id 1\n authentication {\n  auth_type PASS\n  auth_pass secret\n }\n virtual_ipaddress {\n  2001:db8::15\n }\n}\n",
			text:  "(VI_6) VRRP version 3 does not support authentication. Ignoring.",
			check: func(in *keepalived.Instance) bool { return in.Version == 3 && in.Auth.Type == "" && in.Family == 6 }},
		{name: "vrrp_strict drops authentication",
			src:   "global_defs {\n vrrp_strict\n}\n" + instance(" authentication {\n  auth_type PASS\n  auth_pass secret\n }"),
			text:  "(VI_1) Strict mode does not support authentication. Ignoring.",
			check: func(in *keepalived.Instance) bool { return in.Auth.Type == "" && in.StrictMode }},
		{name: "v3 interval in 10 ms", src: instance(" version 3\n advert_int 0.015"),
			text:  "(VI_1) VRRPv3 advertisement interval 0.015000s must be in units of 10ms - rounding",
			check: func(in *keepalived.Instance) bool { return in.AdvertInt == 20*time.Millisecond }},
		{name: "v2 interval in seconds", src: instance(" advert_int 1.5"),
			text:  "(VI_1) VRRPv2 advertisement interval 1.500000s must be an integer. rounding",
			check: func(in *keepalived.Instance) bool { return in.AdvertInt == 2*time.Second }},
		{name: "priority out of range", src: instance(" priority 0"), line: 4,
			text:  "(VI_1) Priority not valid! must be between 1 & 255. Using default 100",
			check: func(in *keepalived.Instance) bool { return in.Priority == 100 }},
		{name: "nopreempt with MASTER", src: instance(" state MASTER\n priority 150\n nopreempt"),
			text:  "(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing",
			check: func(in *keepalived.Instance) bool { return in.Preempt }},
		{name: "address family", src: instance(" virtual_ipaddress {\n  192.0.2.1\n  2001:db8::1\n }"), line: 6,
			text:  "(VI_1): address family must match VRRP instance [2001:db8::1] - ignoring",
			check: func(in *keepalived.Instance) bool { return len(in.VIPs) == 2 && in.Family == 4 }},
		// keepalived's 1198.conf: an IPv4 unicast peer makes the instance
		// IPv4 before the IPv6 VIP is read (keepalived 2.2.7 -d: "(VI_1):
		// address family must match VRRP instance [2001:db8::1] -
		// ignoring"; keepalived -t: "No VIP specified").
		{name: "a unicast peer sets the family", src: "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n unicast_peer {\n  192.0.2.2\n }\n virtual_ipaddress {\n  2001:db8::1\n }\n}\n",
			line: 8, text: "(VI_1): address family must match VRRP instance [2001:db8::1] - ignoring",
			check: func(in *keepalived.Instance) bool {
				return in.Family == 4 && in.Version == 2 && len(in.UnicastPeers) == 1
			}},
		// keepalived -t: "(VI_1) A unicast keyword has been specified
		// without any unicast peers. Defaulting to multicast."
		{name: "a peer of the other family is dropped", src: "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  2001:db8::1\n }\n unicast_peer {\n  192.0.2.2\n }\n}\n",
			line: 8, text: "(VI_1) unicast peer 192.0.2.2 is not of the instance's address family (IPv6): keepalived drops it",
			check: func(in *keepalived.Instance) bool { return in.Family == 6 && len(in.UnicastPeers) == 0 }},
		{name: "unknown keyword", src: instance(" prority 150"), line: 4, text: "Unknown keyword 'prority'",
			check: func(in *keepalived.Instance) bool { return in.Priority == 100 }},
		{name: "duplicate instance", src: instance(" priority 150") + instance(" priority 50"), line: 9,
			text:  "vrrp instance VI_1 already defined",
			check: func(in *keepalived.Instance) bool { return in.Priority == 150 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conf := parse(t, c.src)
			in := only(t, conf)
			if !c.check(in) {
				t.Errorf("wrong reading: %+v", in)
			}
			if c.text != "" && !hasMessage(conf, c.line, c.text) {
				t.Errorf("no message %q at line %d: %v", c.text, c.line, conf.Messages)
			}
		})
	}
}

// An unknown keyword's '{' is ignored, so its '}' closes the instance: the
// priority inside applies to the instance, and the instance's own '}' is
// left over at the top level.
func TestUnknownBlock(t *testing.T) {
	src := "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n unknown_blk {\n  priority 7\n }\n}\n"
	c := parse(t, src)
	in := only(t, c)
	if in.Priority != 7 {
		t.Errorf("priority %d, want 7", in.Priority)
	}
	// keepalived: "(keepalived.conf: Line 4) Unknown keyword 'unknown_blk'",
	// "(Line 4) Unexpected '{' - ignoring", "(Line 7) Unknown keyword '}'".
	for _, m := range []struct {
		line int
		text string
	}{{4, "Unknown keyword 'unknown_blk'"}, {4, "Unexpected '{' - ignoring"}, {7, "Unknown keyword '}'"}} {
		if !hasMessage(c, m.line, m.text) {
			t.Errorf("no %q at line %d: %v", m.text, m.line, c.Messages)
		}
	}
}

// onHost reads src as /etc/keepalived/keepalived.conf of a host with the
// users root and nobody and an executable /bin/true.
func onHost(t *testing.T, src string) *keepalived.Config {
	t.Helper()
	fsys := fstest.MapFS{
		"etc/keepalived/keepalived.conf": {Data: []byte(src)},
		"etc/passwd":                     {Data: []byte("root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/usr/sbin/nologin\n")},
		"bin/true":                       {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
	}
	c, err := keepalived.Read(fsys, "/etc/keepalived/keepalived.conf", keepalived.Options{ConfigID: "node1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestScriptSecurity(t *testing.T) {
	src := "global_defs {\n enable_script_security\n}\nvrrp_script chk {\n script \"/bin/true\"\n}\n" + instance(" track_script {\n  chk\n }")
	c := onHost(t, src)
	// keepalived: "(Line 6) Unable to set default user for vrrp script chk - removing"
	// then "(VI_1) track script chk not found, ignoring..."
	if !hasMessage(c, 6, "Unable to set default user for vrrp script chk - removing") ||
		!hasMessage(c, 0, "(VI_1) track script chk not found, ignoring...") {
		t.Errorf("messages %v", c.Messages)
	}
	c = onHost(t, "global_defs {\n enable_script_security\n script_user nobody\n}\nvrrp_script chk {\n script \"/bin/true\"\n}\n"+instance(" track_script {\n  chk\n }"))
	if c.Script("chk") == nil {
		t.Errorf("script_user set: the script must stay: %v", c.Messages)
	}
	c = onHost(t, "vrrp_script chk {\n script \"/bin/true\"\n}\n"+instance(" track_script {\n  chk\n }"))
	if !hasMessage(c, 0, "SECURITY VIOLATION - scripts are being executed but script_security not enabled.") {
		t.Errorf("messages %v", c.Messages)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(instance(" state MASTER\n priority 150")))
	f.Add([]byte("$A=$A\nvrrp_instance $A {\n}\n"))
	f.Add([]byte("$B=x \\\n$B \\\n\n~SEQ(N,1,3) ~LST(M,a,b) $B$N$M {\n}\n"))
	f.Add([]byte("$A=~SEQ(X,1,100000) $A\n$A\n"))
	f.Add([]byte("@^x include /etc/*.conf\nvrrp_instance \"a{\" { } } {{ \"\n"))
	f.Add([]byte("$V=\\#\n\\#x\nvrrp_instance VI_\\#1 {\n $V a \"b\n\\!\n}}\n"))
	f.Add([]byte("virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n  HTTP_GET {\n   url {\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		c := keepalived.Parse("/k.conf", src, nil, keepalived.Options{ConfigID: "x"})
		for _, in := range c.Instances {
			if in.Name == "" || in.VRID < 1 || in.VRID > 255 || in.Priority < 1 || in.Priority > 255 {
				t.Fatalf("instance out of range: %+v", in)
			}
		}
	})
}

// global_defs below a vrrp_script still applies to it (keepalived's
// 942.conf, script_user naming a user the host lacks): keepalived 2.2.7
// "(Line 3) Unable to set default user for vrrp script chk - removing".
func TestGlobalDefsAfterScript(t *testing.T) {
	c := onHost(t, "vrrp_script chk {\n script \"/bin/true\"\n}\nglobal_defs {\n script_user nosuchuser\n enable_script_security\n}\n"+instance(" track_script {\n  chk\n }"))
	if c.Script("chk") != nil || !hasMessage(c, 3, "Unable to set default user for vrrp script chk - removing") {
		t.Errorf("script %+v, messages %v", c.Script("chk"), c.Messages)
	}
}

// A vrrp_script whose user the host lacks is dropped (keepalived 2.2.7,
// its 1033.conf: "(Line 3) Unable to set uid/gid for script
// '/bin/true'", then "(VI_1) track script chk not found, ignoring...").
func TestScriptUserMissing(t *testing.T) {
	c := onHost(t, "vrrp_script chk {\n script \"/bin/true\"\n user nosuchuser\n}\n"+instance(" track_script {\n  chk\n }"))
	if c.Script("chk") != nil || !hasMessage(c, 3, "Unable to set uid/gid for script '/bin/true'") ||
		!hasMessage(c, 0, "(VI_1) track script chk not found, ignoring...") {
		t.Errorf("script %+v, messages %v", c.Script("chk"), c.Messages)
	}
	if c := onHost(t, "vrrp_script chk {\n script \"/bin/true\"\n user nobody\n}\n"+instance("")); c.Script("chk") == nil {
		t.Errorf("user nobody exists: %v", c.Messages)
	}
}

// A sync group's track_script naming no script (keepalived 2.2.7, its
// 955c.conf): "(Line 6) (SG) track script absent not found, ignoring...".
func TestSyncGroupTrackScript(t *testing.T) {
	c := parse(t, instance("")+"vrrp_sync_group SG {\n group {\n  VI_1\n }\n track_script {\n  absent weight 10\n }\n}\n")
	if !hasMessage(c, 14, "(SG) track script absent not found, ignoring...") || len(c.SyncGroups[0].TrackScripts) != 0 {
		t.Errorf("messages %v", c.Messages)
	}
}

// keepalived checks the security of every script it read, one no instance
// tracks too (its 941.vm1.conf: "SECURITY VIOLATION - scripts are being
// executed but script_security not enabled.", then "Warning - script
// chk_live is not used").
func TestUnusedScriptSecurity(t *testing.T) {
	c := onHost(t, "vrrp_script chk {\n script \"/bin/true\"\n}\n"+instance(""))
	if !hasMessage(c, 0, "SECURITY VIOLATION - scripts are being executed but script_security not enabled.") {
		t.Errorf("messages %v", c.Messages)
	}
}

// "notify_master SCRIPT USER GROUP": the words after an unquoted script are
// its user and group; keepalived 2.2.7 drops the script when either does
// not exist: "Invalid user/group for notify script /bin/bash - ignoring"
// (its 1091a.conf), "... notify script test - ignoring" (r_exec.conf).
func TestNotifyUser(t *testing.T) {
	for _, tc := range []struct {
		line, prog string
		kept       bool
	}{
		{"notify_master /bin/bash /usr/local/bin/a.sh 3 4 5", "/bin/bash", false},
		{"notify \"/bin/true one two\" root nogroup", "/bin/true", false},
		{"notify_backup /bin/true nobody", "/bin/true", true},
		{"notify_fault \"/bin/true a b\"", "/bin/true", true},
	} {
		t.Run(tc.line, func(t *testing.T) {
			c := onHost(t, "global_defs {\n enable_script_security\n script_user nobody\n}\n"+instance(" "+tc.line))
			in := only(t, c)
			dropped := hasMessage(c, 0, "Invalid user/group for notify script "+tc.prog+" - ignoring")
			if dropped == tc.kept || (len(in.Notify) == 1) != tc.kept {
				t.Errorf("notify %+v, messages %v; want kept %v", in.Notify, c.Messages, tc.kept)
			}
		})
	}
}

// A second vrrp_script of one name draws no message from keepalived 2.2.7
// (its test configuration l323.conf defines check_proxy three times): the
// first is the one track_script finds, the others only get "Warning -
// script check_proxy is not used".
func TestScriptDefinedTwice(t *testing.T) {
	c := onHost(t, "vrrp_script chk {\n script /bin/true\n weight 3\n}\nvrrp_script chk {\n script /bin/true\n weight 9\n}\n"+
		instance(" track_script {\n  chk\n }"))
	if len(c.Scripts) != 1 || c.Scripts[0].Weight != 3 {
		t.Errorf("scripts %+v, want the first chk (weight 3)", c.Scripts)
	}
	for _, m := range c.Messages {
		if strings.Contains(m.Text, "already defined") {
			t.Errorf("message %q: keepalived says nothing", m.Text)
		}
	}
}

// keepalived 2.2.7 looks an instance's track_script up as it reads the
// line: a vrrp_script written below the instance is not found, and the
// instance runs without it. keepalived -t on this fixture: "(Line 9)
// (VI_1) track script chk not found, ignoring..."; keepalived -d shows no
// tracked script and "Warning - script chk is not used". Written above,
// the script is tracked with its weight.
func TestScriptBelowInstance(t *testing.T) {
	script := "vrrp_script chk {\n script \"/bin/true\"\n weight 10\n}\n"
	c := onHost(t, instance(" track_script {\n  chk\n }")+script)
	if !hasMessage(c, 5, "(VI_1) track script chk not found, ignoring...") || len(c.Instances[0].TrackScripts) != 0 {
		t.Errorf("script below: tracks %+v, messages %v", c.Instances[0].TrackScripts, c.Messages)
	}
	c = onHost(t, script+instance(" track_script {\n  chk\n }"))
	if ts := c.Instances[0].TrackScripts; len(ts) != 1 || ts[0].Weight != 10 || hasMessage(c, 0, "(VI_1) track script chk not found, ignoring...") {
		t.Errorf("script above: tracks %+v, messages %v", ts, c.Messages)
	}
	// A sync group's too (keepalived -t: "(Line 6) (G) track script chk
	// not found, ignoring..." with the script below the group).
	group := "vrrp_sync_group G {\n group {\n  VI_1\n }\n track_script {\n  chk\n }\n}\n"
	c = onHost(t, group+script+instance(""))
	if !hasMessage(c, 6, "(G) track script chk not found, ignoring...") || len(c.SyncGroups[0].TrackScripts) != 0 {
		t.Errorf("sync group's script below: tracks %+v, messages %v", c.SyncGroups[0].TrackScripts, c.Messages)
	}
	if c = onHost(t, script+group+instance("")); len(c.SyncGroups[0].TrackScripts) != 1 {
		t.Errorf("sync group's script above: tracks %+v, messages %v", c.SyncGroups[0].TrackScripts, c.Messages)
	}
}

// An advert carries at most 255 IPv4 addresses, and as many IPv6 addresses
// as fit in a 1500-byte frame; keepalived 2.2.7 moves the rest to the
// excluded VIPs: "(VI_1) Number of VIPs (300) exceeds maximum/space
// available in packet (max 255 addresses) - excess moved to eVIPs" (and
// "max 89 addresses" for IPv6).
func TestTooManyVIPs(t *testing.T) {
	for _, tc := range []struct {
		family, max int
		addr        func(i int) string
	}{
		{4, 255, func(i int) string { return "192.0.2." + itoa(i%256) + "/32 dev eth" + itoa(i/256) }},
		{6, 89, func(i int) string { return "2001:db8::" + strconv.FormatInt(int64(i), 16) }},
	} {
		t.Run("IPv"+itoa(tc.family), func(t *testing.T) {
			var b strings.Builder
			b.WriteString("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n")
			for i := 1; i <= 300; i++ {
				b.WriteString("  " + tc.addr(i) + "\n")
			}
			b.WriteString(" }\n}\n")
			c := parse(t, b.String())
			in := only(t, c)
			if len(in.VIPs) != tc.max || len(in.ExcludedVIPs) != 300-tc.max {
				t.Errorf("%d VIPs and %d excluded, want %d and %d", len(in.VIPs), len(in.ExcludedVIPs), tc.max, 300-tc.max)
			}
			want := "(VI_1) Number of VIPs (300) exceeds maximum/space available in packet (max " + itoa(tc.max) + " addresses) - excess moved to eVIPs"
			if !hasMessage(c, 0, want) {
				t.Errorf("no %q: %v", want, c.Messages)
			}
		})
	}
}

// keepalived does not count a script it cannot find on the host ("Script
// /x cannot be accessed", "Disabling track script"): no SECURITY VIOLATION.
func TestMissingScriptIsNoViolation(t *testing.T) {
	c := onHost(t, "vrrp_script chk {\n script \"/usr/local/bin/absent\"\n}\n"+instance(" track_script {\n  chk\n }"))
	if hasMessage(c, 0, "SECURITY VIOLATION - scripts are being executed but script_security not enabled.") {
		t.Errorf("messages %v", c.Messages)
	}
}

func TestStartRules(t *testing.T) {
	// keepalived: "(VI_1) Initial state master is incompatible with AH
	// authentication - clearing"
	c := parse(t, instance(" state MASTER\n priority 150\n authentication {\n  auth_type AH\n  auth_pass secret\n }"))
	if in := only(t, c); in.State != "BACKUP" || in.Auth.Type != "AH" ||
		!hasMessage(c, 0, "(VI_1) Initial state master is incompatible with AH authentication - clearing") {
		t.Errorf("state %s auth %s, messages %v", in.State, in.Auth.Type, c.Messages)
	}
	// keepalived: "(VI_1) Ignoring track_interface eth0 since own interface"
	c = parse(t, instance(" track_interface {\n  eth0 weight -20\n  eth1 weight -30\n }"))
	if in := only(t, c); len(in.TrackInterfaces) != 1 || in.TrackInterfaces[0].Weight != -30 ||
		!hasMessage(c, 5, "(VI_1) Ignoring track_interface eth0 since own interface") {
		t.Errorf("tracks %+v, messages %v", in.TrackInterfaces, c.Messages)
	}
	// keepalived (vrrp_strict): "(VI_1) State MASTER must match being
	// address owner", and accept is off.
	c = parse(t, "global_defs {\n vrrp_strict\n}\n"+instance(" state MASTER\n priority 150\n nopreempt"))
	if in := only(t, c); in.State != "BACKUP" || in.Accept || in.Preempt {
		t.Errorf("strict: state %s accept %t preempt %t", in.State, in.Accept, in.Preempt)
	}
}

func TestDefinitionsOverLines(t *testing.T) {
	// A commented-out line ending in '\' goes on with the definition, a
	// definition inside a parameter applies to the lines after it, and
	// "~SEQ (" may have spaces.
	src := "$I= \\\nvrrp_instance V${N} { \\\n#  priority 7 \\\n  interface eth0 \\\n  virtual_router_id ${N} \\\n}\n" +
		"$TWO= \\\n$N=3 \\\n$I \\\n$N=4 \\\n$I\n$TWO\n~SEQ ( N , 5 , 6 ) $I\n"
	c := parse(t, src)
	var got []string
	for _, in := range c.Instances {
		got = append(got, in.Name+"/"+itoa(in.VRID)+"/"+itoa(in.Priority))
	}
	if want := []string{"V3/3/100", "V4/4/100", "V5/5/100", "V6/6/100"}; !slices.Equal(got, want) {
		t.Errorf("instances %v, want %v (messages %v)", got, want, c.Messages)
	}
}

func TestSyncGroupStartsBackup(t *testing.T) {
	// keepalived 2.2.7 dumps "Wantstate = BACKUP" for a sync group member
	// written as MASTER with priority 150 (doc/samples/keepalived.conf.vrrp.sync).
	c := parse(t, "vrrp_sync_group G1 {\n group {\n  VI_1\n }\n}\n"+instance(" state MASTER\n priority 150"))
	if in := only(t, c); in.State != "BACKUP" {
		t.Errorf("state %s, want BACKUP", in.State)
	}
}

// TestEscapedComment follows keepalived 2.2.7's two readings of a line: its
// parent process decomments each line once, removing the '\' of "\#" and
// "\!" outside quotes (parser.c decomment: "removes comments, the escaping
// of comment start characters, and leading and trailing whitespace"), and
// writes the result into a copy; the VRRP process reads the copy and
// decomments it again, so what was escaped is a comment there. The reader
// reads as the VRRP process does.
func TestEscapedComment(t *testing.T) {
	t.Run("instance name", func(t *testing.T) {
		// The public one_hash.conf: keepalived -d dumps "VRRP Instance =
		// VI_", and says "(one_hash.conf: Line 2) Missing '{' at
		// beginning of configuration block" (its '{' is in the comment).
		c := parse(t, "vrrp_instance VI_\\#1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.100/24\n }}\n")
		if in := only(t, c); in.Name != "VI_" || len(in.VIPs) != 1 {
			t.Errorf("instance %q with VIPs %v, want VI_ with one", in.Name, in.VIPs)
		}
		if !hasMessage(c, 2, "Missing '{' at beginning of configuration block") {
			t.Errorf("messages %v", c.Messages)
		}
		// keepalived's checker process, which passes over a vrrp_instance
		// only when a '{' follows it, reads the instance's lines as top-level
		// ones (keepalived -t on this file).
		for _, m := range []struct {
			line int
			text string
		}{
			{2, "Unknown keyword 'interface'"}, {3, "Unknown keyword 'virtual_router_id'"},
			{4, "Unknown keyword 'virtual_ipaddress'"}, {4, "Unexpected '{' - ignoring"},
			{5, "Unknown keyword '192.0.2.100/24'"}, {6, "Unknown keyword '}'"},
		} {
			if !hasMessage(c, m.line, m.text) {
				t.Errorf("no %q at line %d: %v", m.text, m.line, c.Messages)
			}
		}
	})
	t.Run("definition of an escaped hash", func(t *testing.T) {
		// The public reload.conf: "$V1=\#" is "$V1=#" in the copy, so $V1
		// is empty to the VRRP process and "$V1 10.2.0.101/32" a VIP
		// (keepalived -d lists it).
		c := parse(t, "$V1=\\#\n"+instance("")[:len(instance(""))-5]+"  $V1 192.0.2.101/24\n }\n}\n")
		if in := only(t, c); len(in.VIPs) != 2 {
			t.Errorf("VIPs %v, want 192.0.2.100 and 192.0.2.101", in.VIPs)
		}
	})
	cases := []struct {
		name, line, keyword, parent string
	}{
		// keepalived -t: its VRRP process says "(t.conf: Line 1) Unknown
		// keyword 'foo'", its parent "(Line 1) Unknown keyword 'foo#bar'".
		{"escaped hash", "foo\\#bar", "foo", "foo#bar"},
		{"escaped bang", "foo\\!bar x", "foo", "foo!bar"},
		// Inside quotes the '\' stays: "Unknown keyword 'q\#r'".
		{"quoted", "\"q\\#r\"", "q\\#r", "q\\#r"},
		// "\\" keeps both, and the '#' after it is a comment: 'ab\\'.
		{"escaped backslash", "ab\\\\#cd", "ab\\\\", "ab\\\\"},
		{"other escape", "ab\\cd", "ab\\cd", "ab\\cd"},
		// A final '\' stays, the blanks before it go: 'foo\'.
		{"final backslash", "foo \\", "foo\\", "foo\\"},
		{"final backslash after a comment", "baz # x \\", "baz\\", "baz\\"},
		// A '#' a parameter expands to is a comment too: 'x'.
		{"hash from a parameter", "x${_HASH}y", "x", "x"},
		{"hash in a parameter", "$X=a#b\n$X", "a", "a"},
		{"escaped hash in a parameter", "$Y=a\\#b\n$Y", "a", "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, tc.line+"\n")
			line := strings.Count(tc.line, "\n") + 1
			for _, kw := range []string{tc.keyword, tc.parent} {
				if !hasMessage(c, line, "Unknown keyword '"+kw+"'") {
					t.Errorf("want Unknown keyword '%s' at line %d: %v", kw, line, c.Messages)
				}
			}
		})
	}
	t.Run("global_defs", func(t *testing.T) {
		// Only keepalived's parent reads global_defs: keepalived -t says
		// "(Line 2) Unknown keyword 'bo#gus'", and nothing of 'bo'.
		c := parse(t, "global_defs {\n bo\\#gus 1\n}\n")
		if !hasMessage(c, 2, "Unknown keyword 'bo#gus'") || hasMessage(c, 2, "Unknown keyword 'bo'") {
			t.Errorf("messages %v", c.Messages)
		}
	})
	t.Run("password", func(t *testing.T) {
		in := only(t, parse(t, instance(" authentication {\n  auth_type PASS\n  auth_pass ab\\!cd\n }")))
		if in.Auth.Pass != "ab" {
			t.Errorf("auth_pass %q, want ab", in.Auth.Pass)
		}
	})
	t.Run("a line the copy takes for a file", func(t *testing.T) {
		// "\#abc" is "#abc" in the copy, which keepalived's VRRP process
		// takes for the mark of a file "bc": keepalived -t says "(bc: Line
		// 1) Unknown keyword 'foo'" for the line after it; "\!" closes that
		// file again, and the lines after it are counted where the file
		// mark was.
		c := parse(t, "x1\n\\#abc\nfoo\n\\!\nbar\n")
		const file = "/etc/keepalived/keepalived.conf"
		for _, m := range []keepalived.Message{
			// Its parent reads the file itself: "(Line 2) Unknown keyword
			// '#abc'", "(Line 4) Unknown keyword '!'", "(Line 5) ... 'bar'".
			{Pos: keepalived.Pos{File: file, Line: 2}, Text: "Unknown keyword '#abc'"},
			{Pos: keepalived.Pos{File: file, Line: 4}, Text: "Unknown keyword '!'"},
			{Pos: keepalived.Pos{File: file, Line: 5}, Text: "Unknown keyword 'bar'"},
			{Pos: keepalived.Pos{File: "/etc/keepalived/keepalived.conf", Line: 1}, Text: "Unknown keyword 'x1'"},
			{Pos: keepalived.Pos{File: "bc", Line: 1}, Text: "Unknown keyword 'foo'"},
			{Pos: keepalived.Pos{File: "/etc/keepalived/keepalived.conf", Line: 2}, Text: "Unknown keyword 'bar'"},
		} {
			if !slices.ContainsFunc(c.Messages, func(g keepalived.Message) bool { return g.Pos == m.Pos && g.Text == m.Text }) {
				t.Errorf("no %v: %v", m, c.Messages)
			}
		}
	})
}

// TestUnmatchedQuote: keepalived 2.2.7 reports a quote left open twice,
// from decomment() and from alloc_strvec_r(), and drops the words from the
// quote on (keepalived -t: "(Line 1) Unterminated quote 'bar "open'",
// "(Line 1) Unmatched quote: 'bar "open'", "(Line 1) Unknown keyword
// 'bar'").
func TestUnmatchedQuote(t *testing.T) {
	cases := []struct {
		name, line string
		want       []string
	}{
		{"open quote", "bar \"open", []string{"Unterminated quote 'bar \"open'", "Unmatched quote: 'bar \"open'", "Unknown keyword 'bar'"}},
		// decomment skips an escaped quote, alloc_strvec_r does not:
		// "Unmatched quote: 'k7 "a\"b#c" d'" alone, then the keyword.
		{"escaped quote", "k7 \"a\\\"b#c\" d", []string{"Unmatched quote: 'k7 \"a\\\"b#c\" d'", "Unknown keyword 'k7'"}},
		// A quote alone makes no word: nothing but the two reports.
		{"quote only", "\"abc", []string{"Unterminated quote '\"abc'", "Unmatched quote: '\"abc'"}},
		// The piece after a brace is reported alone (read_line splits at
		// the brace first): 'Unmatched quote: '"x''.
		{"after a brace", "foo { \"x", []string{"Unterminated quote 'foo { \"x'", "Unmatched quote: '\"x'", "Unknown keyword 'foo'"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, tc.line+"\n")
			var got []string
			for _, m := range c.Messages {
				if m.Pos.Line != 1 {
					t.Errorf("message at line %d: %v", m.Pos.Line, m)
				}
				if !strings.HasPrefix(m.Text, "Unexpected '{'") {
					got = append(got, m.Text)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("messages %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLVSKeywords: keepalived's checker process reads the LVS blocks and
// reports their unknown keywords; its VRRP process passes over them by
// counting braces, so an unclosed virtual_server hides the vrrp_instance
// after it from VRRP and shows its lines to the checker. The wanted
// messages are keepalived -t's (2.2.7) on this file, line for line.
func TestLVSKeywords(t *testing.T) {
	src := `virtual_server 192.0.2.1 80 {
  protocol TCP
  nat_mask 255.255.255.0
  sh-fallback
  real_server 192.0.2.2 80 {
    HTTP_GET {
      url {
        path /
        bogus_url 1
      }
      nb_get_retry 3
    }
  }
  real_server 192.0.2.3 25 {
    SMTP_CHECK {
      host {
        connect_ip 192.0.2.3
        bogus_host 1
      }
    }
    TCP_CHECK {
      connect_timeout=10
      nb_get_retry 3
    }
  }
}
virtual_server_group G {
  192.0.2.9 80
}
garp_group {
  garp_interval 1
  bogus_garp 1
  interfaces {
    eth0
  }
}
bfd_instance B {
  neighbor_ip 192.0.2.3
  bogus_bfd 1
}
SSL {
  bogus_ssl 1
}
track_group T {
  bogus_track 1
  group {
    VI_1
  }
}
virtual_server 192.0.2.4 80 {
  real_server 192.0.2.5 80 {
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 5
}
`
	c := parse(t, src)
	var got []string
	for _, m := range c.Messages {
		if strings.HasPrefix(m.Text, "Unknown keyword") || strings.HasPrefix(m.Text, "Unexpected") {
			got = append(got, itoa(m.Pos.Line)+" "+m.Text)
		}
	}
	slices.Sort(got)
	want := []string{
		"18 Unknown keyword 'bogus_host'",
		"22 Unknown keyword 'connect_timeout=10'",
		// nb_get_retry is an HTTP_GET keyword ("nb_get_retry is deprecated
		// - please use 'retry'"), not a TCP_CHECK one.
		"23 Unknown keyword 'nb_get_retry'",
		"3 Unknown keyword 'nat_mask'",
		"32 Unknown keyword 'bogus_garp'",
		"39 Unknown keyword 'bogus_bfd'",
		"42 Unknown keyword 'bogus_ssl'",
		"45 Unknown keyword 'bogus_track'",
		"52 Unexpected '{' - ignoring",
		"52 Unknown keyword 'vrrp_instance'",
		"53 Unknown keyword 'interface'",
		"54 Unknown keyword 'virtual_router_id'",
		"9 Unknown keyword 'bogus_url'",
	}
	if !slices.Equal(got, want) {
		t.Errorf("messages\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(c.Instances) != 0 {
		t.Errorf("instances %v: keepalived's VRRP process skips VI_1 inside the unclosed virtual_server", c.Instances)
	}
}

// TestRandom: keepalived's ${_RANDOM [MIN [MAX]]} (parser.c get_random),
// the only parameter that takes arguments, digits and spaces that do not
// end in a space. keepalived -t on each line.
func TestRandom(t *testing.T) {
	cases := []struct{ line, keyword string }{
		{"${_RANDOM 3 3}", "3"},
		// A space before the '}': no parameter, the line splits at the
		// braces: "Unknown keyword 'x$'", then '_RANDOM' after the '{'.
		{"x${_RANDOM 3 3 }", "x$"},
		// Arguments to any other parameter: none either ('y$').
		{"$X=7\ny${X 1}", "y$"},
		{"$X=7\nz${X}", "z7"},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			c := parse(t, tc.line+"\n")
			line := strings.Count(tc.line, "\n") + 1
			if !hasMessage(c, line, "Unknown keyword '"+tc.keyword+"'") {
				t.Errorf("want Unknown keyword '%s' at line %d: %v", tc.keyword, line, c.Messages)
			}
		})
	}
	// keepalived's public random.conf: a VRID drawn at each start.
	c := parse(t, "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id ${_RANDOM 1 255}\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n")
	in := only(t, c)
	if in.VRID < 1 || in.VRID > 255 || !in.Where["virtual_router_id"].IsValid() {
		t.Errorf("VRID %d at %v, want 1-255 from line 3", in.VRID, in.Where["virtual_router_id"])
	}
	if !slices.ContainsFunc(c.Messages, func(m keepalived.Message) bool {
		return m.Kind == keepalived.KindPreprocessor && strings.HasPrefix(m.Text, "${_RANDOM 1 255} is a new random number")
	}) {
		t.Errorf("no message on the random VRID: %v", c.Messages)
	}
}

// TestNotifyLine: keepalived reads a notify line again with quotes and
// escapes (notify.c notify_script_init: "We need to reparse the command
// line, allowing for quoted and escaped strings", alloc_strvec_quoted_escaped),
// then takes the words after the script as its user and group
// (set_script_uid_gid: "Invalid user/group for %s script %s - ignoring",
// named by the script's first word).
func TestNotifyLine(t *testing.T) {
	cases := []struct {
		name, line    string
		command, user string // "" command: no script
		msg           string
	}{
		// The public 1569d.conf: keepalived 2.2.7 runs it, one script
		// without user, the \" inside the double quotes a quote.
		{"escaped quotes", `notify_master "/bin/true ' spaces ' '\"s p a c e \"' x master"`,
			`/bin/true ' spaces ' '"s p a c e "' x master`, "", ""},
		// keepalived -t: "(Line 8) String 'notify "/x y': missing
		// terminating "", and no notify script.
		{"open quote", `notify "/x y`, "", "", `String 'notify "/x y': missing terminating "`},
		// An escaped blank joins the words: the user is nosuchuser.
		{"escaped blank", `notify_backup /bin/true\ nobody nosuchuser`, "", "",
			"Invalid user/group for notify script /bin/true - ignoring"},
		{"quoted script", `notify_fault "/bin/true" nosuchuser`, "", "",
			"Invalid user/group for notify script /bin/true - ignoring"},
		{"user", `notify_stop /bin/true nobody`, "/bin/true", "nobody", ""},
		{"single quotes", `notify 'a b'c`, "a bc", "", ""},
		{"escapes", `notify /bin/x\x41\101\t\q`, "/bin/xAA\tq", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := onHost(t, instance(" "+tc.line))
			in := only(t, c)
			var got keepalived.Script
			if len(in.Notify) > 0 {
				got = in.Notify[0]
			}
			if got.Command != tc.command || got.User != tc.user {
				t.Errorf("notify %q as %q, want %q as %q", got.Command, got.User, tc.command, tc.user)
			}
			if tc.msg != "" && !hasMessage(c, 4, tc.msg) {
				t.Errorf("no %q at line 4: %v", tc.msg, c.Messages)
			}
		})
	}
}

// TestMissingParameter: a keyword that needs a value and has none stops the
// keepalived process reading it, which refuses the configuration (the
// keywords come out of the binary, keywords_gen.go needParam). keepalived -t
// on each: "*** Configuration line starting `priority` is missing a
// parameter after keyword `priority` at word position 2", exit status 2.
func TestMissingParameter(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		kw        string // "" none
	}{
		{"priority", instance(" priority"), 4, "priority"},
		{"a keyword without value", instance(" nopreempt"), 0, ""},
		// The value lost to an open quote (keepalived -t: Unterminated
		// quote, Unmatched quote, then this).
		{"open quote", instance(" authentication {\n  auth_type PASS\n  auth_pass \"s3cret\n }"), 6, "auth_pass"},
		{"LVS", "virtual_server 192.0.2.1 80 {\n delay_loop\n}\n", 2, "delay_loop"},
		{"empty quotes are a value", instance(" priority \"\""), 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, tc.src)
			var got []keepalived.Message
			for _, m := range c.Refused() {
				if strings.Contains(m.Text, "is missing a parameter") {
					got = append(got, m)
				}
			}
			if tc.kw == "" {
				if len(got) > 0 {
					t.Errorf("refused: %v", got)
				}
				return
			}
			want := "*** Configuration line starting `" + tc.kw + "` is missing a parameter after keyword `" + tc.kw + "` at word position 2"
			if len(got) != 1 || got[0].Text != want || got[0].Pos.Line != tc.line {
				t.Errorf("refusals %v, want %q at line %d", got, want, tc.line)
			}
		})
	}
}

// TestScriptLine: keepalived 2.2.7 reads a vrrp_script's script line again
// with quotes and escapes (vrrp_parser.c vrrp_script_script_handler:
// alloc_strvec_quoted_escaped) and runs its first word, split into program
// and arguments; what follows is dropped without a message. Each case was
// run through keepalived -d, whose "------< VRRP Scripts >------" dump shows
// the command it keeps (the program with its path resolved, /bin as
// /usr/bin on Debian).
func TestScriptLine(t *testing.T) {
	cases := []struct {
		name, line string
		command    string
		ignored    []string
		argv       []string // what keepalived runs, word by word
	}{
		// "Command = '/usr/bin/killall'": the unquoted arguments are lost.
		{"unquoted arguments", `script /usr/bin/killall -0 haproxy`, "/usr/bin/killall", []string{"-0", "haproxy"}, []string{"/usr/bin/killall"}},
		// "Command = '/usr/bin/killall' '-0' 'haproxy'".
		{"quoted", `script "/usr/bin/killall -0 haproxy"`, "/usr/bin/killall -0 haproxy", nil, []string{"/usr/bin/killall", "-0", "haproxy"}},
		// "Command = '/usr/bin/killall'": quoting the program alone is no help.
		{"quoted program", `script "/usr/bin/killall" -0 'hap roxy'`, "/usr/bin/killall", []string{"-0", "hap roxy"}, []string{"/usr/bin/killall"}},
		// "Command = '/usr/bin/true' 'y'": the escaped blank joins the words.
		{"escaped blank", `script /bin/true\ y z`, "/bin/true y", []string{"z"}, []string{"/bin/true", "y"}},
		// "Command = '/usr/bin/sh' '-c' 'pidof x || exit 1'".
		{"inner quotes", `script "/bin/sh -c 'pidof x || exit 1'"  extra`, "/bin/sh -c 'pidof x || exit 1'", []string{"extra"}, []string{"/bin/sh", "-c", "pidof x || exit 1"}},
		// "Disabling track script chk since not found/accessible": the
		// program is /bin/truea.
		{"quote inside the word", `script /bin/true"a b" c`, "/bin/truea b", []string{"c"}, []string{"/bin/truea", "b"}},
		{"one word", `script /etc/keepalived/check.sh`, "/etc/keepalived/check.sh", nil, []string{"/etc/keepalived/check.sh"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, "vrrp_script chk {\n "+tc.line+"\n}\n"+instance(" track_script {\n  chk\n }"))
			s := c.Script("chk")
			if s == nil {
				t.Fatalf("no script chk: %v", c.Messages)
			}
			if s.Command != tc.command || !slices.Equal(s.Ignored, tc.ignored) {
				t.Errorf("runs %q ignoring %q, want %q ignoring %q", s.Command, s.Ignored, tc.command, tc.ignored)
			}
			if !slices.Equal(s.Argv(), tc.argv) {
				t.Errorf("argv %q, want %q", s.Argv(), tc.argv)
			}
		})
	}
}

// TestRepeatArguments: keepalived 2.2.7 replaces parameters inside the
// parentheses of ~SEQ and ~LST before it reads them (keepalived -d on each
// case lists these virtual addresses; keepalived's ipvs_big.conf repeats
// "~SEQ(VS_IP, 1, ${NUM_ENT}) $VS").
func TestRepeatArguments(t *testing.T) {
	cases := []struct {
		name, lines string
		want        []string
	}{
		{"${N} as the end", "~SEQ(i, 1, ${N}) 192.0.2.1${i}", []string{"192.0.2.11", "192.0.2.12", "192.0.2.13"}},
		{"$N as the start", "~SEQ(j, $N, 4) 192.0.2.3${j}", []string{"192.0.2.33", "192.0.2.34"}},
		{"a ~LST value", "~LST(a, $A, 192.0.2.8) ${a}", []string{"192.0.2.7", "192.0.2.8"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, "$N=3\n$A=192.0.2.7\n"+instance(" virtual_ipaddress {\n  "+tc.lines+"\n }"))
			in := only(t, c)
			var got []string
			for _, v := range in.VIPs {
				got = append(got, v.Prefix.Addr().String())
			}
			if !slices.Equal(got, append(tc.want, "192.0.2.100")) { // instance's own
				t.Errorf("VIPs %v, want %v (messages %v)", got, tc.want, c.Messages)
			}
		})
	}
}

// TestWeightWithoutValue: a track line "NAME weight" without the number is
// dropped whole by keepalived 2.2.7, with the message quoted in each case
// (keepalived -t; keepalived -d then lists no such track and says "Warning -
// script chk is not used").
func TestWeightWithoutValue(t *testing.T) {
	script := "vrrp_script chk {\n script \"/bin/true\"\n}\nvrrp_track_file tf {\n file \"/run/tf\"\n}\n"
	cases := []struct {
		name, src string
		line      int
		msg       string
		tracks    func(*keepalived.Config) int
	}{
		{"track_script", script + instance(" track_script {\n  chk weight\n }"), 11,
			"(VI_1) weight without value specified for track script chk - ignoring",
			func(c *keepalived.Config) int { return len(c.Instances[0].TrackScripts) }},
		{"track_interface", script + instance(" track_interface {\n  eth1 weight\n }"), 11,
			"(VI_1) weight without value specified for track_interface eth1 - ignoring",
			func(c *keepalived.Config) int { return len(c.Instances[0].TrackInterfaces) }},
		{"track_file", script + instance(" track_file {\n  tf weight\n }"), 11,
			"(VI_1) weight without value specified for track file tf - ignoring",
			func(c *keepalived.Config) int { return len(c.Instances[0].TrackFiles) }},
		{"sync group", script + "vrrp_sync_group G {\n group {\n  VI_1\n }\n track_script {\n  chk weight\n }\n}\n" + instance(""), 12,
			"(G) weight without value specified for track script chk - ignoring",
			func(c *keepalived.Config) int { return len(c.SyncGroups[0].TrackScripts) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, tc.src)
			if !hasMessage(c, tc.line, tc.msg) {
				t.Errorf("no %q at line %d: %v", tc.msg, tc.line, c.Messages)
			}
			if len(c.Instances) != 1 {
				t.Fatalf("%d instances", len(c.Instances))
			}
			if n := tc.tracks(c); n != 0 {
				t.Errorf("%d tracks kept, want none", n)
			}
		})
	}
}

// TestVIPOptionWithoutValue: an option of a virtual_ipaddress line that
// needs a value and has none drops the address in keepalived 2.2.7
// (keepalived -t prints the message, keepalived -d lists the addresses
// left); a track_group without a value is an unknown entry instead.
func TestVIPOptionWithoutValue(t *testing.T) {
	cases := []struct {
		line, msg string
		kept      bool
	}{
		{"192.0.2.10 dev", "No dev parameter specified for 192.0.2.10", false},
		{"192.0.2.11/24 label", "No label parameter specified for 192.0.2.11/24", false},
		{"192.0.2.12 brd", "No brd parameter specified for 192.0.2.12", false},
		{"192.0.2.12 broadcast", "No broadcast parameter specified for 192.0.2.12", false},
		{"192.0.2.13 scope", "No scope parameter specified for 192.0.2.13", false},
		{"192.0.2.14 peer", "No peer parameter specified for 192.0.2.14", false},
		{"192.0.2.15 preferred_lft", "No preferred_lft parameter specified for 192.0.2.15", false},
		{"192.0.2.16 dev eth0 label", "No label parameter specified for 192.0.2.16", false},
		{"192.0.2.17 track_group", "Unknown configuration entry 'track_group' for ip address - ignoring", true},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			c := parse(t, instance(" virtual_ipaddress {\n  "+tc.line+"\n }"))
			if !hasMessage(c, 5, tc.msg) {
				t.Errorf("no %q at line 5: %v", tc.msg, c.Messages)
			}
			in := only(t, c)
			// The instance's own 192.0.2.100/24 comes after.
			if kept := len(in.VIPs) == 2; kept != tc.kept {
				t.Errorf("VIPs %v, want the address kept: %v", in.VIPs, tc.kept)
			}
		})
	}
}

// TestValueBlockWithoutBrace: a value block whose '{' is in a comment is
// read all the same by keepalived 2.2.7's VRRP process, without a message
// of its own (keepalived -d on this configuration lists the peer, the
// tracked script and the address; only its other processes print the
// instance's later lines as unknown keywords).
func TestValueBlockWithoutBrace(t *testing.T) {
	c := parse(t, "vrrp_script chk {\n script \"/bin/true\"\n}\n"+
		"vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n unicast_peer # {\n  192.0.2.2\n }\n"+
		" track_script\n {\n  chk\n }\n virtual_ipaddress # {\n  192.0.2.10\n }\n}\n")
	in := only(t, c)
	if len(in.VIPs) != 1 || len(in.UnicastPeers) != 1 || len(in.TrackScripts) != 1 {
		t.Errorf("VIPs %v, peers %v, track scripts %v: want one each", in.VIPs, in.UnicastPeers, in.TrackScripts)
	}
	for _, m := range c.Messages {
		if strings.HasPrefix(m.Text, "Missing '{'") {
			t.Errorf("keepalived does not say %v", m)
		}
	}
}

// TestDuplicateTrack: a second entry of one name in an instance's track
// lists is dropped by keepalived 2.2.7 with the message quoted, the first
// entry's weight kept (keepalived -d: "lo weight 5", "chk weight 10", "tf,
// weight 2").
func TestDuplicateTrack(t *testing.T) {
	src := "vrrp_script chk {\n script \"/bin/true\"\n weight 3\n}\nvrrp_track_file tf {\n file \"/run/tf\"\n}\n" +
		instance(" track_interface {\n  lo weight 5\n  lo weight 7\n }\n track_file {\n  tf weight 2\n  tf\n }\n"+
			" track_script {\n  chk weight 10\n  chk weight 20\n }")
	c := parse(t, src)
	in := only(t, c)
	for _, m := range []struct {
		line int
		text string
	}{
		{13, "(VI_1) duplicate track_interface lo - ignoring"},
		{17, "(VI_1) duplicate track_file tf - ignoring"},
		{21, "(VI_1) duplicate track_script chk - ignoring"},
	} {
		if !hasMessage(c, m.line, m.text) {
			t.Errorf("no %q at line %d: %v", m.text, m.line, c.Messages)
		}
	}
	for _, tr := range []struct {
		what   string
		tracks []keepalived.Track
		weight int
	}{{"track_interface", in.TrackInterfaces, 5}, {"track_file", in.TrackFiles, 2}, {"track_script", in.TrackScripts, 10}} {
		if len(tr.tracks) != 1 || tr.tracks[0].Weight != tr.weight {
			t.Errorf("%s %+v, want one with weight %d", tr.what, tr.tracks, tr.weight)
		}
	}
}
