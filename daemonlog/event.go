// Package daemonlog reads the logs of keepalived and FRR's vrrpd — syslog
// files, journalctl exports (-o short-iso, short-iso-precise, json), FRR's
// own log file and keepalived's console log — into events: state
// transitions, complaints about received adverts (priority, interval,
// authentication, version, TTL, addresses, checksum, malformed packets),
// priority-0 releases, script results, reloads, starts and stops. Match
// assigns each log to the router on the wire that wrote it, and Compare
// sets the log against the wire: a transition to MASTER while a better
// master's adverts were on the wire (the node did not hear them), a
// complaint naming a field the wire shows differing, the lag between a
// logged transition and the first advert, a logged MASTER with no advert.
package daemonlog

import (
	"time"
)

// Kind is what a log event says.
type Kind string

// Kinds of events.
const (
	KindTransition Kind = "transition" // the instance changed state (State)
	KindComplaint  Kind = "complaint"  // it discarded or objected to a received advert (Field)
	KindRelease    Kind = "release"    // it sent, or a backup received, priority 0
	KindTimeout    Kind = "timeout"    // a backup's Master_Down timer fired
	KindScript     Kind = "script"     // a track / notify script result
	KindReload     Kind = "reload"     // configuration reload
	KindDaemon     Kind = "daemon"     // daemon start or stop
)

// Event is one line of a daemon's log that matters for VRRP.
type Event struct {
	Time   time.Time `json:"time"`
	Log    string    `json:"log"`    // the log's name
	Daemon string    `json:"daemon"` // keepalived or frr
	// Instance is keepalived's vrrp_instance name, or FRR's "VRID 5 IPv4".
	Instance string `json:"instance,omitempty"`
	// VRID and Family ("ipv4", "ipv6") when the line or the instance's
	// other lines tell them; 0 and "" otherwise.
	VRID   uint8  `json:"vrid,omitempty"`
	Family string `json:"family,omitempty"`
	Kind   Kind   `json:"kind"`
	State  string `json:"state,omitempty"` // transitions: MASTER, BACKUP, FAULT, INIT, STOP
	// Field names what a complaint is about: priority, adver_int,
	// auth_type, auth_data, version, ttl, vips, checksum, type, length,
	// unicast.
	Field string `json:"field,omitempty"`
	// Higher is set for a priority complaint about a better router.
	Higher bool `json:"higher,omitempty"`
	// Peer is the address a complaint names; Mine and Theirs the values it
	// gives (own and received).
	Peer   string   `json:"peer,omitempty"`
	Mine   string   `json:"mine,omitempty"`
	Theirs string   `json:"theirs,omitempty"`
	VIPs   []string `json:"vips,omitempty"` // addresses a GARP / NA line announces
	Text   string   `json:"text"`
	// Router is the address on the wire of the router that wrote the log,
	// once matched.
	Router string `json:"router,omitempty"`
}

// Log is one daemon log read.
type Log struct {
	Name   string // --log NAME, or the file's base name
	Path   string
	Format string // syslog, journal-json, journal-short-iso, frr, keepalived-console
	Events []Event
	// Own are the addresses the log says are its router's (keepalived's
	// "Assigned address"), in order.
	Own []string
	// Router and MatchedBy say whose log this is and how that was found
	// (set by Match).
	Router    string
	MatchedBy string
	// ByFamily is the router per address family when they differ (FRR's
	// IPv6 adverts come from its macvlan's link-local address).
	ByFamily map[string]string
	// Lines and Skipped count the lines read and those that were not
	// keepalived's or FRR's VRRP daemon's.
	Lines, Skipped int
}
