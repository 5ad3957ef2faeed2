package keepalived

import (
	"fmt"
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
	opaque               // a block of a subsystem this reader does not model: braces nest
)

// blocks are the keywords that open a block, per table.
var blocks = map[string]map[string]blockKind{
	"top": {
		"global_defs": subBlock, "vrrp_instance": subBlock, "vrrp_script": subBlock,
		"vrrp_sync_group": subBlock, "vrrp_track_file": subBlock, "vrrp_track_process": subBlock,
		"virtual_server": opaque, "virtual_server_group": valueBlock, "static_ipaddress": valueBlock,
		"static_routes": valueBlock, "static_rules": valueBlock, "linkbeat_interfaces": valueBlock,
		"garp_group": opaque, "bfd_instance": opaque, "SSL": opaque, "track_group": opaque,
		"interface_up_down_delays": valueBlock, "track_file": subBlock,
	},
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

var keywordSet = func() map[string]map[string]bool {
	m := map[string]map[string]bool{}
	for table, kws := range keywords {
		m[table] = map[string]bool{}
		for _, k := range kws {
			m[table][k] = true
		}
	}
	return m
}()

type parser struct {
	lines []line
	i     int
	c     *Config
}

// block reads statements of table up to the closing '}' (or the end at the
// top level). needOpen says a '{' must come first.
func (p *parser) block(table string, needOpen bool, depth int) ([]*stmt, Pos) {
	var out []*stmt
	if needOpen {
		if p.i < len(p.lines) && p.lines[p.i].is("{") {
			p.i++
		} else if p.i < len(p.lines) {
			p.c.msg(p.lines[p.i].pos, KindSyntax, "Missing '{' at beginning of configuration block")
		}
	}
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		p.i++
		if l.is("}") {
			if depth == 0 {
				p.c.msg(l.pos, KindSyntax, "Unknown keyword '}'")
				continue
			}
			return out, l.pos
		}
		if l.is("{") {
			p.c.msg(l.pos, KindSyntax, "Unexpected '{' - ignoring")
			continue
		}
		kw := l.word(0)
		if !keywordSet[table][kw] || l.toks[0].quoted {
			p.c.msg(l.pos, KindSyntax, "Unknown keyword '%s'", kw)
			continue
		}
		s := &stmt{line: l}
		switch blocks[table][kw] {
		case subBlock:
			s.block = true
			sub := kw
			if t, ok := tableOf[kw]; ok && table == "top" {
				sub = t
			}
			s.kids, s.end = p.block(sub, true, depth+1)
		case valueBlock:
			s.block = true
			s.value = p.valueBlock(l.pos)
		case opaque:
			s.block = true
			p.skip()
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
// does not nest: a '{' inside is a value line like any other).
func (p *parser) valueBlock(at Pos) []line {
	if p.i < len(p.lines) && p.lines[p.i].is("{") {
		p.i++
	} else if p.i < len(p.lines) {
		p.c.msg(at, KindSyntax, "Missing '{' at beginning of configuration block")
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

// skip passes over a block this reader does not model; braces nest.
func (p *parser) skip() {
	if p.i < len(p.lines) && p.lines[p.i].is("{") {
		p.i++
	} else {
		return
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
}

// joinArgs is keepalived's set_value for a script line: the words joined by
// a space.
func joinArgs(s *stmt) string { return strings.Join(s.args(), " ") }
