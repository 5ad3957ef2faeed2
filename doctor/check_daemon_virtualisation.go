package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

var checkDaemonVirtualisation = Check{
	ID:   "daemon-virtualisation",
	Area: AreaDaemon,
	Doc: `Detects the hypervisor or container this host runs in (systemd-detect-virt, then the
DMI strings in /sys/class/dmi/id) and, when a VRRP daemon or keepalived.conf is present,
names the setting of the virtual switch that VRRP needs, as a warning to check: the
doctor cannot see the hypervisor, so this is never a finding of fact. VMware port
groups must accept forged transmits, MAC address changes and promiscuous mode for
use_vmac; Hyper-V needs MAC address spoofing on the adapter; Linux bridges (KVM,
Proxmox, libvirt) prune 224.0.0.18 with multicast snooping and no querier; VirtualBox
needs promiscuous mode "Allow All"; clouds drop multicast and VIP moves (use unicast and
the cloud's API). Fix: the exact knob printed for the platform.`,
	Run: func(ctx context.Context, env *Env) []Result {
		virt, ev := detectVirt(ctx, env)
		_, confErr := env.Keepalived()
		running := len(env.Daemons(ctx)) > 0
		if virt == "" {
			return []Result{{Status: Skip, Message: "could not tell whether this host is virtual (no systemd-detect-virt, no DMI)", Evidence: ev}}
		}
		if virt == "none" {
			return []Result{{Status: Pass, Message: "not virtualised", Evidence: ev}}
		}
		knob, ok := virtKnobs[virt]
		if !ok {
			knob = virtKnobs["kvm"]
		}
		if !running && confErr != nil {
			return []Result{{Status: Pass, Message: "virtualised (" + virt + "), no VRRP daemon or keepalived.conf here", Evidence: ev}}
		}
		vmac := false
		if c, err := env.Keepalived(); err == nil {
			for _, in := range c.Instances {
				vmac = vmac || in.UseVMAC
			}
		}
		if vmac {
			ev = append(ev, "keepalived.conf uses use_vmac (the virtual MAC 00:00:5e:00:01:VRID is sent from this VM)")
		}
		return []Result{{Status: Warn, Subject: virt,
			Message:  fmt.Sprintf("runs under %s: check %s", knob.name, knob.what),
			Evidence: ev, Fix: knob.fix}}
	},
}

type virtKnob struct{ name, what, fix string }

var virtKnobs = map[string]virtKnob{
	"vmware": {"VMware", "the port group's security settings",
		"vSphere: port group (or distributed port group) of this VM's NIC > Security: Promiscuous mode, MAC address changes and Forged transmits = Accept (MAC changes and forged transmits are needed for use_vmac; promiscuous mode or the MAC learning policy for the VIP's traffic)"},
	"microsoft": {"Hyper-V (or Azure)", "MAC address spoofing on the VM's adapter",
		"Hyper-V: Set-VMNetworkAdapter -VMName VM -MacAddressSpoofing On (Hyper-V Manager: Network Adapter > Advanced Features > Enable MAC address spoofing); on Azure multicast and VIP moves are dropped: use unicast_peer and move the VIP with the Azure API from a notify script"},
	"kvm": {"KVM/QEMU (Proxmox, libvirt)", "the host bridge's multicast snooping",
		"on the hypervisor: cat /sys/class/net/BRIDGE/bridge/multicast_snooping; with 1 and no querier, 224.0.0.18 is pruned: echo 1 > /sys/class/net/BRIDGE/bridge/multicast_querier (or multicast_snooping 0); Proxmox firewall: allow protocol 112 (vrrp) on the VM's NIC; libvirt with use_vmac: trustGuestRxFilters='yes' on the interface"},
	"qemu":   {"QEMU", "the host bridge's multicast snooping", "on the hypervisor: echo 1 > /sys/class/net/BRIDGE/bridge/multicast_querier (or multicast_snooping 0)"},
	"xen":    {"Xen", "the host bridge's multicast snooping", "in dom0: echo 1 > /sys/class/net/BRIDGE/bridge/multicast_querier (or multicast_snooping 0); with use_vmac, the vif's MAC filtering (vif-bridge) must allow the virtual MAC"},
	"oracle": {"VirtualBox", "the adapter's promiscuous mode", "VirtualBox: Settings > Network > Adapter > Advanced > Promiscuous Mode: Allow All (VBoxManage modifyvm VM --nicpromisc1 allow-all)"},
	"amazon": {"AWS EC2", "that VRRP is unicast and the VIP is moved by the API",
		"EC2 drops multicast and gratuitous ARP moves: use unicast_peer, disable Source/Dest check on the ENI, and move the VIP (secondary private IP / Elastic IP) with aws ec2 assign-private-ip-addresses --allow-reassignment from notify_master"},
	"google": {"Google Compute Engine", "that VRRP is unicast and the VIP is moved by the API",
		"GCE drops multicast: use unicast_peer and move the VIP (alias IP range or route) with gcloud from notify_master"},
	"docker": {"a Docker container", "the container's capabilities and network",
		"docker run --cap-add NET_ADMIN --cap-add NET_BROADCAST --cap-add NET_RAW --net host (or a macvlan network that passes 224.0.0.18)"},
	"podman":         {"a Podman container", "the container's capabilities and network", "podman run --cap-add NET_ADMIN,NET_BROADCAST,NET_RAW --network host"},
	"lxc":            {"an LXC container", "the container's capabilities and the host bridge", "lxc.cap.keep must include net_admin and net_raw; on the host: echo 1 > /sys/class/net/BRIDGE/bridge/multicast_querier"},
	"systemd-nspawn": {"a systemd-nspawn container", "the container's capabilities", "systemd-nspawn --capability=CAP_NET_ADMIN,CAP_NET_RAW, with --network-veth on a bridge that passes 224.0.0.18"},
}

// detectVirt returns systemd-detect-virt's word ("none", "kvm", ...), or
// one inferred from DMI, with the evidence.
func detectVirt(ctx context.Context, env *Env) (string, []string) {
	var ev []string
	b, err := env.output(ctx, "systemd-detect-virt")
	word := strings.TrimSpace(string(b))
	// systemd-detect-virt exits 1 when it prints "none".
	var ce *CommandError
	if word != "" && (err == nil || errors.As(err, &ce) && !errors.Is(err, ErrCommandNotFound)) {
		ev = append(ev, "systemd-detect-virt: "+word)
	} else {
		word = ""
	}
	var dmi []string
	for _, f := range []string{"sys_vendor", "product_name"} {
		if b, err := fs.ReadFile(env.FS, "sys/class/dmi/id/"+f); err == nil {
			dmi = append(dmi, strings.TrimSpace(string(b)))
		}
	}
	if len(dmi) > 0 {
		ev = append(ev, "DMI: "+strings.Join(dmi, ", "))
	}
	if word != "" {
		return word, ev
	}
	d := strings.ToLower(strings.Join(dmi, " "))
	for _, m := range []struct{ sub, virt string }{
		{"vmware", "vmware"}, {"microsoft", "microsoft"}, {"qemu", "kvm"}, {"kvm", "kvm"},
		{"xen", "xen"}, {"virtualbox", "oracle"}, {"amazon", "amazon"}, {"google", "google"},
	} {
		if strings.Contains(d, m.sub) {
			return m.virt, append(ev, "inferred from DMI (no systemd-detect-virt)")
		}
	}
	if len(dmi) > 0 {
		return "none", append(ev, "DMI names no hypervisor")
	}
	return "", ev
}
