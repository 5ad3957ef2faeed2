package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// output prints a command's events from several goroutines. As text, events
// and log lines go to stdout as timestamped lines. With --json, stdout
// carries only JSON: each event is one NDJSON object ({"time", "event",
// "message", fields...}), and log lines go to stderr as text.
type output struct {
	mu     sync.Mutex
	stdout io.Writer
	stderr io.Writer
	json   bool
	err    error // the first write error
}

func newOutput(stdout, stderr io.Writer, asJSON bool) *output {
	return &output{stdout: stdout, stderr: stderr, json: asJSON}
}

// event reports something the command did or saw: kind names it in JSON,
// msg says it in words; fields (may be nil) go into the JSON object.
func (o *output) event(kind, msg string, fields map[string]any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	if !o.json {
		o.check(fmt.Fprintf(o.stdout, "%s %s\n", now.Format("15:04:05.000000"), msg))
		return
	}
	m := map[string]any{"time": now.UTC(), "event": kind, "message": msg}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		o.setErr(err)
		return
	}
	o.check(o.stdout.Write(append(b, '\n')))
}

// printf is a log line: stdout as text, stderr with --json.
func (o *output) printf(format string, a ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	w := o.stdout
	if o.json {
		w = o.stderr
	}
	o.check(fmt.Fprintf(w, "%s %s\n", time.Now().Format("15:04:05.000000"), fmt.Sprintf(format, a...)))
}

// result writes the final JSON object (indented), or text as it is.
func (o *output) result(text string, v any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.json {
		o.check(io.WriteString(o.stdout, text))
		return
	}
	enc := json.NewEncoder(o.stdout)
	enc.SetIndent("", "  ")
	o.setErr(enc.Encode(v))
}

func (o *output) check(_ int, err error) { o.setErr(err) }

func (o *output) setErr(err error) {
	if err != nil && o.err == nil {
		o.err = fmt.Errorf("writing output: %w", err)
	}
}

// Err returns the first write error.
func (o *output) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}
