#!/usr/bin/env bash
# Rebuilds the recorded hosts under doctor/testdata/hosts: for each scenario
# a throwaway network namespace "vd-SCENARIO" with eth0 (a veth whose peer,
# peer0, stays in the namespace) at 192.0.2.11/24, the firewall of the
# scenario, then record.sh. The keepalived.conf files, proc/PID/comm and
# cmd/keepalived_--version are written by hand and kept. Root only; touches
# nothing outside the namespaces it creates and deletes.
set -euo pipefail
cd "$(dirname "$0")"
scenario() { # name setup-script
	local ns=vd-$1
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
	trap 'ip netns del '"$ns"' 2>/dev/null || true' RETURN
	ip -n "$ns" link add eth0 type veth peer name peer0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set peer0 up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add 192.0.2.11/24 dev eth0
	ip netns exec "$ns" sh -ec "$2"
	ip netns exec "$ns" ./record.sh "$1"
	if [ -s /tmp/vd-clean.kpid ]; then
		kill "$(cat /tmp/vd-clean.kpid)"
		rm -f /tmp/vd-clean.kpid /tmp/vd-clean.conf /tmp/vd-clean*.pid /tmp/vd-clean.log
	fi
}
# clean: a keepalived master of VRID 51 (the instance of
# clean/etc/keepalived, without its track script) runs while recording.
scenario clean 'printf "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n" >/tmp/vd-clean.conf
keepalived --dont-fork --log-console --vrrp --use-file=/tmp/vd-clean.conf --pid=/tmp/vd-clean.pid --vrrp_pid=/tmp/vd-clean-vrrp.pid >/tmp/vd-clean.log 2>&1 &
echo $! >/tmp/vd-clean.kpid
sleep 5
nft -f - <<EOT
table inet filter {
  chain input { type filter hook input priority 0; policy drop;
    ct state established,related accept
    iifname "lo" accept
    ip protocol vrrp ip daddr 224.0.0.18 accept
    meta l4proto 112 ip saddr 192.0.2.12 accept
  }
  chain output { type filter hook output priority 0; policy drop;
    oifname "eth0" ip protocol vrrp accept
    oifname "lo" accept
  }
}
EOT'
scenario keepalived-lint 'true'
scenario vmac-rp-filter 'sysctl -qw net.ipv4.conf.all.rp_filter=1'
scenario iptables-legacy-input-drop '
iptables-legacy -A INPUT -p vrrp -j DROP
iptables-legacy -A INPUT -i eth0 -p vrrp -d 224.0.0.18 -j ACCEPT'
scenario iptables-output-drop '
iptables-nft -P INPUT DROP
iptables-nft -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables-nft -A INPUT -i lo -j ACCEPT
iptables-nft -A INPUT -p tcp --dport 22 -j ACCEPT
iptables-nft -N VRRP
iptables-nft -A INPUT -i eth0 -j VRRP
iptables-nft -A VRRP -p vrrp -d 224.0.0.18 -j ACCEPT
iptables-nft -A OUTPUT -o eth0 -p 112 -m comment --comment "block vrrp" -j DROP'
scenario nft-input-drop 'nft -f - <<EOT
table inet filter {
  chain input { type filter hook input priority 0; policy drop;
    ct state established,related accept
    iifname "lo" accept
    tcp dport 22 accept
    meta l4proto { icmp, ipv6-icmp } accept
  }
  chain output { type filter hook output priority 0; policy accept; }
}
EOT'
