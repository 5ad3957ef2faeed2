#!/usr/bin/env bash
# Records what vrrpdoctor reads from a network namespace into a scenario
# directory, as the RecordedRunner and the fs.FS of the unit tests expect:
# command outputs under cmd/ (named by doctor.CommandFile) and the
# per-namespace proc/sys, /proc/net files under the directory itself.
#
#   ip netns exec NS doctor/testdata/hosts/record.sh doctor/testdata/hosts/SCENARIO
#
# It only reads. Add etc/keepalived/keepalived.conf by hand.
set -euo pipefail
dir=$1
mkdir -p "$dir/cmd" "$dir/proc/net"
run() { # name words...
	local f
	f=$(IFS=_; echo "$*" | tr / %)
	if command -v "$1" >/dev/null; then "$@" >"$dir/cmd/$f" 2>/dev/null || true; fi
}
run iptables-legacy-save
run iptables-nft-save
run ip6tables-legacy-save
run ip6tables-nft-save
run nft -j list ruleset
run ip -j -d addr show
run ip -j neigh show
run ss -Hltnu
self=$(readlink /proc/self/ns/net)
for p in /proc/[0-9]*; do
	comm=$(cat "$p/comm" 2>/dev/null) || continue
	case $comm in keepalived | vrrpd) ;; *) continue ;; esac
	[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$self" ] || continue
	mkdir -p "$dir$p"
	echo "$comm" >"$dir$p/comm"
done
command -v keepalived >/dev/null && keepalived --version >"$dir/cmd/keepalived_--version" 2>&1
cp /proc/net/igmp /proc/net/igmp6 "$dir/proc/net/"
for d in /proc/sys/net/ipv4/conf/* /proc/sys/net/ipv6/conf/*; do
	mkdir -p "$dir$d"
	for k in rp_filter arp_ignore arp_announce arp_filter accept_dad; do
		[ -r "$d/$k" ] && cat "$d/$k" >"$dir$d/$k"
	done
done
mkdir -p "$dir/proc/sys/net/ipv4"
cat /proc/sys/net/ipv4/ip_nonlocal_bind >"$dir/proc/sys/net/ipv4/ip_nonlocal_bind"
