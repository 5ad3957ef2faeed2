package afpacket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Ring geometry: 128 blocks of 256 KiB (32 MiB, as libpcap's default
// buffer here). A block is handed over when full or after blockTimeout;
// at 50,000 frames/s a block holds about 10 ms of frames, so the ring
// absorbs a reader stalled for over a second.
const (
	defaultBlockSize = 256 << 10
	frameSize        = 2048 // TPACKET_V3 ignores it but for the ring's sizing rules
	blockTimeout     = 10   // ms
	arphrdEther      = 1
	arphrdLoopback   = 772
	ethPAll          = 0x0003
	tpacketV3HdrLen  = 48 // TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
	sllLen           = 16 // Linux cooked v1 header
)

// Handle is an AF_PACKET socket with a TPACKET_V3 receive ring.
type Handle struct {
	fd      int
	ring    []byte
	bsize   int
	nblocks int
	name    string
	ifindex int
	cooked  bool // SOCK_DGRAM: frames start at the network header; Linux cooked headers are made
	timeout int  // poll timeout in ms

	blk     int // block being read, or -1
	next    int // block to read next
	left    int // frames left in blk
	off     int // offset of the next frame in blk
	scratch []byte

	stats Stats
	ifrx0 int64 // the interface's rx_dropped when opened (-1: unknown)
}

// Open starts capturing on iface ("any": every interface, as Linux
// cooked frames). The filter is attached before the socket is bound to
// the interface, so no frame the filter rejects is ever read.
func Open(iface string, o Options) (*Handle, error) {
	o.defaults()
	any := iface == "any"
	h := &Handle{fd: -1, name: iface, blk: -1, timeout: int(o.Timeout / time.Millisecond), ifrx0: -1}
	if h.timeout <= 0 {
		h.timeout = 1
	}
	// A socket of protocol 0 receives nothing until bound.
	probe, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, h.wrap("open a packet socket", err)
	}
	if !any {
		ifr, err := unix.NewIfreq(iface)
		if err != nil {
			unix.Close(probe)
			return nil, h.wrap("interface name", err)
		}
		if err := unix.IoctlIfreq(probe, unix.SIOCGIFINDEX, ifr); err != nil {
			unix.Close(probe)
			return nil, h.wrap("find the interface", err)
		}
		h.ifindex = int(ifr.Uint32())
		if err := unix.IoctlIfreq(probe, unix.SIOCGIFHWADDR, ifr); err != nil {
			unix.Close(probe)
			return nil, h.wrap("read the interface's hardware type", err)
		}
		if hw := ifr.Uint16(); hw != arphrdEther && hw != arphrdLoopback {
			h.cooked = true
		}
	} else {
		h.cooked = true
	}
	if h.cooked {
		unix.Close(probe)
		if probe, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
			return nil, h.wrap("open a packet socket", err)
		}
	}
	h.fd = probe
	if err := h.setup(o); err != nil {
		h.Close()
		return nil, err
	}
	h.ifrx0 = h.ifRxDropped()
	return h, nil
}

func (h *Handle) setup(o Options) error {
	if err := unix.SetsockoptInt(h.fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return h.wrap("select TPACKET_V3 (Linux 3.2 or later)", err)
	}
	h.bsize = defaultBlockSize
	h.nblocks = max(o.BufferSize/h.bsize, 8)
	req := unix.TpacketReq3{
		Block_size:     uint32(h.bsize),
		Block_nr:       uint32(h.nblocks),
		Frame_size:     frameSize,
		Frame_nr:       uint32(h.bsize / frameSize * h.nblocks),
		Retire_blk_tov: blockTimeout,
	}
	if err := unix.SetsockoptTpacketReq3(h.fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return h.wrap(fmt.Sprintf("set up a %d MiB receive ring", h.bsize*h.nblocks>>20), err)
	}
	ring, err := unix.Mmap(h.fd, 0, h.bsize*h.nblocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_LOCKED)
	if err != nil {
		// MAP_LOCKED counts against RLIMIT_MEMLOCK; libpcap maps without it too.
		if ring, err = unix.Mmap(h.fd, 0, h.bsize*h.nblocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
			return h.wrap("map the receive ring", err)
		}
	}
	h.ring = ring
	if o.Filter == nil && o.FilterFor != nil {
		var err error
		if o.Filter, err = o.FilterFor(h.cooked); err != nil {
			return fmt.Errorf("capture on %s: %w", h.name, err)
		}
	}
	if len(o.Filter) > 0 {
		if err := h.SetBPF(o.Filter); err != nil {
			return err
		}
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(ethPAll), Ifindex: h.ifindex}
	if err := unix.Bind(h.fd, sa); err != nil {
		return h.wrap("bind to the interface", err)
	}
	if o.Promisc && h.ifindex != 0 {
		mreq := unix.PacketMreq{Ifindex: int32(h.ifindex), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(h.fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return h.wrap("enter promiscuous mode", err)
		}
	}
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// SetBPF replaces the socket's filter.
func (h *Handle) SetBPF(prog []bpf.Instruction) error {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return fmt.Errorf("capture on %s: filter: %w", h.name, err)
	}
	f := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		f[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	fp := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	if err := unix.SetsockoptSockFprog(h.fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fp); err != nil {
		return fmt.Errorf("capture on %s: the kernel refused the filter: %w", h.name, err)
	}
	return nil
}

// wrap names the interface and says what to do for the errors a user can fix.
func (h *Handle) wrap(what string, err error) error {
	switch {
	case errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES):
		return &Error{Iface: h.name, Op: what, Err: err, Hint: fmt.Sprintf("run as root, or give the binary the capability: sudo setcap cap_net_raw=ep %s", os.Args[0])}
	case errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENXIO):
		return &Error{Iface: h.name, Op: "no such interface", Hint: "list them with `ip -br link`", Err: ErrNoDevice}
	case errors.Is(err, unix.EAFNOSUPPORT):
		return &Error{Iface: h.name, Op: what, Err: err, Hint: "the kernel lacks AF_PACKET (CONFIG_PACKET)"}
	}
	return &Error{Iface: h.name, Op: what, Err: err}
}

// Name is the interface's name ("any").
func (h *Handle) Name() string { return h.name }

// LinkType is Ethernet, or Linux cooked (SLL) for "any" and interfaces
// without Ethernet headers.
func (h *Handle) LinkType() layers.LinkType {
	if h.cooked {
		return layers.LinkTypeLinuxSLL
	}
	return layers.LinkTypeEthernet
}

// Cooked reports whether the socket sees frames from the network header
// on (SOCK_DGRAM), which is what a kernel filter must be compiled for.
func (h *Handle) Cooked() bool { return h.cooked }

func (h *Handle) status(b int) *uint32 {
	return (*uint32)(unsafe.Pointer(&h.ring[b*h.bsize+8]))
}

// ZeroCopyReadPacketData returns the next frame, valid until the next
// call, or ErrTimeout when none came within the read timeout. A frame
// whose 802.1Q tag the kernel took out has it put back, as libpcap does.
func (h *Handle) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	for {
		if h.blk >= 0 && h.left > 0 {
			return h.frame()
		}
		if h.blk >= 0 { // hand the block back
			atomic.StoreUint32(h.status(h.blk), unix.TP_STATUS_KERNEL)
			h.blk = -1
		}
		if atomic.LoadUint32(h.status(h.next))&unix.TP_STATUS_USER == 0 {
			if err := h.wait(); err != nil {
				return nil, gopacket.CaptureInfo{}, err
			}
			continue
		}
		b := h.ring[h.next*h.bsize:]
		h.blk = h.next
		h.next = (h.next + 1) % h.nblocks
		h.left = int(binary.NativeEndian.Uint32(b[12:]))
		h.off = int(binary.NativeEndian.Uint32(b[16:]))
	}
}

// ReadPacketData is ZeroCopyReadPacketData with a copy of the frame.
func (h *Handle) ReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := h.ZeroCopyReadPacketData()
	return append([]byte(nil), data...), ci, err
}

func (h *Handle) wait() error {
	fds := []unix.PollFd{{Fd: int32(h.fd), Events: unix.POLLIN | unix.POLLERR}}
	n, err := unix.Poll(fds, h.timeout)
	switch {
	case errors.Is(err, unix.EINTR):
		return nil
	case err != nil:
		return fmt.Errorf("capture on %s: poll: %w", h.name, err)
	case n == 0:
		return ErrTimeout
	case fds[0].Revents&unix.POLLERR != 0:
		soErr, err := unix.GetsockoptInt(h.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && soErr != 0 {
			if unix.Errno(soErr) == unix.ENETDOWN {
				return fmt.Errorf("capture on %s: the interface went down: %w", h.name, ErrIfaceDown)
			}
			return fmt.Errorf("capture on %s: %w", h.name, unix.Errno(soErr))
		}
	case fds[0].Revents&unix.POLLNVAL != 0:
		return fmt.Errorf("capture on %s: the socket was closed", h.name)
	}
	return nil
}

func (h *Handle) frame() ([]byte, gopacket.CaptureInfo, error) {
	b := h.ring[h.blk*h.bsize : (h.blk+1)*h.bsize]
	f := b[h.off:]
	next := binary.NativeEndian.Uint32(f[0:])
	sec, nsec := binary.NativeEndian.Uint32(f[4:]), binary.NativeEndian.Uint32(f[8:])
	snap, length := int(binary.NativeEndian.Uint32(f[12:])), int(binary.NativeEndian.Uint32(f[16:]))
	status := binary.NativeEndian.Uint32(f[20:])
	mac := int(binary.NativeEndian.Uint16(f[24:]))
	tci := uint16(binary.NativeEndian.Uint32(f[32:]))
	tpid := binary.NativeEndian.Uint16(f[36:])
	sll := f[tpacketV3HdrLen:]
	h.left--
	h.off += int(next)
	data := f[mac : mac+snap]
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(int64(sec), int64(nsec)), CaptureLength: snap, Length: length,
		InterfaceIndex: int(int32(binary.NativeEndian.Uint32(sll[4:])))}
	tagged := status&unix.TP_STATUS_VLAN_VALID != 0 || tci != 0
	if status&unix.TP_STATUS_VLAN_TPID_VALID == 0 {
		tpid = 0x8100
	}
	if !h.cooked && !tagged {
		return data, ci, nil
	}
	s := h.scratch[:0]
	at := 12 // where the tag goes: after the MACs, or the cooked header's protocol
	if h.cooked {
		// struct sockaddr_ll: family, protocol (big endian), ifindex, hatype, pkttype, halen, addr[8]
		s = binary.BigEndian.AppendUint16(s, uint16(sll[10]))                     // packet type
		s = binary.BigEndian.AppendUint16(s, binary.NativeEndian.Uint16(sll[8:])) // ARPHRD
		s = binary.BigEndian.AppendUint16(s, uint16(min(sll[11], 8)))             // address length
		s = append(s, sll[12:20]...)                                              // address
		s = append(s, sll[2], sll[3])                                             // protocol, already big endian
		at = 14
	} else {
		s = append(s, data[:min(12, len(data))]...)
		data = data[min(12, len(data)):]
	}
	if tagged {
		// Ethernet: MACs, tag, then the frame's EtherType and on.
		// Cooked: the header with protocol 0x8100, the TCI, then the
		// protocol the header had.
		var proto [2]byte
		if h.cooked {
			copy(proto[:], s[at:at+2])
			s = s[:at]
		}
		s = binary.BigEndian.AppendUint16(s, tpid)
		if h.cooked {
			s = binary.BigEndian.AppendUint16(s, tci)
			s = append(s, proto[:]...)
		} else {
			s = binary.BigEndian.AppendUint16(s, tci)
		}
		ci.CaptureLength += 4
		ci.Length += 4
	}
	if h.cooked {
		ci.CaptureLength += sllLen
		ci.Length += sllLen
	}
	s = append(s, data...)
	h.scratch = s
	return s, ci, nil
}

// Stats are the kernel's counters since Open: frames the filter passed
// (Received, including those dropped), dropped because the ring was full
// (Dropped), and dropped by the interface or its driver (IfDropped, from
// /sys when it can be read).
func (h *Handle) Stats() (Stats, error) {
	s, err := unix.GetsockoptTpacketStatsV3(h.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return h.stats, fmt.Errorf("capture on %s: read the kernel's counters: %w", h.name, err)
	}
	// The kernel resets its counters on each read; keep the sums.
	h.stats.Received += uint64(s.Packets)
	h.stats.Dropped += uint64(s.Drops)
	if n := h.ifRxDropped(); n >= 0 && h.ifrx0 >= 0 {
		h.stats.IfDropped = uint64(max(n-h.ifrx0, 0))
	}
	return h.stats, nil
}

func (h *Handle) ifRxDropped() int64 {
	if h.ifindex == 0 {
		return -1
	}
	b, err := os.ReadFile("/sys/class/net/" + h.name + "/statistics/rx_dropped")
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// Close releases the ring and the socket (and with it promiscuous mode).
func (h *Handle) Close() error {
	var err error
	if h.ring != nil {
		err = unix.Munmap(h.ring)
		h.ring = nil
	}
	if h.fd >= 0 {
		if e := unix.Close(h.fd); err == nil {
			err = e
		}
		h.fd = -1
	}
	return err
}
