package filter

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// VRRP is what vrrpkit reads: VRRP over IPv4 and IPv6 (IP protocol 112,
// also CARP's), IPsec AH over IPv4 (keepalived's auth_type AH), ARP, IPv6
// neighbour solicitations and advertisements (an ICMPv6 header straight
// after the IPv6 header, as they are sent), and ICMP protocol-unreachable
// errors (a peer whose VRRP daemon is down answering unicast adverts);
// tagged or not.
func VRRP() Expr {
	icmp6 := all(etherType(0x86dd), l3(6, 1, 58), oneOf(l3(40, 1, 135), l3(40, 1, 136)))
	unreach := all(ipProto(true, false, 1), ipv4NotFragment,
		test{from: fromL4v4, off: 0, size: 2, op: bpf.JumpEqual, val: 3<<8 | 2})
	return oneOf(ipProto(true, true, 112), ipProto(true, false, 51), etherType(0x0806), icmp6, unreach)
}

// libpcapExpr is a program compiled by libpcap (tcpdump -ddd), run as
// the last part of an expression: it clobbers the registers and scratch
// memory, and its offsets are libpcap's (an untagged frame's).
type libpcapExpr struct{ prog []bpf.Instruction }

// FromLibpcap wraps a program libpcap compiled for l's link type
// (tcpdump -y EN10MB, LINUX_SLL or RAW -ddd EXPR) as an expression, to be
// And-ed after the ones this package compiles. For CookedLive it takes a
// LINUX_SLL program and moves its loads to the kernel's view, as libpcap
// does for -i any.
func FromLibpcap(prog []bpf.Instruction, l Link) (Expr, error) {
	out := make([]bpf.Instruction, len(prog))
	for i, in := range prog {
		if l == CookedLive {
			var err error
			if in, err = uncook(in); err != nil {
				return nil, err
			}
		}
		switch in := in.(type) {
		case bpf.RetA, bpf.RetConstant:
		case bpf.Jump:
			if i+1+int(in.Skip) >= len(prog) {
				return nil, fmt.Errorf("filter: libpcap's program jumps out of bounds at %d", i)
			}
		case bpf.JumpIf:
			if i+1+int(max(in.SkipTrue, in.SkipFalse)) >= len(prog) {
				return nil, fmt.Errorf("filter: libpcap's program jumps out of bounds at %d", i)
			}
		case bpf.JumpIfX:
			if i+1+int(max(in.SkipTrue, in.SkipFalse)) >= len(prog) {
				return nil, fmt.Errorf("filter: libpcap's program jumps out of bounds at %d", i)
			}
		}
		out[i] = in
	}
	return libpcapExpr{out}, nil
}

// uncook moves a load from a Linux cooked frame (16-byte header) to the
// SOCK_DGRAM socket's view: the EtherType from the metadata, the rest 16
// bytes earlier.
func uncook(in bpf.Instruction) (bpf.Instruction, error) {
	const hdr = 16
	switch i := in.(type) {
	case bpf.LoadAbsolute:
		if i.Off == 14 && i.Size == 2 {
			return bpf.LoadExtension{Num: bpf.ExtProto}, nil
		}
		if i.Off < hdr {
			return nil, fmt.Errorf("filter: the expression reads the cooked header's byte %d, which -i any does not have live: %w", i.Off, ErrNoEther)
		}
		i.Off -= hdr
		return i, nil
	case bpf.LoadIndirect:
		if i.Off < hdr {
			return nil, fmt.Errorf("filter: the expression reads the cooked header, which -i any does not have live: %w", ErrNoEther)
		}
		i.Off -= hdr
		return i, nil
	case bpf.LoadMemShift:
		if i.Off < hdr {
			return nil, fmt.Errorf("filter: the expression reads the cooked header, which -i any does not have live: %w", ErrNoEther)
		}
		i.Off -= hdr
		return i, nil
	}
	return in, nil
}

func (e libpcapExpr) gen(c *compiler, t, f int) {
	for _, in := range e.prog {
		switch in := in.(type) {
		case bpf.RetConstant:
			if in.Val == 0 {
				c.goTo(f)
			} else {
				c.goTo(t)
			}
		case bpf.RetA:
			c.jump(bpf.JumpEqual, 0, f, t)
		default:
			c.emit(in)
		}
	}
}
