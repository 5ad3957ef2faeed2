// Package path tests whether the frames VRRP needs get from one node to the
// other: "vrrpprobe path". A sender emits a labelled sequence of test frames
// (Plan); a listener on the peer records each one twice, on a packet socket
// (what reached the interface) and on a raw IP socket of protocol 112 joined
// to 224.0.0.18 / ff02::12 (what a VRRP daemon would receive, after the
// host's firewall); Judge turns what was sent and what arrived into a
// verdict with cause and fix for each pattern of loss.
//
// The test frames are harmless by construction:
//
//   - The adverts use a VRID nobody on the link uses: the sender listens for
//     a few advert intervals first (PickVRID) and refuses when it cannot
//     find one, and stops when a router advertises it during the run. RFC 5798 7.1 (RFC 3768 7.1) has a router discard an advert
//     for a VRID it does not run, so no router changes state; they carry
//     priority 1, the lowest a backup can have, so even a router of that
//     VRID would not yield to them.
//   - The addresses in an advert are documentation addresses (RFC 5737,
//     RFC 3849) that carry the frame's id; no router installs them.
//   - The frames from the virtual MAC use the MAC of that unused VRID, which
//     no router owns, so a switch that learns it moves nobody's traffic.
//   - The ARP probe has sender address 0.0.0.0 (RFC 5227 2.1.1), so no
//     neighbour cache learns from it; its target is a documentation
//     address nobody answers for.
//   - The IPv6 neighbour solicitation is a DAD probe from :: (RFC 4862
//     5.4.2): RFC 4861 7.2.3 forbids creating a neighbour entry from it, and
//     its target is a documentation address nobody holds.
//
// A run sends a few frames per second and installs nothing on the host:
// the packet sockets join only the one link-layer group of the DAD probe,
// and everything goes away when the sockets close.
package path
