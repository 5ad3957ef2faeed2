// Package dump is vrrpdump without its main: the command line (as
// internal/cli defines it), the capture loop feeding the tracker
// (track.Tracker.Read), and the text outputs (tcpdump-like lines, NDJSON,
// summary, HTML report). The screen (tui), the exporter (metrics) and live
// capture (decode/capture/live, cgo) plug in through Env from cmd/vrrpdump,
// so this package builds without cgo; they read the capture through
// internal/feed.
package dump
