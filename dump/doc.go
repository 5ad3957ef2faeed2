// Package dump is vrrpdump without its main: flags, the capture loop, the
// tracker, and the three text outputs (tcpdump-like lines, NDJSON, summary).
// The TUI lives in package tui; cmd/vrrpdump wires it in through Options.
package dump
