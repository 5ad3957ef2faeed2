package keepalived

import (
	"fmt"
	"io/fs"
	"strings"
)

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// stmt is a keyword line with its block, if it opened one.
type stmt struct {
	line
	kids  []*stmt // a keyword block's statements
	value []line  // a value block's lines (virtual_ipaddress, unicast_peer, ...)
	block bool
	end   Pos // the line of the closing brace
}

func (s *stmt) key() string { return s.word(0) }

// args are the words after the keyword.
func (s *stmt) args() []string {
	out := make([]string, 0, len(s.toks))
	for _, t := range s.toks[1:] {
		out = append(out, t.s)
	}
	return out
}

// blockKind says how a keyword's block is read.
type blockKind uint8

const (
	noBlock    blockKind = iota
	subBlock             // keywords, checked against the table of that name
	valueBlock           // lines read up to the first '}', no nesting (read_value_block)
)

// blocks are the keywords that open a block, per table.
var blocks = map[string]map[string]blockKind{
	"top": {
		"global_defs": subBlock, "vrrp_instance": subBlock, "vrrp_script": subBlock,
		"vrrp_sync_group": subBlock, "vrrp_track_file": subBlock, "vrrp_track_process": subBlock,
		"virtual_server": subBlock, "virtual_server_group": valueBlock, "static_ipaddress": valueBlock,
		"static_routes": valueBlock, "static_rules": valueBlock, "linkbeat_interfaces": valueBlock,
		"garp_group": subBlock, "bfd_instance": subBlock, "SSL": subBlock, "track_group": subBlock,
		"interface_up_down_delays": valueBlock, "track_file": subBlock,
	},
	"garp_group":  {"interfaces": valueBlock},
	"track_group": {"group": valueBlock},
	// The LVS blocks (check_parser.c, check_http.c, check_smtp.c): a
	// virtual_server holds real_servers, each of them checkers.
	"virtual_server": {"real_server": subBlock},
	"real_server": {
		"HTTP_GET": subBlock, "SSL_GET": subBlock, "TCP_CHECK": subBlock, "UDP_CHECK": subBlock,
		"MISC_CHECK": subBlock, "SMTP_CHECK": subBlock, "DNS_CHECK": subBlock, "PING_CHECK": subBlock,
		"BFD_CHECK": subBlock, "FILE_CHECK": subBlock,
	},
	"HTTP_GET":    {"url": subBlock},
	"SSL_GET":     {"url": subBlock},
	"SMTP_CHECK":  {"host": subBlock},
	"global_defs": {"notification_email": valueBlock},
	"vrrp_instance": {
		"authentication": subBlock, "virtual_ipaddress": valueBlock, "virtual_ipaddress_excluded": valueBlock,
		"virtual_routes": valueBlock, "virtual_rules": valueBlock, "track_interface": valueBlock,
		"track_script": valueBlock, "track_file": valueBlock, "track_process": valueBlock,
		"track_bfd": valueBlock, "unicast_peer": valueBlock,
	},
	"vrrp_sync_group": {
		"group": valueBlock, "track_interface": valueBlock, "track_script": valueBlock,
		"track_file": valueBlock, "track_process": valueBlock, "track_bfd": valueBlock,
	},
}

// tableOf names the keyword table of a block when it is not the keyword
// itself (track_file is vrrp_track_file's older name).
var tableOf = map[string]string{"track_file": "vrrp_track_file"}

var keywordSet, needParamSet = set(keywords), set(needParam)

func set(tables map[string][]string) map[string]map[string]bool {
	m := map[string]map[string]bool{}
	for table, kws := range tables {
		m[table] = map[string]bool{}
		for _, k := range kws {
			m[table][k] = true
		}
	}
	return m
}

// A pass is one of keepalived's processes reading the configuration: each
// installs every top-level keyword but reads only its own blocks, and
// passes over the others by counting braces, unchecked (parser.c
// process_stream, skip_sublevel). keepalived -t runs them all, and each
// reports the unknown keywords of the blocks it reads.
type pass struct {
	// reads says whether the process reads a top-level keyword's block.
	reads func(kw string) bool
}

// vrrpPass is the VRRP process, whose reading the Config is: it leaves the
// LVS blocks to the checker process (check_parser.c init_check_keywords
// with active false).
var vrrpPass = pass{func(kw string) bool {
	return kw != "virtual_server" && kw != "virtual_server_group" && kw != "SSL"
}}

// checkerPass is the checker process: the LVS blocks, BFD instances and
// track files (check_init_keywords: init_check_keywords(true),
// init_vrrp_keywords(false), init_bfd_keywords(true),
// add_track_file_keywords(true); global_defs only on a reload).
var checkerPass = pass{func(kw string) bool {
	switch kw {
	case "virtual_server", "virtual_server_group", "SSL", "bfd_instance", "track_file", "vrrp_track_file":
		return true
	}
	return false
}}

type parser struct {
	lines []line
	i     int
	c     *Config
	pass  pass
	// quietGlobal says another pass reports on global_defs: keepalived's
	// parent reads it, its VRRP process passes over it (when a line
	// escapes a comment character, the two read it differently).
	quietGlobal bool
	quiet       bool
}

func (p *parser) msg(at Pos, k Kind, format string, a ...any) {
	if !p.quiet {
		p.c.msg(at, k, format, a...)
	}
}

// block reads statements of table up to the closing '}' (or the end at the
// top level). needOpen says a '{' must come first.
func (p *parser) block(table string, needOpen bool, depth int) ([]*stmt, Pos) {
	var out []*stmt
	if needOpen {
		if p.i < len(p.lines) && p.lines[p.i].is("{") {
			p.i++
		} else if p.i < len(p.lines) {
			p.msg(p.lines[p.i].pos, KindSyntax, "Missing '{' at beginning of configuration block")
		}
	}
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		p.i++
		if l.is("}") {
			if depth == 0 {
				p.msg(l.pos, KindSyntax, "Unknown keyword '}'")
				continue
			}
			return out, l.pos
		}
		if l.is("{") {
			p.msg(l.pos, KindSyntax, "Unexpected '{' - ignoring")
			continue
		}
		kw := l.word(0)
		if !keywordSet[table][kw] || l.toks[0].quoted {
			p.msg(l.pos, KindSyntax, "Unknown keyword '%s'", kw)
			continue
		}
		s := &stmt{line: l}
		if depth == 0 && !p.pass.reads(kw) {
			// Inactive here: its block, if a '{' follows, is passed over.
			s.block = p.skip()
			out = append(out, s)
			continue
		}
		if len(l.toks) == 1 && needParamSet[table][kw] {
			// The process that reads it exits: keepalived runs nothing.
			p.msg(l.pos, KindFatal, "*** Configuration line starting `%s` is missing a parameter after keyword `%s` at word position 2", kw, kw)
		}
		switch blocks[table][kw] {
		case subBlock:
			s.block = true
			sub := kw
			if t, ok := tableOf[kw]; ok && table == "top" {
				sub = t
			}
			quiet := p.quiet
			p.quiet = quiet || kw == "global_defs" && depth == 0 && p.quietGlobal
			s.kids, s.end = p.block(sub, true, depth+1)
			p.quiet = quiet
		case valueBlock:
			s.block = true
			s.value = p.valueBlock()
		default:
			// A plain keyword: a '{' line after it is "Unexpected".
		}
		out = append(out, s)
	}
	var end Pos
	if len(p.lines) > 0 {
		end = p.lines[len(p.lines)-1].pos
	}
	return out, end
}

// valueBlock reads lines up to the first '}' (keepalived's read_value_block
// does not nest: a '{' inside is a value line like any other). Without its
// '{' (virtual_ipaddress # {) keepalived 2.2.7 reads the lines all the same
// and says nothing (keepalived -t and -d: no "Missing '{'", the addresses
// configured).
func (p *parser) valueBlock() []line {
	if p.i < len(p.lines) && p.lines[p.i].is("{") {
		p.i++
	}
	var out []line
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		p.i++
		if l.word(0) == "}" && !l.toks[0].quoted {
			return out
		}
		out = append(out, l)
	}
	return out
}

// skip passes over the block of a keyword the pass does not read, if a '{'
// comes next (skip_sublevel): braces nest.
func (p *parser) skip() bool {
	if p.i < len(p.lines) && p.lines[p.i].is("{") {
		p.i++
	} else {
		return false
	}
	depth := 1
	for p.i < len(p.lines) && depth > 0 {
		l := p.lines[p.i]
		p.i++
		switch {
		case l.is("{"):
			depth++
		case l.is("}"):
			depth--
		}
	}
	return true
}

// joinArgs is keepalived's set_value for a script line: the words joined by
// a space.
func joinArgs(s *stmt) string { return strings.Join(s.args(), " ") }

// parentPass is keepalived's parent process: it reads global_defs and the
// top-level settings, and passes over every other block.
var parentPass = pass{func(kw string) bool {
	return kw == "global_defs" || blocks["top"][kw] == noBlock
}}

// parentMessages are what keepalived's parent process reports reading the
// configuration file name: it reads the files themselves, where "\#" is
// still '#' (keepalived -t on "foo\#bar": its parent says "(Line 1)
// Unknown keyword 'foo#bar'", its VRRP process 'foo'). Only needed when a
// line escapes a comment character: otherwise both read the same lines.
func parentMessages(fsys fs.FS, name, id string) []Message {
	pc := &Config{File: name, ConfigID: id}
	lx := &lexer{fsys: fsys, id: id, c: pc, params: map[string]param{}, parent: true}
	if err := lx.readFile(name); err != nil {
		return nil
	}
	p := &parser{lines: lx.out, c: pc, pass: parentPass}
	p.block("top", false, 0)
	return pc.Messages
}

// checkerMessages are what keepalived's checker process reports reading
// the lines: the unknown keywords of the LVS blocks (keepalived -t on
// "virtual_server 192.0.2.1 80 {" then "nat_mask 255.255.255.0": "(Line 2)
// Unknown keyword 'nat_mask'").
func checkerMessages(lines []line) []Message {
	cc := &Config{}
	p := &parser{lines: lines, c: cc, pass: checkerPass}
	p.block("top", false, 0)
	return cc.Messages
}

// addMessages adds the messages c does not have yet: two of keepalived's
// processes that read a line alike say the same of it once here.
func (c *Config) addMessages(ms []Message) {
	type key struct {
		pos  Pos
		text string
	}
	have := make(map[key]bool, len(c.Messages))
	for _, m := range c.Messages {
		have[key{m.Pos, m.Text}] = true
	}
	for _, m := range ms {
		if k := (key{m.Pos, m.Text}); !have[k] {
			have[k] = true
			c.Messages = append(c.Messages, m)
		}
	}
}
