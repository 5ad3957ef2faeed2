#!/bin/sh
# vrrpkit post-install: file capabilities, so that no command needs root.
#   vrrpdump    CAP_NET_RAW: live capture (AF_PACKET, promiscuous mode)
#   vrrpdoctor  CAP_NET_RAW (--listen) and CAP_NET_ADMIN (reading nftables,
#               iptables and netlink state; it changes nothing)
#   vrrpprobe   CAP_NET_RAW: owner lookups and listening. Not CAP_NET_ADMIN:
#               speak and failover install VIPs and take over groups, which
#               stays with root (sudo), not every local user.
set -e
if command -v setcap >/dev/null 2>&1; then
	setcap cap_net_raw=ep /usr/bin/vrrpdump
	setcap cap_net_raw,cap_net_admin=ep /usr/bin/vrrpdoctor
	setcap cap_net_raw=ep /usr/bin/vrrpprobe
else
	echo "vrrpkit: setcap not found: live capture needs root (or: setcap cap_net_raw=ep /usr/bin/vrrpdump)" >&2
fi
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
