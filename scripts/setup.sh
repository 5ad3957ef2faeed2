#!/usr/bin/env bash
# Installs the Debian packages vrrpkit's build and tests need, if missing.
# Idempotent; runs apt-get only when something is absent.
set -euo pipefail
# systemd: systemd-analyze checks the contrib unit; util-linux: setpriv runs vrrpdump as nobody; ucarp: a CARP peer for the lab;
# libcap2-bin, man-db, groff, rpm, file: packaging/ checks the .deb (getcap, man -w), the .rpm (rpm -qpl), the man pages and static binaries.
pkgs=(libpcap-dev keepalived frr tshark tcpdump iptables nftables iproute2 tmux bc neutron-server prometheus systemd util-linux chromium libcap2-bin man-db groff rpm file ucarp)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "setup: installing ${missing[*]}"
	$sudo apt-get update -qq
	# tshark asks whether non-root users may capture; answer no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "setup: Go 1.26 is required (https://go.dev/dl/) and not on PATH" >&2; exit 1; }
