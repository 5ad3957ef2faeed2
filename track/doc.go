// Package track follows VRRP groups on a link and raises findings about them:
// who is master, who else advertises, how regularly, with which settings, and
// what is wrong (split brain, master down, failover, mismatched
// configurations, missing gratuitous ARPs, ...).
//
// A group is (link, VLAN, address family, VRID): IPv4 VRID 5 and IPv6 VRID 5
// are independent virtual routers (RFC 5798 section 5.2.3). Timing follows
// RFC 3768 section 6.1 (VRRPv2) and RFC 5798 section 6.1 (VRRPv3):
// Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time.
//
// The Tracker runs on packet timestamps only: Read feeds it a capture (a
// file or an interface, through decode/capture) and Observe one decoded
// frame, each with its capture time; Tick advances time on a quiet live
// wire and End closes a file. Reading a capture and watching live give the
// same findings, and tests drive it with an injected clock.
//
// Every finding is one entry of the catalog (catalog.go): id, severity,
// kind (a state that holds for a while, or an event), how long it counts as
// active (Active), what it means and the fix. FINDINGS.md is generated from
// it.
package track
