// Package lab builds a throwaway layer-2 test lab of real VRRP speakers
// (keepalived 2.x, FRR vrrpd) inside Linux network namespaces.
//
// A lab is one Ethernet segment: a bridge namespace vk-<name>-br holding
// the Linux bridge br0, and host namespaces vk-<name>-h<i>, each with an
// eth0 veth-connected to br0 (port vh<i>). Host i (1-based) has MAC
// 02:00:00:00:01:<i in hex>, 192.0.2.(10+i)/24 and 2001:db8:1::(10+i)/64,
// DAD and router advertisements off; VIPs from 192.0.2.100 and
// 2001:db8:1::100 up are free while the lab has fewer than 90 hosts.
// Nothing in the root namespace is created, changed or routed to. A lab is
// torn down by t.Cleanup, by Lab.Close, or on SIGINT/SIGTERM; a lab name is
// held by a lock, and a new lab removes what a killed one of the same name
// left behind.
//
// A test states what it needs; Require skips without it, but fails when
// the environment variable CI is set:
//
//	lab.Require(t, lab.NeedKeepalived, lab.NeedTcpdump)
//	l := lab.New(t, lab.Config{Hosts: 2})
//	vip := netip.MustParsePrefix("192.0.2.100/24")
//	k1 := l.Host(1).StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{VRID: 51, Priority: 150, VIPs: []netip.Prefix{vip}}))
//	k2 := l.Host(2).StartKeepalived(t, lab.KeepalivedConf(lab.VRRPInstance{VRID: 51, Priority: 100, VIPs: []netip.Prefix{vip}}))
//	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
//	defer cancel()
//	if _, err := k1.WaitLog(ctx, lab.KeepalivedMaster); err != nil {
//		t.Fatal(err)
//	}
//	out, err := l.Bridge().Run(ctx, "tcpdump", "-i", l.BridgeIface(), "-c", "3", "-nn", "vrrp")
//	k1.Kill() // crash: k2 takes over after the master-down interval
//
// To capture in Go (pcap, raw sockets), open the handle inside Do on the
// bridge namespace; it stays there afterwards. A capture on br0 sees every
// frame of the segment. Hosts given a VLAN (Config.VLAN) send 802.1Q-tagged
// frames through br0 unchanged, so the same capture shows their tags; use a
// filter such as "vlan 10 and vrrp" for them.
//
// Everything here is Linux-only; on other systems the package is empty.
package lab
