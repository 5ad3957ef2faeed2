package path

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// packetWire is an AF_PACKET socket bound to one interface, in the Go
// runtime's poller so Close ends a blocked read.
type packetWire struct {
	f     *os.File
	index int
}

// OpenWire opens a packet socket on ifi that sees every frame reaching or
// leaving it. With joinDAD it also joins the link-layer group of the DAD
// probes (SolicitedNodeMAC), so a NIC that filters multicast passes them;
// the membership goes away with the socket. It needs CAP_NET_RAW.
func OpenWire(ifi *net.Interface, joinDAD bool) (Wire, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("opening a packet socket on %s (needs cap_net_raw): %w", ifi.Name, err)
	}
	fail := func(what string, err error) (Wire, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("packet socket on %s: %s: %w", ifi.Name, what, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		return fail("bind", err)
	}
	if joinDAD {
		mr := &unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_MULTICAST, Alen: 6}
		copy(mr.Address[:], SolicitedNodeMAC())
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, mr); err != nil {
			return fail("join "+SolicitedNodeMAC().String(), err)
		}
	}
	return &packetWire{f: os.NewFile(uintptr(fd), "packet:"+ifi.Name), index: ifi.Index}, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (w *packetWire) ReadFrame(buf []byte) (int, bool, error) {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return 0, false, err
	}
	var (
		n    int
		from unix.Sockaddr
		rerr error
	)
	err = rc.Read(func(fd uintptr) bool {
		n, from, rerr = unix.Recvfrom(int(fd), buf, 0)
		return !errors.Is(rerr, unix.EAGAIN)
	})
	if err != nil {
		return 0, false, err
	}
	if rerr != nil {
		return 0, false, rerr
	}
	ll, _ := from.(*unix.SockaddrLinklayer)
	return n, ll != nil && ll.Pkttype == unix.PACKET_OUTGOING, nil
}

func (w *packetWire) WriteFrame(frame []byte) error {
	if len(frame) < 14 {
		return fmt.Errorf("frame of %d bytes has no Ethernet header", len(frame))
	}
	// The frame's own EtherType as the protocol, so the driver treats it as
	// the kernel would its own (offloads, qdisc classification).
	to := &unix.SockaddrLinklayer{Ifindex: w.index, Protocol: uint16(frame[12]) | uint16(frame[13])<<8, Halen: 6}
	copy(to.Addr[:], frame[:6])
	rc, err := w.f.SyscallConn()
	if err != nil {
		return err
	}
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		werr = unix.Sendto(int(fd), frame, 0, to)
		return !errors.Is(werr, unix.EAGAIN)
	})
	if err != nil {
		return err
	}
	return werr
}

func (w *packetWire) Close() error { return w.f.Close() }
