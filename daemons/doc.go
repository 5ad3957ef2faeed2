// Package daemons reads the runtime state of the VRRP daemons on this host,
// read-only: keepalived's own dumps (JSON, data and statistics) and FRR
// vrrpd's "show vrrp json" with the state of its macvlan interfaces.
//
// keepalived writes its state only when asked by a signal: SIGFUNC JSON
// writes /tmp/keepalived.json, DATA /tmp/keepalived.data and STATS
// /tmp/keepalived.stats (keepalived(8), SIGNALS), in the daemon's own /tmp,
// which under systemd's PrivateTmp is not the host's: the files are read
// through /proc/PID/root/tmp. Those three files are the only side effect of
// ReadKeepalived: keepalived overwrites them and changes nothing else (no
// state transition, no reload, the counters are not cleared: STATS_CLEAR is
// never sent). With Options.Signal nil nothing is sent and whatever dumps
// already exist are read, with their age. Options.Lock serializes readers of
// keepalived processes that share one /tmp (an advisory flock on the
// directory: nothing is written).
package daemons
