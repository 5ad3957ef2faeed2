package daemonlog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Options tell Read what a log does not say itself.
type Options struct {
	// Location of time stamps without a zone (syslog, keepalived's
	// console, FRR's log file); default time.Local.
	Location *time.Location
	// Year of syslog time stamps, which have none; default the current
	// year (vrrpdump passes the capture's).
	Year int
}

// ReadFile reads a log file; name is what the report calls it ("" for the
// file's base name).
func ReadFile(path, name string, o Options) (*Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--log %s: %w", path, err)
	}
	defer f.Close()
	if name == "" {
		name = filepath.Base(path)
	}
	l, err := Read(f, name, o)
	if err != nil {
		return nil, fmt.Errorf("--log %s: %w", path, err)
	}
	l.Path = path
	return l, nil
}

// ErrNoEvents is wrapped by Read's error when no line was a keepalived or
// FRR vrrpd line in a format it knows.
var ErrNoEvents = fmt.Errorf("no keepalived or FRR vrrpd lines (expected syslog, journalctl -o short-iso or -o json, FRR's log file or keepalived's console log)")

// Read reads one daemon's log from r.
func Read(r io.Reader, name string, o Options) (*Log, error) {
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Year == 0 {
		o.Year = time.Now().Year()
	}
	l := &Log{Name: name}
	p := parser{log: l, opts: o, inst: map[string]*instance{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	formats := map[string]int{}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "-- ") {
			continue
		}
		l.Lines++
		rec, format, ok := p.split(line)
		if !ok {
			l.Skipped++
			continue
		}
		formats[format]++
		if !p.take(rec) {
			l.Skipped++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	best := 0
	for f, n := range formats {
		if n > best || n == best && f < l.Format {
			l.Format, best = f, n
		}
	}
	p.finish()
	if len(l.Events) == 0 && len(l.Own) == 0 {
		return l, fmt.Errorf("%w in %d lines", ErrNoEvents, l.Lines)
	}
	return l, nil
}

// record is one log line split into its parts.
type record struct {
	t     time.Time
	ident string // syslog identifier: Keepalived_vrrp, vrrpd, VRRP, ...
	msg   string
}

var (
	// 2026-11-22T02:40:29+0000 h1 Keepalived_vrrp[31937]: msg (journalctl -o short-iso[-precise], rsyslog RFC 3339)
	reISO = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d) \S+ ([^\s:\[]+)(?:\[\d+\])?: ?(.*)$`)
	// Nov 22 02:40:29 h1 Keepalived_vrrp[31937]: msg (syslog, journalctl -o short)
	reBSD = regexp.MustCompile(`^([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?) \S+ ([^\s:\[]+)(?:\[\d+\])?: ?(.*)$`)
	// Sun Nov 22 02:40:29 2026: msg (keepalived --log-console)
	reKConsole = regexp.MustCompile(`^[A-Z][a-z]{2} ([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}): (.*)$`)
	// 2026/11/22 02:44:30 VRRP: msg (FRR's log file; .123456 with "log timestamp precision")
	reFRR = regexp.MustCompile(`^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)?) ([A-Z0-9_]+): (.*)$`)
)

func (p *parser) split(line string) (record, string, bool) {
	loc := p.opts.Location
	if line[0] == '{' {
		return p.splitJSON(line)
	}
	if m := reISO.FindStringSubmatch(line); m != nil {
		zone := m[2]
		if zone != "Z" && !strings.Contains(zone, ":") {
			zone = zone[:3] + ":" + zone[3:]
		}
		t, err := time.Parse(time.RFC3339Nano, m[1]+zone)
		if err != nil {
			return record{}, "", false
		}
		return record{t, m[3], m[4]}, "journal-short-iso", true
	}
	if m := reKConsole.FindStringSubmatch(line); m != nil {
		t, err := time.ParseInLocation("Jan _2 15:04:05 2006", m[1], loc)
		if err != nil {
			return record{}, "", false
		}
		return record{t, "Keepalived", m[2]}, "keepalived-console", true
	}
	if m := reFRR.FindStringSubmatch(line); m != nil {
		t, err := time.ParseInLocation("2006/01/02 15:04:05.999999999", m[1], loc)
		if err != nil {
			return record{}, "", false
		}
		return record{t, m[2], m[3]}, "frr", true
	}
	if m := reBSD.FindStringSubmatch(line); m != nil {
		t, err := time.ParseInLocation("Jan _2 15:04:05.999999999 2006", m[1]+" "+strconv.Itoa(p.opts.Year), loc)
		if err != nil {
			return record{}, "", false
		}
		return record{t, m[2], m[3]}, "syslog", true
	}
	return record{}, "", false
}

// splitJSON reads a journalctl -o json record.
func (p *parser) splitJSON(line string) (record, string, bool) {
	var j map[string]any
	if err := json.Unmarshal([]byte(line), &j); err != nil {
		return record{}, "", false
	}
	us, err := strconv.ParseInt(str(j["__REALTIME_TIMESTAMP"]), 10, 64)
	if err != nil {
		return record{}, "", false
	}
	ident := str(j["SYSLOG_IDENTIFIER"])
	if ident == "" {
		ident = str(j["_COMM"])
	}
	msg := str(j["MESSAGE"])
	if arr, ok := j["MESSAGE"].([]any); ok { // journald's form of a message that is not UTF-8
		b := make([]byte, 0, len(arr))
		for _, v := range arr {
			if f, ok := v.(float64); ok {
				b = append(b, byte(f))
			}
		}
		msg = string(b)
	}
	return record{time.UnixMicro(us).UTC(), ident, msg}, "journal-json", true
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
