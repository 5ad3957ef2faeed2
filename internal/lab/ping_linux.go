package lab

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

var pingSeq atomic.Uint32

// Ping sends ICMP or ICMPv6 echo requests from the namespace to dst, once
// every 200ms, until a reply comes back (nil) or ctx ends (an error). It
// uses a raw socket, so it needs no ping binary.
func (n *Node) Ping(ctx context.Context, dst netip.Addr) error {
	network, echo, reply := "ip4:icmp", byte(8), byte(0)
	if dst.Is6() {
		network, echo, reply = "ip6:ipv6-icmp", 128, 129
	}
	var c net.PacketConn
	zone := dst.Zone()
	err := Do(n.name, func() error {
		// Interface names mean something only in the namespace.
		if zone != "" {
			if _, err := strconv.Atoi(zone); err != nil {
				ifi, err := net.InterfaceByName(zone)
				if err != nil {
					return err
				}
				zone = strconv.Itoa(ifi.Index)
			}
		}
		var err error
		c, err = net.ListenPacket(network, "")
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: ping %s: %w", n.name, dst, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()

	id := uint16(os.Getpid())
	seq := uint16(pingSeq.Add(1))
	req := []byte{echo, 0, 0, 0, 0, 0, 0, 0, 'v', 'k', 'l', 'a', 'b'}
	binary.BigEndian.PutUint16(req[4:], id)
	binary.BigEndian.PutUint16(req[6:], seq)
	if dst.Is4() {
		binary.BigEndian.PutUint16(req[2:], inetChecksum(req))
	} // the kernel fills in the ICMPv6 checksum
	to := &net.IPAddr{IP: dst.AsSlice(), Zone: zone}
	buf := make([]byte, 1500)
	for {
		if _, err := c.WriteTo(req, to); err != nil && ctx.Err() == nil {
			return fmt.Errorf("%s: ping %s: %w", n.name, dst, err)
		}
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		for {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: ping %s: no reply: %w", n.name, dst, ctx.Err())
			}
			m, from, err := c.ReadFrom(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break // send again
			}
			if err != nil {
				return fmt.Errorf("%s: ping %s: %w", n.name, dst, err)
			}
			src, _ := netip.AddrFromSlice(from.(*net.IPAddr).IP)
			if m >= 8 && buf[0] == reply && src.Unmap() == dst.WithZone("") &&
				binary.BigEndian.Uint16(buf[4:]) == id && binary.BigEndian.Uint16(buf[6:]) == seq {
				return nil
			}
		}
	}
}

// inetChecksum is the RFC 1071 Internet checksum.
func inetChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}
