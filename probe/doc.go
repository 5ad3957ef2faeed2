// Package probe looks at and takes part in VRRP groups on a live link: a
// VRRP router (the speaker) following RFC 5798 section 6 and RFC 3768
// section 6, an arping-style owner lookup for a virtual address, and a
// failover drill.
//
// The decisions are pure: Machine takes events with their time and returns
// actions, so the RFC's timers are tested on exact instants. The speaker runs
// a Machine over a Link (a raw IP socket on Linux, a recording fake in
// tests); its tests run inside testing/synctest, so time there is exact too.
package probe
