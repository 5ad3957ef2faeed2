// Package metrics exports what vrrpdump sees as Prometheus metrics
// (vrrpdump -i IFACE --metrics ADDR): per VRRP group the routers
// advertising as master, the master's address and priority, adverts and
// intervals per router, master changes and the findings active now; the
// same for CARP groups as vrrp_carp_* (advskew and demote for priority);
// and the capture's own health.
//
// Everything is computed at scrape time from the tracker's snapshot and
// findings (track.Tracker.Snapshot, Findings) and the capture's counters
// (feed.Feed.Health): the capture path does no work for the exporter.
// Every metric, its labels and its cardinality are listed in
// contrib/prometheus/README.md, with alerting rules, a Grafana dashboard
// and a systemd unit; a test keeps that list and the code in step.
package metrics
