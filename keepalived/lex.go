package keepalived

import (
	"io/fs"
	"math/rand/v2"
	"path"
	"strconv"
	"strings"
)

// tok is one word of a line: quoted words are never '{' or '}'.
type tok struct {
	s      string
	quoted bool
}

// line is a line as keepalived's parser sees it after the preprocessor:
// comments gone, parameters expanded, split at '{' and '}'.
type line struct {
	toks []tok
	pos  Pos
	text string // the line as keepalived's handlers see it (buf_extern)
}

func (l line) word(i int) string {
	if i < len(l.toks) {
		return l.toks[i].s
	}
	return ""
}

// is reports whether the line is exactly the brace b.
func (l line) is(b string) bool { return len(l.toks) == 1 && !l.toks[0].quoted && l.toks[0].s == b }

// maxExpansions bounds parameter expansion in one line: keepalived itself
// loops for ever on "$A=$A" followed by "$A".
const maxExpansions = 1000

// maxIncludeDepth bounds nested includes (a file including itself).
const maxIncludeDepth = 32

// maxLines bounds the lines one configuration may expand to.
const maxLines = 1 << 20

// maxExpandedBytes bounds the text parameter expansion goes through in one
// read.
const maxExpandedBytes = 1 << 26

type param struct {
	lines []string // one per source line of a multi-line definition
}

// lexer reads files into lines the way keepalived's read_line does.
type lexer struct {
	fsys     fs.FS
	id       string
	c        *Config
	params   map[string]param
	out      []line
	depth    int
	overflow bool
	steps    int // lines processed, ~SEQ/~LST repetitions included
	// parent reads as keepalived's parent process: each line decommented
	// once, numbered as in its file.
	parent   bool
	rand     *rand.Rand // ${_RANDOM}
	expanded int        // bytes parameter expansion went through
	// escaped says a line escapes a comment character ("\#", "\!"), where
	// keepalived's parent reads otherwise than its VRRP process.
	escaped bool
}

func (c *Config) msg(p Pos, k Kind, format string, a ...any) {
	text := format
	if len(a) > 0 {
		text = sprintf(format, a...)
	}
	c.Messages = append(c.Messages, Message{Pos: p, Kind: k, Text: text})
}

// readFile reads one file (name is slash-separated, absolute in fsys).
//
// keepalived 2.2.7's parent process reads the files and writes what it
// read into a copy, each line passed through decomment() once ("The
// temporary file contains all the lines of the original configuration
// file(s) stripped of leading and trailing whitespace and comments",
// parser.c); the VRRP process, which runs the instances, reads that copy
// and decomments each line again. So an escaped comment character,
// "VI_\#1", is "VI_#1" to the parent and "VI_" to the VRRP process
// (keepalived runs the instance of the public one_hash.conf as "VI_"), and
// "$V1=\#" defines $V1 as "" where the instances are read (reload.conf).
// The reader reads as the VRRP process does.
func (lx *lexer) readFile(name string) error {
	b, err := fs.ReadFile(lx.fsys, fsPath(name))
	if err != nil {
		return err
	}
	lx.c.Files = append(lx.c.Files, name)
	raw := strings.Split(string(b), "\n")
	cp := copyLines{stack: []Pos{{File: name}}}
	for i := 0; i < len(raw); i++ {
		if lx.overflow {
			return nil
		}
		text, pos, ok := lx.childLine(&cp, raw[i], Pos{File: name, Line: i + 1})
		if !ok || text == "" {
			continue
		}
		// A definition may go on over lines ending in '\'; a commented-out
		// line ending in '\' goes on too (decomment keeps the '\').
		if name, val, ok := definition(text); ok {
			vals := []string{strings.TrimSpace(strings.TrimSuffix(val, "\\"))}
			for more := strings.HasSuffix(text, "\\"); more && i+1 < len(raw); {
				i++
				next, _, ok := lx.childLine(&cp, raw[i], Pos{File: name, Line: i + 1})
				if !ok {
					continue // a file mark of the copy (see copyLines)
				}
				more = strings.HasSuffix(next, "\\")
				vals = append(vals, strings.TrimSpace(strings.TrimSuffix(next, "\\")))
			}
			lx.define(name, vals)
			continue
		}
		lx.process(text, pos, name, 0)
	}
	return nil
}

// copyLines follows the line numbers keepalived's VRRP process gives the
// lines of the copy: a copied line that starts with '#' names the file the
// lines after it come from ("# FILE", written by the parent as it opens a
// file; "#!" carries an include error), and one that starts with '!' closes
// that file. Neither is counted. An escaped '#' or '!' at the start of a
// line of the configuration makes such a line: keepalived -t on "\#abc"
// then "foo" says "(bc: Line 1) Unknown keyword 'foo'".
type copyLines struct {
	stack []Pos
}

// childLine is the raw line at as keepalived's VRRP process reads it from
// the copy, and where it says the line is; ok is false for a line the copy
// takes as a file mark. Both decomment() passes report an open quote:
// "Unterminated quote 'auth_pass "abc'".
func (lx *lexer) childLine(cp *copyLines, raw string, at Pos) (string, Pos, bool) {
	// read_line drops the line's end, '\n' and '\r' alike.
	raw = strings.TrimRight(raw, "\r\n")
	copied, parentOpen := "", ""
	if raw != "" {
		if copied, parentOpen = decomment(raw); parentOpen != "" {
			lx.c.msg(at, KindSyntax, "Unterminated quote '%s'", parentOpen)
		}
	}
	lx.escaped = lx.escaped || strings.Contains(raw, "\\#") || strings.Contains(raw, "\\!")
	if lx.parent {
		return copied, at, true
	}
	switch {
	case strings.HasPrefix(copied, "#!"):
		return "", Pos{}, false
	case strings.HasPrefix(copied, "#"):
		name := ""
		if len(copied) > 2 {
			name = copied[2:]
		}
		cp.stack = append(cp.stack, Pos{File: name})
		return "", Pos{}, false
	case strings.HasPrefix(copied, "!"):
		if len(cp.stack) > 1 {
			cp.stack = cp.stack[:len(cp.stack)-1]
		} else {
			cp.stack[0].Line = 0
		}
		return "", Pos{}, false
	}
	top := &cp.stack[len(cp.stack)-1]
	top.Line++
	pos := *top
	text, open := decomment(copied)
	if open != "" && (open != parentOpen || pos != at) {
		lx.c.msg(pos, KindSyntax, "Unterminated quote '%s'", open)
	}
	return text, pos, true
}

func fsPath(name string) string {
	p := strings.TrimPrefix(path.Clean("/"+name), "/")
	if p == "" {
		return "."
	}
	return p
}

// define stores $NAME=value; an empty last line of a multi-line value is
// dropped (the line after the last '\').
func (lx *lexer) define(name string, vals []string) {
	for len(vals) > 1 && vals[len(vals)-1] == "" {
		vals = vals[:len(vals)-1]
	}
	lx.params[name] = param{lines: vals}
}

// process handles one decommented line: @id, ~SEQ/~LST, parameters,
// include, then splits it at braces.
func (lx *lexer) process(text string, pos Pos, file string, depth int) {
	if lx.overflow {
		return
	}
	// Nested ~SEQ/~LST multiply: bound the work, not only the output.
	if lx.steps++; lx.steps > maxLines {
		lx.overflow = true
		lx.c.msg(pos, KindPreprocessor, "configuration expands to more than %d lines; reading stopped", maxLines)
		return
	}
	if depth > 16 {
		lx.c.msg(pos, KindPreprocessor, "~SEQ/~LST nested too deep")
		return
	}
	if strings.HasPrefix(text, "@") {
		rest, keep := lx.conditional(text)
		if !keep {
			return
		}
		text = rest
		if name, val, ok := definition(text); ok {
			lx.define(name, []string{val})
			return
		}
	}
	if i := braceBeforeRepeat(text); i >= 0 {
		// keepalived splits a line at its braces before it looks for
		// ~SEQ/~LST: "virtual_ipaddress { ~SEQ(...) ..." repeats the
		// addresses inside the block (keepalived's ones.conf).
		lx.process(strings.TrimSpace(text[:i+1]), pos, file, depth)
		lx.process(strings.TrimSpace(text[i+1:]), pos, file, depth+1)
		return
	}
	if strings.HasPrefix(text, "~SEQ") || strings.HasPrefix(text, "~LST") {
		if lx.repeat(text, pos, file, depth) {
			return
		}
	}
	if seq, ok := lx.leadingRepeat(text); ok {
		// "$VI_NUM" where $VI_NUM=~SEQ(ID,1,4) $VIs: the ~SEQ repeats the
		// whole of $VIs, each line of it, as keepalived runs it (seq1.conf
		// of keepalived's test configurations: four instances per NUM).
		lx.process(seq, pos, file, depth+1)
		return
	}
	lines, multi, ok := lx.expand(text, pos, file)
	if !ok {
		return
	}
	if multi {
		for _, t := range lines {
			if t = lx.decomment(t, pos); t != "" {
				if name, val, ok := definition(t); ok {
					lx.define(name, []string{val})
					continue
				}
				lx.process(t, pos, file, depth+1)
			}
		}
		return
	}
	for _, t := range lines {
		if t != text {
			t = lx.decomment(t, pos)
		}
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "@") && t != text {
			// A line of a multi-line parameter may be conditional too.
			rest, keep := lx.conditional(t)
			if !keep {
				continue
			}
			t = rest
		}
		if (strings.HasPrefix(t, "~SEQ") || strings.HasPrefix(t, "~LST")) && t != text {
			// A parameter that expands to a ~SEQ/~LST line.
			if lx.repeat(t, pos, file, depth+1) {
				continue
			}
		}
		if name, val, ok := definition(t); ok && strings.Contains(text, "$") {
			lx.define(name, []string{val})
			continue
		}
		if kind, pat, ok := isInclude(t); ok {
			lx.include(kind, pat, pos, file)
			continue
		}
		lx.emit(t, pos)
	}
}

// leadingRepeat replaces a line's first word, a single-line parameter whose
// value is a ~SEQ/~LST line, by that value, before any other parameter of
// the line is expanded.
func (lx *lexer) leadingRepeat(text string) (string, bool) {
	if !strings.HasPrefix(text, "$") {
		return "", false
	}
	name, j := "", 1
	if strings.HasPrefix(text, "${") {
		e := strings.IndexByte(text, '}')
		if e < 0 {
			return "", false
		}
		name, j = text[2:e], e+1
	} else {
		for j < len(text) && inParamName(text[j]) {
			j++
		}
		name = text[1:j]
	}
	p, ok := lx.params[name]
	if !ok || len(p.lines) != 1 {
		return "", false
	}
	v := strings.TrimLeft(p.lines[0], " \t")
	if !strings.HasPrefix(v, "~SEQ") && !strings.HasPrefix(v, "~LST") {
		return "", false
	}
	return v + text[j:], true
}

// braceBeforeRepeat finds an unquoted '{' or '}' followed by a ~SEQ/~LST
// (-1 when there is none).
func braceBeforeRepeat(text string) int {
	if !strings.Contains(text, "~SEQ") && !strings.Contains(text, "~LST") {
		return -1
	}
	quoted := false
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '"':
			quoted = !quoted
		case '{', '}':
			if rest := strings.TrimLeft(text[i+1:], " \t"); !quoted && (strings.HasPrefix(rest, "~SEQ") || strings.HasPrefix(rest, "~LST")) {
				return i
			}
		}
	}
	return -1
}

// conditional applies "@id rest" and "@^id rest".
func (lx *lexer) conditional(text string) (string, bool) {
	rev := strings.HasPrefix(text, "@^")
	id := text[1:]
	if rev {
		id = text[2:]
	}
	i := strings.IndexAny(id, " \t")
	if i < 0 {
		return "", false
	}
	match := id[:i] == lx.id
	return strings.TrimLeft(id[i:], " \t"), match != rev
}

// definition recognises "$NAME=value".
func definition(text string) (name, val string, ok bool) {
	if len(text) < 3 || text[0] != '$' {
		return "", "", false
	}
	i := 1
	for i < len(text) && isNameByte(text[i]) {
		i++
	}
	if i == 1 || i >= len(text) || text[i] != '=' {
		return "", "", false
	}
	return text[1:i], strings.TrimSpace(text[i+1:]), true
}

// inParamName says whether b continues an unbraced $NAME: keepalived 2.2.7
// reads the name up to a blank, ',' or ')' (so "$IP/64" and "$IP:2" name
// parameters "IP/64" and "IP:2", left as written when undefined; its
// ones.conf), keepalived -t on "$K=foo_bar" then "$K/x", "$K,x", "$K)x":
// "Unknown keyword '$K/x'", "'foo_bar,x'", "'foo_bar)x'".
func inParamName(b byte) bool {
	return b != ' ' && b != '\t' && b != ',' && b != ')' && b != '\r' && b != '\v' && b != '\f'
}

func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// braced splits what is between "${" and "}": a name, and the parameters
// keepalived's find_definition allows after it, digits and spaces that do
// not end in a space ("${_RANDOM 1 255}"); ok is false for anything else,
// which is then no parameter at all.
func braced(s string) (name, params string, ok bool) {
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	name, params = s[:i], s[i:]
	if strings.Trim(params, " 0123456789") != "" || strings.HasSuffix(params, " ") {
		return "", "", false
	}
	return name, strings.TrimSpace(params), true
}

// builtin returns keepalived's built-in parameters; only _RANDOM takes
// parameters.
func (lx *lexer) builtin(name, params, file string, pos Pos) (string, bool) {
	if params != "" && name != "_RANDOM" {
		return "", false
	}
	switch name {
	case "_RANDOM":
		return lx.random(params, pos), true
	case "_PWD":
		return path.Dir(file), true
	case "_INSTANCE":
		return lx.id, true
	case "_HASH":
		return "#", true
	case "_BANG":
		return "!", true
	}
	return "", false
}

// random is keepalived's ${_RANDOM [MIN [MAX]]}: a number from MIN
// (default 0) to MAX (default 32767), drawn anew each time keepalived
// reads the configuration, from a generator it seeds with the time. The
// reader draws from a generator of its own with a fixed seed, so a file
// reads the same every time, and says so.
func (lx *lexer) random(params string, pos Pos) string {
	lo, hi := uint64(0), uint64(32767)
	if f := strings.Fields(params); len(f) > 0 {
		lo, _ = strconv.ParseUint(f[0], 10, 64)
		if len(f) > 1 {
			hi, _ = strconv.ParseUint(f[1], 10, 64)
		}
	}
	if lx.rand == nil {
		lx.rand = rand.New(rand.NewPCG(1, 2))
	}
	v := lo
	if hi >= lo && hi-lo < 1<<62 {
		v = lo + lx.rand.Uint64N(hi-lo+1)
	}
	out := strconv.FormatUint(v, 10)
	lx.c.msg(pos, KindPreprocessor, "${_RANDOM%s} is a new random number each time keepalived reads the configuration: read here as %s", strings.TrimRight(" "+params, " "), out)
	return out
}

// expand replaces $NAME and ${NAME}; a multi-line parameter makes several
// lines. Unknown names stay as written.
func (lx *lexer) expand(text string, pos Pos, file string) (lines []string, multi, ok bool) {
	if !strings.Contains(text, "$") {
		return []string{text}, false, true
	}
	out := []string{text}
	n := 0
	for k := 0; k < len(out); k++ {
		from := 0
		for {
			s := out[k]
			i := strings.IndexByte(s[from:], '$')
			if i < 0 {
				break
			}
			i += from
			j, name := i+1, ""
			params := ""
			if j < len(s) && s[j] == '{' {
				e := strings.IndexByte(s[j:], '}')
				if e < 0 {
					from = i + 1
					continue
				}
				var ok bool
				if name, params, ok = braced(s[j+1 : j+e]); !ok {
					from = i + 1
					continue
				}
				j = j + e + 1
			} else {
				for j < len(s) && inParamName(s[j]) {
					j++
				}
				name = s[i+1 : j]
			}
			val, ok := lx.params[name]
			var lines []string
			if ok && params == "" {
				lines = val.lines
			} else if b, ok2 := lx.builtin(name, params, file, pos); ok2 {
				lines, ok = []string{b}, true
			} else {
				ok = false
			}
			if !ok || name == "" {
				from = i + 1
				continue
			}
			n++
			if n > maxExpansions {
				lx.c.msg(pos, KindPreprocessor, "parameter $%s expands without end (keepalived loops here)", name)
				return nil, false, false
			}
			// Bound the work of the whole read too: a ~SEQ may repeat a
			// line that expands without end a hundred thousand times.
			if lx.expanded += len(s); lx.expanded > maxExpandedBytes {
				lx.overflow = true
				lx.c.msg(pos, KindPreprocessor, "parameters expand to more than %d bytes; reading stopped", maxExpandedBytes)
				return nil, false, false
			}
			before, after := s[:i], s[j:]
			if len(lines) == 1 {
				out[k] = before + lines[0] + after
				from = i // the value is read again: parameters in parameters
				continue
			}
			// keepalived reads a multi-line parameter a line at a time: a
			// definition in one line applies to the lines after it.
			rep := make([]string, 0, len(lines))
			rep = append(rep, before+lines[0])
			rep = append(rep, lines[1:len(lines)-1]...)
			rep = append(rep, lines[len(lines)-1]+after)
			return append(append(out[:k:k], rep...), out[k+1:]...), true, true
		}
	}
	return out, false, true
}

// repeat handles ~SEQ(var,[start,[step,]]end) and ~LST(var,v1,...) lines.
func (lx *lexer) repeat(text string, pos Pos, file string, depth int) bool {
	open := strings.IndexByte(text, '(')
	if open < 0 {
		return false
	}
	kind := strings.TrimRight(text[:open], " \t") // "~SEQ ( ..." is allowed
	hex, lst := kind == "~SEQx", kind == "~LST"
	if !hex && !lst && kind != "~SEQ" {
		return false
	}
	close := matchParen(text, open)
	if close < 0 {
		lx.c.msg(pos, KindPreprocessor, "%s missing ')'", text[:open])
		return true
	}
	// keepalived replaces parameters in the arguments before it reads them:
	// "$N=3" then "~SEQ(i, 1, ${N}) 192.0.2.1${i}" makes three addresses,
	// "~LST(a, $A, 192.0.2.8)" lists $A's value (keepalived -d on both;
	// keepalived's ipvs_big.conf: "~SEQ(VS_IP, 1, ${NUM_ENT}) $VS").
	inner := text[open+1 : close]
	if l, multi, ok := lx.expand(inner, pos, file); ok && !multi && len(l) == 1 {
		inner = l[0]
	}
	args := splitArgs(inner)
	rest := strings.TrimLeft(text[close+1:], " \t")
	if len(args) < 2 {
		lx.c.msg(pos, KindPreprocessor, "%s needs a variable and values", text[:open])
		return true
	}
	vars := []string{strings.TrimSpace(args[0])}
	if v := vars[0]; strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}") {
		vars = nil
		for _, s := range splitArgs(v[1 : len(v)-1]) {
			vars = append(vars, strings.TrimSpace(s))
		}
	}
	set := func(vals []string) {
		for i, v := range vars {
			val := ""
			if i < len(vals) {
				val = strings.TrimSpace(vals[i])
			}
			lx.params[v] = param{lines: []string{val}}
		}
	}
	if lst {
		for _, a := range args[1:] {
			a = strings.TrimSpace(a)
			if strings.HasPrefix(a, "{") && strings.HasSuffix(a, "}") {
				set(splitArgs(a[1 : len(a)-1]))
			} else {
				set([]string{a})
			}
			lx.process(rest, pos, file, depth+1)
		}
		return true
	}
	nums := make([]int64, 0, 3)
	for _, a := range args[1:] {
		a = strings.TrimSpace(a)
		base := 10
		if hex || strings.HasPrefix(a, "0x") {
			base = 16
			a = strings.TrimPrefix(a, "0x")
		}
		v, err := strconv.ParseInt(a, base, 64)
		if err != nil {
			lx.c.msg(pos, KindPreprocessor, "~SEQ value %q is not a number", a)
			return true
		}
		nums = append(nums, v)
	}
	start, step, end := int64(1), int64(1), nums[len(nums)-1]
	switch len(nums) {
	case 2:
		start = nums[0]
	case 3:
		start, step = nums[0], nums[1]
	}
	if step == 0 || len(nums) > 3 {
		lx.c.msg(pos, KindPreprocessor, "~SEQ step 0 or too many values")
		return true
	}
	for v, n := start, 0; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		if n++; n > 100000 {
			break
		}
		s := strconv.FormatInt(v, 10)
		if hex {
			s = strconv.FormatInt(v, 16)
		}
		set([]string{s})
		lx.process(rest, pos, file, depth+1)
	}
	return true
}

func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitArgs splits at commas outside {} and ().
func splitArgs(s string) []string {
	var out []string
	depth, from := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '(':
			depth++
		case '}', ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[from:i])
				from = i + 1
			}
		}
	}
	return append(out, s[from:])
}

// isInclude is keepalived 2.2.7's is_include and check_include: "include",
// or one of includer, includem, includew, includeb, includea, then a blank
// and the pattern, which is the whole rest of the line: "include a.conf
// b.conf" globs "a.conf b.conf" (keepalived -t: "Config files missing
// 'a.conf b.conf'."), quotes and all. "include" alone is a keyword, and an
// unknown one.
func isInclude(t string) (kind byte, pattern string, ok bool) {
	rest, ok := strings.CutPrefix(t, "include")
	if !ok || rest == "" {
		return 0, "", false
	}
	if !isWhite(rest[0]) {
		if len(rest) < 2 || !isWhite(rest[1]) || !strings.ContainsRune("rmwba", rune(rest[0])) {
			return 0, "", false
		}
		kind, rest = rest[0], rest[1:]
	}
	return kind, strings.TrimLeft(rest[1:], " \t"), true
}

// include reads the files the pattern matches, relative to the including
// file's directory. keepalived 2.2.7 -t on a brace pattern: "Config files
// missing 'inc/{y,zz}.conf'." when none of its names is there, "Some config
// files missing: "inc/{a,zz}.conf"." when some are; with includew or
// includea a wildcard that matches nothing is reported too, "No config
// files matched 'inc/x*.conf'.".
func (lx *lexer) include(kind byte, pattern string, pos Pos, from string) {
	if lx.depth >= maxIncludeDepth {
		lx.c.msg(pos, KindInclude, "include %s nested deeper than %d (a file including itself?)", pattern, maxIncludeDepth)
		return
	}
	pat := pattern
	if !path.IsAbs(pat) {
		pat = path.Join(path.Dir(from), pat)
	}
	var matches []string
	missing := false
	for _, p := range braces(pat) {
		m, err := fs.Glob(lx.fsys, fsPath(p))
		if err == nil {
			for _, f := range m {
				matches = append(matches, "/"+f)
			}
		}
		missing = missing || (len(m) == 0 && lx.globMissing(p))
	}
	switch {
	case missing && len(matches) == 0:
		lx.c.msg(pos, KindInclude, "Config files missing '%s'.", pattern)
	case missing:
		lx.c.msg(pos, KindInclude, "Some config files missing: \"%s\".", pattern)
	case len(matches) == 0 && (kind == 'w' || kind == 'a'):
		lx.c.msg(pos, KindInclude, "No config files matched '%s'.", pattern)
	}
	for _, m := range matches {
		lx.depth++
		if err := lx.readFile(m); err != nil {
			lx.c.msg(pos, KindInclude, "include %s: %v", m, err)
		}
		lx.depth--
	}
}

// braces expands {a,b} as glob(3) with GLOB_BRACE does.
// globMissing says whether keepalived reports "Config files missing" for a
// pattern (one brace alternative) that matched nothing. keepalived 2.2.7
// globs with glibc, which returns a name without wildcards unchecked (so
// opening it fails) and reports a directory it cannot open, but is silent
// when a wildcard matches nothing in a directory that exists, or when the
// directories a wildcard names do not exist. keepalived -t:
//
//	include vi/x*.conf      (vi exists)  nothing
//	include nod*/x.conf                  nothing
//	include /tmp1/xx*/x.conf             Config files missing '/tmp1/xx*/x.conf'.
//	include nodir/*.conf                 Config files missing 'nodir/*.conf'.
//	include v*/none.conf                 Config files missing 'v*/none.conf'.
//	include vi/nofile.conf               Config files missing 'vi/nofile.conf'.
func (lx *lexer) globMissing(p string) bool {
	magic := func(s string) bool { return strings.ContainsAny(s, "*?[") }
	if !magic(p) {
		return true
	}
	// The directory glibc opens first: the components before the first
	// one with a wildcard ("include /tmp1/xx*/fred.conf" without /tmp1 is
	// reported).
	elems := strings.Split(p, "/")
	fixed := 0
	for fixed < len(elems) && !magic(elems[fixed]) {
		fixed++
	}
	first := strings.Join(elems[:fixed], "/")
	if first == "" {
		first = "/"
	}
	if st, err := fs.Stat(lx.fsys, fsPath(first)); err != nil || !st.IsDir() {
		return true
	}
	dir, file := path.Split(p)
	if magic(file) {
		return false
	}
	dirs, err := fs.Glob(lx.fsys, fsPath(path.Clean(dir)))
	return err == nil && len(dirs) > 0
}

func braces(p string) []string {
	i := strings.IndexByte(p, '{')
	if i < 0 {
		return []string{p}
	}
	depth := 0
	for j := i; j < len(p); j++ {
		switch p[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				var out []string
				for _, alt := range splitArgs(p[i+1 : j]) {
					out = append(out, braces(p[:i]+alt+p[j+1:])...)
				}
				return out
			}
		}
	}
	return []string{p}
}

// emit splits a line at unquoted braces, as keepalived's read_line does,
// and tokenises each piece: "kw args {" is the line "kw args" then "{".
func (lx *lexer) emit(text string, pos Pos) {
	for text != "" {
		piece, rest := splitBrace(text)
		text = rest
		toks, unmatched := tokens(piece)
		if unmatched {
			lx.c.msg(pos, KindSyntax, "Unmatched quote: '%s'", piece)
		}
		if len(toks) == 0 {
			continue
		}
		if len(lx.out) >= maxLines {
			if !lx.overflow {
				lx.overflow = true
				lx.c.msg(pos, KindPreprocessor, "configuration expands to more than %d lines; reading stopped", maxLines)
			}
			return
		}
		lx.out = append(lx.out, line{toks: toks, pos: pos, text: piece})
	}
}

// splitBrace is read_line's split at the first '{' or '}' outside quotes:
// a line starting with a brace is that brace alone, any other line ends
// before its first brace; the rest is read next. After a quote that is not
// closed, nothing is split.
func splitBrace(s string) (piece, rest string) {
	p := -1
	if s[0] == '{' || s[0] == '}' {
		p = 0
	} else {
		for i := 0; i < len(s); i++ {
			if s[i] == '{' || s[i] == '}' {
				p = i
				break
			}
			if s[i] == '"' {
				e := strings.IndexByte(s[i+1:], '"')
				if e < 0 {
					break
				}
				i += e + 1
			}
		}
	}
	if p < 0 {
		return strings.TrimRight(s, " \t"), ""
	}
	skip := 0
	if p == 0 {
		skip = 1 + len(s[1:]) - len(strings.TrimLeft(s[1:], " \t"))
	}
	return strings.TrimRight(s[:p+skip], " \t"), strings.TrimRight(s[p+skip:], " \t")
}

// decomment is keepalived 2.2.7's decomment() (parser.c): it drops the
// leading blanks, the comment (from an unquoted '!' or '#'), the trailing
// blanks, and the '\' that escapes a comment character outside quotes
// ("\#" is '#', "\!" is '!'); any other '\' keeps the character after it
// ("\\#" is '\\' and a comment). A '\' that ends the line stays, after the
// blanks before it are dropped ("foo \" is "foo\"). A quote opened after
// the comment started does not count. open is the text keepalived prints
// in "Unterminated quote '%s'" when a quote is left open ("" if none).
func decomment(s string) (text, open string) {
	b := []byte(strings.TrimLeft(s, " \t"))
	quote, cont := false, false
	skip := -1
scan:
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			if skip < 0 {
				quote = !quote
			}
		case '\\':
			if i+1 == len(b) {
				b, cont = b[:i], true
				break scan
			}
			if !quote && (b[i+1] == '#' || b[i+1] == '!') {
				b = append(b[:i], b[i+1:]...) // the loop steps over the '#'
			} else {
				i++
			}
		case '!', '#':
			if !quote && skip < 0 {
				skip = i
			}
		}
	}
	if quote {
		open = string(b)
	}
	if skip >= 0 {
		b = b[:skip]
	}
	text = strings.TrimRight(string(b), " \t")
	if cont {
		text += "\\"
	}
	return text, open
}

// decomment is decomment() again on a line a parameter expanded into, as
// keepalived does after replace_param ("$X" with $X=a#b reads as "a").
func (lx *lexer) decomment(s string, pos Pos) string {
	text, open := decomment(s)
	if open != "" {
		lx.c.msg(pos, KindSyntax, "Unterminated quote '%s'", open)
	}
	return text
}

// tokens is keepalived's alloc_strvec_r: it splits a line into words; a
// word starting with a quote runs to the next quote and is kept without
// them, and a quote also ends the word before it. A quote that is never
// closed is reported, "Unmatched quote: '%s'" with the whole line, and the
// words end before it (keepalived -t on `auth_pass "abc`: the keyword
// alone).
func tokens(s string) (out []tok, unmatched bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if isWhite(c) {
			i++
			continue
		}
		if c == '"' {
			e := strings.IndexByte(s[i+1:], '"')
			if e < 0 {
				return out, true
			}
			out = append(out, tok{s: s[i+1 : i+1+e], quoted: true})
			i += e + 2
			continue
		}
		j := i
		for j < len(s) && !isWhite(s[j]) && s[j] != '"' {
			j++
		}
		out = append(out, tok{s: s[i:j]})
		i = j
	}
	return out, false
}

// isWhite is keepalived's WHITE_SPACE_STR, " \t\f\n\r\v".
func isWhite(c byte) bool {
	return c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r' || c == '\v'
}

// quotedEscaped is keepalived 2.2.7's alloc_strvec_quoted_escaped, with
// which it reads a notify script's line again: words split at blanks, 'single'
// and "double" quotes joining what they enclose (a word may be several
// quoted parts), and '\' escapes, inside double quotes too: \" is a quote,
// \n \t \r \f \v \a \b \E (escape) the control characters, \xHH hex, \NNN
// octal, \cX a control character, any other character itself. A quote
// left open is "String '%s': missing terminating %c", which open holds; a
// '\' at the very end makes no words either.
func quotedEscaped(src string) (words []string, open string) {
	s := src
	for {
		s = strings.TrimLeft(s, " \t\f\n\r\v")
		if s == "" {
			return words, ""
		}
		var w []byte
		quote := byte(0)
	word:
		for {
			stops := " \t\f\n\r\v'\"\\"
			if quote != 0 {
				stops = string(quote) + "\\"
			}
			i := strings.IndexAny(s, stops)
			if i < 0 {
				if quote != 0 {
					return nil, sprintf("String '%s': missing terminating %c", src, quote)
				}
				w, s = append(w, s...), ""
				break
			}
			w, s = append(w, s[:i]...), s[i:]
			switch {
			case s[0] == '\\':
				if len(s) == 1 {
					return nil, "" // "Missing escape char at end", logged without a line
				}
				c, n := unescape(s[1:])
				w, s = append(w, c), s[1+n:]
			case quote != 0:
				quote, s = 0, s[1:]
			case s[0] == '"' || s[0] == '\'':
				quote, s = s[0], s[1:]
			default:
				break word
			}
		}
		words = append(words, string(w))
	}
}

// unescape reads the escape after a '\': the character and how many bytes
// it took.
func unescape(s string) (byte, int) {
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
	switch {
	case s[0] == 'x' && len(s) > 1 && isHex(s[1]):
		v, n := byte(0), 1
		for n < len(s) && isHex(s[n]) {
			d := s[n] - '0'
			if s[n] > '9' {
				d = s[n] | 0x20 - 'a' + 10
			}
			v, n = v<<4|d, n+1
		}
		return v, n
	case s[0] == 'c' && len(s) > 1:
		return s[1] & 0x1f, 2
	case s[0] >= '0' && s[0] <= '7':
		v, n := s[0]-'0', 1
		for n < 3 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
			v, n = v<<3+s[n]-'0', n+1
		}
		return v, n
	}
	if c, ok := map[byte]byte{'a': '\a', 'b': '\b', 'E': 0x1b, 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}[s[0]]; ok {
		return c, 1
	}
	return s[0], 1
}
