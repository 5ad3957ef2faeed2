// Package tui is vrrpdump's live screen: every VRRP group (and every CARP
// group, as a row of its own) on the wire at a glance, a detail view per
// group with a timeline of adverts, and the tracker's findings with their
// fixes.
//
// The screen never decodes packets. It reads the tracker's snapshots when
// the capture says something changed (feed.Feed.Updates), at most a few
// times a second, so a busy wire costs the capture nothing but the copy.
package tui
