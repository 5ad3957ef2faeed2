// Package report writes vrrpdump's HTML report: one self-contained file (no
// external scripts, fonts or styles) with a summary, the findings with cause
// and fix, and per group an SVG timeline (a lane per router: adverts,
// master periods, priority changes and priority-0 releases, split-brain
// windows, failover gaps against the interval the protocol allows, GARPs
// and NAs for the virtual addresses, capture gaps, the daemons' log events)
// and the routers table.
//
// A Recorder is another consumer of the stream vrrpdump reads: it is fed the
// same decoded frames as the tracker (Frame) and the findings as the tracker
// raises them (Finding); Write draws the report from what it kept and the
// tracker's final snapshot. Its memory is bounded (see MaxSamples).
package report
