package path_test

import (
	"net"
	"net/netip"
	"os"

	"github.com/vrrpkit/vrrpkit/probe/path"
)

// Judge names what a segment did to the test frames: here the frames from
// the virtual MAC did not arrive, as behind port security.
func ExampleJudge() {
	mac := net.HardwareAddr{0x02, 0, 0, 0, 0x01, 0x01}
	plan := path.PlanConfig{VRID: 250, Count: 1, MAC: mac, IPv4: &path.Endpoint{
		Primary:    netip.MustParseAddr("192.0.2.11"),
		UnicastSrc: netip.MustParseAddr("192.0.2.11"),
		Peer:       netip.MustParseAddr("192.0.2.12"),
	}}
	frames, _ := path.Plan(plan)
	sent := &path.SendLog{VRID: 250, MAC: mac.String(), Sends: plan.Sends()}
	heard := &path.ListenLog{VRID: 250, Sends: plan.Sends()}
	for _, f := range frames {
		sent.Frames = append(sent.Frames, path.Sent{ID: f.ID, Src: f.Src, Dst: f.Dst, SrcMAC: f.SrcMAC.String()})
		if f.Kind == path.KindGroupVMAC || f.Kind == path.KindProbe {
			continue // dropped on the way
		}
		heard.Heard = append(heard.Heard, path.Heard{ID: f.ID, Wire: 1, Socket: 1, TTL: 255, SocketTTL: 255,
			SrcMAC: f.SrcMAC.String(), Src: f.Src})
	}
	v := path.Judge("A", "B", sent, heard)
	_ = path.WriteVerdict(os.Stdout, v)
	// Output:
	// A -> B (test vrid 250)
	//   FAMILY  FRAME       SENT  LEFT  WIRE  SOCKET  TTL  SOURCE MAC AS RECEIVED  RESULT
	//   ipv4    group       1     -     1     1       255  02:00:00:00:01:01       pass
	//   ipv4    group-vmac  1     -     0     0       -    -                       dropped
	//   ipv4    unicast     1     -     1     1       255  02:00:00:00:01:01       pass
	//   ipv4    arp-probe   1     -     0     -       -    -                       dropped
	//   ipv4    v2          1     -     1     1       255  02:00:00:00:01:01       pass
	//   ! vmac-dropped: adverts and ARP probes from the virtual MAC 00:00:5e:00:01:fa are dropped on the way from A to B, while adverts from the interface's own MAC pass
	//       cause: port security (OpenStack Neutron), a hypervisor's forged-transmit / MAC-spoofing filter (VMware, Hyper-V), or a switch's port-security MAC limit drops frames whose source is not the port's own MAC
	//       fix:   keepalived: use_vmac with vmac_xmit_base (adverts from the interface's MAC), or add the virtual MAC and VIPs to the port's allowed_address_pairs, or allow MAC changes / forged transmits on the virtual switch
}
