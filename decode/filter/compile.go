package filter

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/net/bpf"
)

// Link is the kind of frame a program reads.
type Link uint8

const (
	// Ethernet frames (a live Ethernet interface, or a file of link type 1).
	Ethernet Link = iota
	// Cooked is Linux cooked v1 (SLL) frames in a file: a 16-byte header
	// whose last two bytes are the EtherType.
	Cooked
	// CookedLive is what the kernel's filter sees on an AF_PACKET
	// SOCK_DGRAM socket (-i any): the network header at offset 0, the
	// EtherType in the packet's metadata. Always Kernel.
	CookedLive
	// Raw is IPv4 or IPv6 packets without a link header.
	Raw
)

func (l Link) String() string {
	switch l {
	case Ethernet:
		return "Ethernet"
	case Cooked:
		return "Linux cooked"
	case CookedLive:
		return "Linux cooked (-i any)"
	case Raw:
		return "raw IP"
	}
	return fmt.Sprintf("Link(%d)", uint8(l))
}

// Target is what a program is compiled for.
type Target struct {
	Link Link
	// Kernel: the program runs in the Linux kernel, where a received
	// frame's outer 802.1Q tag sits in the packet's metadata (read with
	// BPF ancillary loads) rather than in the frame. Programs for the Go
	// VM (files) must not set it.
	Kernel bool
	// Snaplen is what an accepted frame is cut to (0: 262144, tcpdump's).
	Snaplen uint32
}

// ErrNoEther is returned for an ether primitive compiled for a link
// without Ethernet addresses.
var ErrNoEther = errors.New("ethernet addresses and ether[] are only available on Ethernet links (not -i any or raw IP captures)")

// maxInstructions is the kernel's BPF_MAXINSNS.
const maxInstructions = 4096

// Scratch memory: what the prologue leaves for the tests.
const (
	mEtherType = 0 // EtherType after the tags
	mL3        = 1 // offset of the network header
	mVIDMeta   = 2 // VLAN id of the tag the kernel took out of the frame
	mVID1      = 3 // VLAN id of the first tag in the frame
	mVID2      = 4 // and of the second
	noVID      = 0x10000
)

// Compile assembles e for t: a program that returns t.Snaplen for a frame
// e accepts and 0 for any other.
func Compile(e Expr, t Target) ([]bpf.Instruction, error) {
	if t.Link == CookedLive {
		t.Kernel = true
	}
	if t.Snaplen == 0 {
		t.Snaplen = 262144
	}
	c := &compiler{t: t}
	c.prologue()
	accept, reject := c.newLabel(), c.newLabel()
	e.gen(c, accept, reject)
	c.place(accept)
	c.emit(bpf.RetConstant{Val: t.Snaplen})
	c.place(reject)
	c.emit(bpf.RetConstant{Val: 0})
	if c.err != nil {
		return nil, c.err
	}
	return c.assemble()
}

type irIns struct {
	ins    bpf.Instruction // when not a jump
	cond   bool            // a conditional jump on A vs val to jt or jf
	test   bpf.JumpTest
	val    uint32
	jt, jf int
	goTo   int // an unconditional jump to this label, when > 0
}

type compiler struct {
	t      Target
	out    []irIns
	labels []int // label → index in out; label 0 is unused
	err    error
}

func (c *compiler) newLabel() int {
	if len(c.labels) == 0 {
		c.labels = append(c.labels, -1)
	}
	c.labels = append(c.labels, -1)
	return len(c.labels) - 1
}

func (c *compiler) place(l int) { c.labels[l] = len(c.out) }

func (c *compiler) emit(ins ...bpf.Instruction) {
	for _, i := range ins {
		c.out = append(c.out, irIns{ins: i})
	}
}

func (c *compiler) jump(test bpf.JumpTest, val uint32, t, f int) {
	c.out = append(c.out, irIns{cond: true, test: test, val: val, jt: t, jf: f})
}

func (c *compiler) goTo(l int) { c.out = append(c.out, irIns{goTo: l}) }

func (c *compiler) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

func (c *compiler) assemble() ([]bpf.Instruction, error) {
	prog := make([]bpf.Instruction, len(c.out))
	for i, in := range c.out {
		switch {
		case in.cond:
			st, sf := c.labels[in.jt]-i-1, c.labels[in.jf]-i-1
			if st < 0 || sf < 0 || st > 255 || sf > 255 {
				return nil, fmt.Errorf("filter: the expression is too long for a BPF jump (%d/%d instructions): split it", st, sf)
			}
			prog[i] = bpf.JumpIf{Cond: in.test, Val: in.val, SkipTrue: uint8(st), SkipFalse: uint8(sf)}
		case in.goTo > 0:
			prog[i] = bpf.Jump{Skip: uint32(c.labels[in.goTo] - i - 1)}
		default:
			prog[i] = in.ins
		}
	}
	if len(prog) > maxInstructions {
		return nil, fmt.Errorf("filter: %d instructions, more than BPF's %d: simplify the expression", len(prog), maxInstructions)
	}
	return prog, nil
}

var vlanTPIDs = []uint32{0x8100, 0x88a8, 0x9100}

// prologue finds the EtherType and the network header past up to two
// 802.1Q/802.1ad tags (and a tag the kernel keeps aside), so that every
// test reads the same fields whether the frame was tagged or not.
func (c *compiler) prologue() {
	var l3 uint32
	switch c.t.Link {
	case Ethernet:
		c.emit(bpf.LoadAbsolute{Off: 12, Size: 2})
		l3 = 14
	case Cooked:
		c.emit(bpf.LoadAbsolute{Off: 14, Size: 2})
		l3 = 16
	case CookedLive:
		c.emit(bpf.LoadExtension{Num: bpf.ExtProto})
	case Raw:
		v4, v6, none, store := c.newLabel(), c.newLabel(), c.newLabel(), c.newLabel()
		c.emit(bpf.LoadAbsolute{Off: 0, Size: 1}, bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
		c.jump(bpf.JumpEqual, 4, v4, c.labelHere())
		c.jump(bpf.JumpEqual, 6, v6, none)
		c.place(v4)
		c.emit(bpf.LoadConstant{Dst: bpf.RegA, Val: 0x0800})
		c.goTo(store)
		c.place(v6)
		c.emit(bpf.LoadConstant{Dst: bpf.RegA, Val: 0x86dd})
		c.goTo(store)
		c.place(none)
		c.emit(bpf.LoadConstant{Dst: bpf.RegA, Val: 0})
		c.place(store)
	default:
		c.fail(fmt.Errorf("filter: unknown link %v", c.t.Link))
		return
	}
	c.emit(bpf.StoreScratch{Src: bpf.RegA, N: mEtherType},
		bpf.LoadConstant{Dst: bpf.RegA, Val: noVID},
		bpf.StoreScratch{Src: bpf.RegA, N: mVIDMeta},
		bpf.StoreScratch{Src: bpf.RegA, N: mVID1},
		bpf.StoreScratch{Src: bpf.RegA, N: mVID2},
		bpf.LoadConstant{Dst: bpf.RegX, Val: l3})
	if c.t.Kernel {
		none := c.newLabel()
		c.emit(bpf.LoadExtension{Num: bpf.ExtVLANTagPresent})
		c.jump(bpf.JumpEqual, 0, none, c.labelHere())
		c.emit(bpf.LoadExtension{Num: bpf.ExtVLANTag},
			bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xfff},
			bpf.StoreScratch{Src: bpf.RegA, N: mVIDMeta})
		c.place(none)
	}
	if c.t.Link != Raw {
		done := c.newLabel()
		for _, slot := range []int{mVID1, mVID2} {
			tag := c.newLabel()
			c.emit(bpf.LoadScratch{Dst: bpf.RegA, N: mEtherType})
			c.jump(bpf.JumpEqual, vlanTPIDs[0], tag, c.labelHere())
			c.jump(bpf.JumpEqual, vlanTPIDs[1], tag, c.labelHere())
			c.jump(bpf.JumpEqual, vlanTPIDs[2], tag, done)
			c.place(tag)
			c.emit(bpf.LoadIndirect{Off: 0, Size: 2},
				bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xfff},
				bpf.StoreScratch{Src: bpf.RegA, N: slot},
				bpf.LoadIndirect{Off: 2, Size: 2},
				bpf.StoreScratch{Src: bpf.RegA, N: mEtherType},
				bpf.TXA{},
				bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 4},
				bpf.TAX{})
		}
		c.place(done)
	}
	c.emit(bpf.StoreScratch{Src: bpf.RegX, N: mL3})
}

// labelHere is a label placed at the next instruction emitted (for a
// jump's fall-through branch, placed when the jump is emitted).
func (c *compiler) labelHere() int {
	l := c.newLabel()
	c.labels[l] = len(c.out) + 1
	return l
}

func (e andExpr) gen(c *compiler, t, f int) {
	l := c.newLabel()
	e.a.gen(c, l, f)
	c.place(l)
	e.b.gen(c, t, f)
}

func (e orExpr) gen(c *compiler, t, f int) {
	l := c.newLabel()
	e.a.gen(c, t, l)
	c.place(l)
	e.b.gen(c, t, f)
}

func (e notExpr) gen(c *compiler, t, f int) { e.a.gen(c, f, t) }

// where a test loads its value from.
type base uint8

const (
	fromScratch base = iota // off is a scratch slot
	fromLink                // the frame's first byte (Ethernet only)
	fromL3                  // the network header
	fromL4v4                // the IPv4 payload (past the header's options)
)

// test compares one field of the frame with a value.
type test struct {
	from base
	off  uint32
	size int
	mask uint32 // 0: none
	op   bpf.JumpTest
	val  uint32
}

func (e test) gen(c *compiler, t, f int) {
	switch e.from {
	case fromScratch:
		c.emit(bpf.LoadScratch{Dst: bpf.RegA, N: int(e.off)})
	case fromLink:
		if c.t.Link != Ethernet {
			c.fail(fmt.Errorf("filter on %s frames: %w", c.t.Link, ErrNoEther))
		}
		c.emit(bpf.LoadAbsolute{Off: e.off, Size: e.size})
	case fromL3:
		c.emit(bpf.LoadScratch{Dst: bpf.RegX, N: mL3}, bpf.LoadIndirect{Off: e.off, Size: e.size})
	case fromL4v4:
		c.emit(bpf.LoadScratch{Dst: bpf.RegX, N: mL3},
			bpf.LoadIndirect{Off: 0, Size: 1},
			bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf},
			bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2},
			bpf.ALUOpX{Op: bpf.ALUOpAdd},
			bpf.TAX{},
			bpf.LoadIndirect{Off: e.off, Size: e.size})
	}
	if e.mask != 0 {
		c.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: e.mask})
	}
	c.jump(e.op, e.val, t, f)
}

func all(es ...Expr) Expr {
	e := es[0]
	for _, x := range es[1:] {
		e = andExpr{e, x}
	}
	return e
}

func oneOf(es ...Expr) Expr {
	e := es[0]
	for _, x := range es[1:] {
		e = orExpr{e, x}
	}
	return e
}

func etherType(v uint32) Expr {
	return test{from: fromScratch, off: mEtherType, op: bpf.JumpEqual, val: v}
}

func l3(off uint32, size int, v uint32) Expr {
	return test{from: fromL3, off: off, size: size, op: bpf.JumpEqual, val: v}
}

// ipProto is tcpdump's "ip proto N" (v4), "ip6 proto N" (v6, also behind
// a fragment header) or both.
func ipProto(v4, v6 bool, n uint32) Expr {
	var es []Expr
	if v4 {
		es = append(es, all(etherType(0x0800), l3(9, 1, n)))
	}
	if v6 {
		es = append(es, all(etherType(0x86dd), oneOf(l3(6, 1, n), all(l3(6, 1, 44), l3(40, 1, n)))))
	}
	return oneOf(es...)
}

// ipv4NotFragment: the first fragment or an unfragmented packet, whose
// payload starts with the transport header.
var ipv4NotFragment = test{from: fromL3, off: 6, size: 2, mask: 0x1fff, op: bpf.JumpEqual, val: 0}

// direction combines a source and a destination test as tcpdump's
// src, dst, src or dst (the default) and src and dst.
func direction(dir string, src, dst Expr) Expr {
	switch dir {
	case "src":
		return src
	case "dst":
		return dst
	case "src and dst":
		return all(src, dst)
	}
	return oneOf(src, dst)
}

// prefixAt tests the address at off in the network header against pfx.
func prefixAt(off uint32, pfx netip.Prefix) Expr {
	a := pfx.Addr().AsSlice()
	bits := pfx.Bits()
	var es []Expr
	for w := 0; w < len(a)/4 && bits > 0; w++ {
		v := uint32(a[4*w])<<24 | uint32(a[4*w+1])<<16 | uint32(a[4*w+2])<<8 | uint32(a[4*w+3])
		n := min(bits, 32)
		bits -= n
		mask := ^uint32(0) << (32 - n)
		v &= mask
		if n == 32 {
			mask = 0 // no AND needed
		}
		es = append(es, test{from: fromL3, off: off + uint32(4*w), size: 4, mask: mask, op: bpf.JumpEqual, val: v})
	}
	if len(es) == 0 { // net 0.0.0.0/0: any address
		return test{from: fromScratch, off: mEtherType, op: bpf.JumpBitsNotSet, val: 0}
	}
	return all(es...)
}

func ipAddr(family int, dir string, pfx netip.Prefix) Expr {
	if family == 4 {
		return all(etherType(0x0800), direction(dir, prefixAt(12, pfx), prefixAt(16, pfx)))
	}
	return all(etherType(0x86dd), direction(dir, prefixAt(8, pfx), prefixAt(24, pfx)))
}

// arpAddr tests ARP's (or RARP's) sender and target protocol addresses,
// at the offsets tcpdump uses (Ethernet/IPv4 ARP).
func arpAddr(et uint32, dir string, pfx netip.Prefix) Expr {
	return all(etherType(et), direction(dir, prefixAt(14, pfx), prefixAt(24, pfx)))
}

func etherAddr(dir string, mac net.HardwareAddr) Expr {
	at := func(off uint32) Expr {
		return all(test{from: fromLink, off: off, size: 4, op: bpf.JumpEqual, val: uint32(mac[0])<<24 | uint32(mac[1])<<16 | uint32(mac[2])<<8 | uint32(mac[3])},
			test{from: fromLink, off: off + 4, size: 2, op: bpf.JumpEqual, val: uint32(mac[4])<<8 | uint32(mac[5])})
	}
	return direction(dir, at(6), at(0))
}

// vlanExpr: the frame has a tag (id < 0) or a tag with this id, whether
// in the frame or in the kernel's metadata.
func vlanExpr(id int) Expr {
	if id < 0 {
		return oneOf(test{from: fromScratch, off: mVIDMeta, op: bpf.JumpNotEqual, val: noVID},
			test{from: fromScratch, off: mVID1, op: bpf.JumpNotEqual, val: noVID})
	}
	var es []Expr
	for _, slot := range []uint32{mVIDMeta, mVID1, mVID2} {
		es = append(es, test{from: fromScratch, off: slot, op: bpf.JumpEqual, val: uint32(id)})
	}
	return oneOf(es...)
}

var relOps = map[string]bpf.JumpTest{"=": bpf.JumpEqual, "==": bpf.JumpEqual, "!=": bpf.JumpNotEqual,
	"<": bpf.JumpLessThan, "<=": bpf.JumpLessOrEqual, ">": bpf.JumpGreaterThan, ">=": bpf.JumpGreaterOrEqual}

// relExpr is PROTO[off:size] & mask OP v, guarded as tcpdump guards it
// (the protocol present; a transport field only in an unfragmented
// packet or the first fragment).
func relExpr(proto string, off, size, mask uint32, op bpf.JumpTest, v uint32) Expr {
	at := func(from base, off uint32) test {
		return test{from: from, off: off, size: int(size), mask: mask, op: op, val: v}
	}
	switch proto {
	case "ether":
		return at(fromLink, off)
	case "ip":
		return all(etherType(0x0800), at(fromL3, off))
	case "ip6":
		return all(etherType(0x86dd), at(fromL3, off))
	case "arp":
		return all(etherType(0x0806), at(fromL3, off))
	case "icmp":
		return all(ipProto(true, false, 1), ipv4NotFragment, at(fromL4v4, off))
	case "vrrp":
		return all(ipProto(true, false, 112), ipv4NotFragment, at(fromL4v4, off))
	case "icmp6":
		return all(etherType(0x86dd), l3(6, 1, 58), at(fromL3, 40+off))
	}
	panic("relExpr: " + proto)
}
