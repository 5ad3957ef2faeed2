// Package probe looks at and takes part in VRRP groups on a live link: a
// VRRP router (the speaker) following RFC 5798 section 6 and RFC 3768
// section 6, an arping-style owner lookup for a virtual address, and a
// failover drill.
//
// The decisions are pure: Machine takes events with their time and returns
// actions, so the RFC's timers are tested on exact instants. The speaker runs
// a Machine over a Link (a raw IP socket on Linux, a recording fake in
// tests); its tests run inside testing/synctest, so time there is exact too.
//
// Safety: PlanJoin takes the group's version, interval, VIPs, password and
// checksum flavour from what was heard before speaking and refuses what
// contradicts them; a running speaker stops at an advert of its VRID it
// would have to discard for a mismatch. A StateFile records each change to
// the host before it is made, so that Clean can undo what a killed speaker
// left. The drill's verdict (AnalyzeDrill) is a list of Expectations, each
// checked against the timeline and the track package's findings over the
// drill window.
package probe
