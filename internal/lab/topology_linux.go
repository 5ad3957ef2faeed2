package lab

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

const (
	nsPrefix    = "vk-"  // every lab namespace is vk-<name>-br or vk-<name>-h<i>
	bridgeIface = "br0"  // the bridge, in the bridge namespace
	hostIface   = "eth0" // each host's veth end, in its namespace
	maxHosts    = 99
)

// Config describes a lab.
type Config struct {
	// Name identifies the lab: namespaces are vk-<Name>-br and
	// vk-<Name>-h<i>, and only one lab per name can be live on the machine.
	// Up to 24 characters of [a-z0-9-]. New derives one from the test name
	// when empty; Open requires it.
	Name string
	// Hosts is the number of host namespaces, 1 to 99; 0 means 2.
	Hosts int
	// MulticastSnooping turns IGMP/MLD snooping on in br0. It is off by
	// default, so every port sees every VRRP advertisement.
	MulticastSnooping bool
	// VLAN maps a host number (1-based) to an 802.1Q VLAN id (1-4094).
	// Such a host keeps an untagged eth0 but carries its addresses on
	// eth0.<id>, so its frames cross br0 tagged: a capture on br0 in the
	// bridge namespace sees the 802.1Q header. br0 does no VLAN filtering
	// and floods tagged frames to every port; hosts without that VLAN
	// ignore them. Needs kernel 802.1Q support (NeedVLAN).
	VLAN map[int]int
	// Wait is how long Open waits for the name while another live lab
	// holds it (two test runs at once); 0 fails at once with ErrBusy. New
	// waits up to 15 minutes when it is 0, saying so in the test log.
	Wait time.Duration
}

// Lab is a live lab: one bridge namespace and Config.Hosts host namespaces.
type Lab struct {
	name   string
	cfg    Config
	bridge *Node
	hosts  []*Host
	lockF  *os.File
	swept  []string
	setup  time.Duration

	mu     sync.Mutex // guards closed and procs; held while building
	closed bool
	procs  map[*Proc]struct{}

	closeOnce sync.Once
	closeErr  error
}

// Node is one network namespace of a lab: the bridge or a host.
type Node struct {
	lab  *Lab
	name string
}

// Name returns the namespace name, as used by "ip netns exec".
func (n *Node) Name() string { return n.name }

// Lab returns the lab the node belongs to.
func (n *Node) Lab() *Lab { return n.lab }

// Host is a host namespace with eth0 on the lab's bridge.
type Host struct {
	Node
	index int
	mac   net.HardwareAddr
	ipv4  netip.Prefix
	ipv6  netip.Prefix
	ll    netip.Addr
	vlan  int
	iface string
	port  string

	faultMu sync.Mutex
	nftSeq  int // nft chains ever added to table inet vklab
	nftLive int // nft chains in table inet vklab now
}

// Index returns the host's 1-based number.
func (h *Host) Index() int { return h.index }

// MAC returns eth0's MAC address, 02:00:00:00:01:<index in hex>.
func (h *Host) MAC() net.HardwareAddr { return append(net.HardwareAddr(nil), h.mac...) }

// IPv4 returns the host address, 192.0.2.(10+index)/24.
func (h *Host) IPv4() netip.Prefix { return h.ipv4 }

// IPv6 returns the host address, 2001:db8:1::(10+index)/64 (the digits of
// 10+index read as hex groups, so host 1 is 2001:db8:1::11).
func (h *Host) IPv6() netip.Prefix { return h.ipv6 }

// LinkLocal returns the EUI-64 link-local address derived from the MAC.
func (h *Host) LinkLocal() netip.Addr { return h.ll }

// VLAN returns the host's VLAN id, or 0 when its frames are untagged.
func (h *Host) VLAN() int { return h.vlan }

// Iface returns the interface holding the host's addresses, for daemon
// configs: "eth0", or "eth0.<vlan>" for a VLAN host.
func (h *Host) Iface() string { return h.iface }

// Port returns the name of the host's port on br0 in the bridge namespace.
func (h *Host) Port() string { return h.port }

// New builds a lab for a test, or skips the test like Require when the
// machine cannot run one. The lab is closed by t.Cleanup.
func New(t testing.TB, cfg Config) *Lab {
	t.Helper()
	needs := []Need{NeedIP}
	if len(cfg.VLAN) > 0 {
		needs = append(needs, NeedVLAN)
	}
	Require(t, needs...)
	if cfg.Name == "" {
		cfg.Name = defaultName(t.Name())
	}
	if cfg.Wait == 0 {
		cfg.Wait = 15 * time.Minute
	}
	waitStart := time.Now()
	l, err := Open(cfg)
	if waited := time.Since(waitStart); err == nil && waited > 5*time.Second {
		t.Logf("lab %s: waited %s for another run to release the name", cfg.Name, waited.Round(time.Second))
	}
	if err != nil {
		t.Fatalf("lab: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("lab %s: close: %v", l.name, err)
		}
	})
	for _, s := range l.swept {
		t.Logf("lab %s: %s", l.name, s)
	}
	return l
}

// Open builds a lab outside a test (cfg.Name is required). The caller must
// Close it. Open fails with ErrBusy when the name is taken by a live lab
// (after waiting up to cfg.Wait),
// and first removes what a killed lab of the same name left behind.
func Open(cfg Config) (*Lab, error) {
	if cfg.Hosts == 0 {
		cfg.Hosts = 2
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	f, err := lock(cfg.Name)
	for errors.Is(err, ErrBusy) && time.Since(start) < cfg.Wait {
		time.Sleep(200 * time.Millisecond)
		f, err = lock(cfg.Name)
	}
	if err != nil {
		return nil, err
	}
	l := &Lab{name: cfg.Name, cfg: cfg, lockF: f, procs: map[*Proc]struct{}{}}
	l.bridge = &Node{lab: l, name: nsPrefix + cfg.Name + "-br"}
	for i := 1; i <= cfg.Hosts; i++ {
		l.hosts = append(l.hosts, newHost(l, i, cfg.VLAN[i]))
	}
	if l.swept, err = l.sweep(); err != nil {
		f.Close()
		return nil, fmt.Errorf("lab %q: clean up an earlier run: %w", cfg.Name, err)
	}
	register(l)
	l.mu.Lock()
	err = l.build()
	l.mu.Unlock()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("lab %q: %w", cfg.Name, err), l.Close())
	}
	l.setup = time.Since(start)
	return l, nil
}

func (c Config) validate() error {
	if !nameRE.MatchString(c.Name) {
		return fmt.Errorf("lab name %q: want 1-24 characters of [a-z0-9-], not starting or ending with '-'", c.Name)
	}
	if c.Hosts < 1 || c.Hosts > maxHosts {
		return fmt.Errorf("lab %q: %d hosts, want 1 to %d", c.Name, c.Hosts, maxHosts)
	}
	for h, v := range c.VLAN {
		if h < 1 || h > c.Hosts {
			return fmt.Errorf("lab %q: VLAN for host %d, but hosts are 1 to %d", c.Name, h, c.Hosts)
		}
		if v < 1 || v > 4094 {
			return fmt.Errorf("lab %q: host %d VLAN id %d, want 1 to 4094", c.Name, h, v)
		}
	}
	return nil
}

// defaultName makes a lab name from a test name, unique per test binary.
func defaultName(testName string) string {
	h := fnv.New32a()
	h.Write([]byte(filepath.Base(os.Args[0]) + "\x00" + testName))
	var b strings.Builder
	for _, r := range strings.TrimPrefix(strings.ToLower(testName), "test") {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if len(s) > 12 {
		s = s[:12]
	}
	if s == "" {
		s = "lab"
	}
	return fmt.Sprintf("%s-%04x", s, h.Sum32()&0xffff)
}

func newHost(l *Lab, i, vlan int) *Host {
	mac := net.HardwareAddr{0x02, 0, 0, 0, 0x01, byte(i)}
	v6 := netip.MustParseAddr(fmt.Sprintf("2001:db8:1::%d", 10+i))
	h := &Host{
		Node:  Node{lab: l, name: fmt.Sprintf("%s%s-h%d", nsPrefix, l.name, i)},
		index: i,
		mac:   mac,
		ipv4:  netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)}), 24),
		ipv6:  netip.PrefixFrom(v6, 64),
		ll:    eui64LinkLocal(mac),
		vlan:  vlan,
		iface: hostIface,
		port:  fmt.Sprintf("vh%d", i),
	}
	if vlan != 0 {
		h.iface = fmt.Sprintf("%s.%d", hostIface, vlan)
	}
	return h
}

func eui64LinkLocal(mac net.HardwareAddr) netip.Addr {
	a := [16]byte{0: 0xfe, 1: 0x80}
	a[8], a[9], a[10] = mac[0]^0x02, mac[1], mac[2]
	a[11], a[12] = 0xff, 0xfe
	a[13], a[14], a[15] = mac[3], mac[4], mac[5]
	return netip.AddrFrom16(a)
}

// Name returns the lab name.
func (l *Lab) Name() string { return l.name }

// Bridge returns the bridge namespace. Capture there on BridgeIface to see
// every frame of the segment, 802.1Q tags included.
func (l *Lab) Bridge() *Node { return l.bridge }

// BridgeIface returns the bridge interface in the bridge namespace, "br0".
func (l *Lab) BridgeIface() string { return bridgeIface }

// Hosts returns the hosts in order; Hosts()[0] is host 1.
func (l *Lab) Hosts() []*Host { return append([]*Host(nil), l.hosts...) }

// Host returns host i, 1-based; it panics when there is no such host.
func (l *Lab) Host(i int) *Host {
	if i < 1 || i > len(l.hosts) {
		panic(fmt.Sprintf("lab %s: no host %d (hosts are 1 to %d)", l.name, i, len(l.hosts)))
	}
	return l.hosts[i-1]
}

// SetupTime returns how long Open took, lock and cleanup included.
func (l *Lab) SetupTime() time.Duration { return l.setup }

// build creates the namespaces and links; l.mu is held.
func (l *Lab) build() error {
	brNS, err := createNamedNS(l.bridge.name)
	if err != nil {
		return err
	}
	defer brNS.Close()
	// The bridge namespace speaks no IPv6 itself, so captures on br0
	// carry only the hosts' frames.
	if err := setSysctls(brNS, l.bridge.name, [][2]string{
		{"net/ipv6/conf/all/disable_ipv6", "1"},
		{"net/ipv6/conf/default/disable_ipv6", "1"},
	}); err != nil {
		return err
	}
	nl, err := netlink.NewHandleAt(brNS, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", l.bridge.name, err)
	}
	defer nl.Close()
	if err := linkUp(nl, "lo"); err != nil {
		return fmt.Errorf("%s: %w", l.bridge.name, err)
	}
	snoop := l.cfg.MulticastSnooping
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: bridgeIface}, MulticastSnooping: &snoop}
	if err := nl.LinkAdd(br); err != nil {
		return fmt.Errorf("%s: add bridge %s: %w", l.bridge.name, bridgeIface, err)
	}
	if err := linkUp(nl, bridgeIface); err != nil {
		return fmt.Errorf("%s: %w", l.bridge.name, err)
	}
	brLink, err := nl.LinkByName(bridgeIface)
	if err != nil {
		return fmt.Errorf("%s: %w", l.bridge.name, err)
	}

	// Hosts are independent; build them a few at a time.
	work := make(chan *Host)
	errc := make(chan error, len(l.hosts))
	var wg sync.WaitGroup
	for range min(8, len(l.hosts)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range work {
				errc <- h.build(brNS, brLink.Attrs().Index)
			}
		}()
	}
	for _, h := range l.hosts {
		work <- h
	}
	close(work)
	wg.Wait()
	close(errc)
	var errs []error
	for err := range errc {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// build creates the host namespace and its veth to the bridge.
func (h *Host) build(brNS netns.NsHandle, brIndex int) error {
	ns, err := createNamedNS(h.name)
	if err != nil {
		return err
	}
	defer ns.Close()
	// Set before eth0 exists, so eth0 inherits them: no DAD delay, and
	// no addresses or routes from router advertisements (FRR vrrpd has
	// zebra send RAs for its IPv6 virtual routers), so a host has exactly
	// the documented addresses.
	if err := setSysctls(ns, h.name, [][2]string{
		{"net/ipv6/conf/all/accept_dad", "0"},
		{"net/ipv6/conf/default/accept_dad", "0"},
		{"net/ipv6/conf/all/accept_ra", "0"},
		{"net/ipv6/conf/default/accept_ra", "0"},
	}); err != nil {
		return err
	}
	brNL, err := netlink.NewHandleAt(brNS, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in bridge namespace: %w", err)
	}
	defer brNL.Close()
	veth := &netlink.Veth{
		LinkAttrs:        netlink.LinkAttrs{Name: h.port, MasterIndex: brIndex},
		PeerName:         hostIface,
		PeerHardwareAddr: h.mac,
		PeerNamespace:    netlink.NsFd(ns),
	}
	if err := brNL.LinkAdd(veth); err != nil {
		return fmt.Errorf("add veth %s to %s/%s: %w", h.port, h.name, hostIface, err)
	}
	if err := linkUp(brNL, h.port); err != nil {
		return err
	}

	nl, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", h.name, err)
	}
	defer nl.Close()
	if err := linkUp(nl, "lo"); err != nil {
		return fmt.Errorf("%s: %w", h.name, err)
	}
	eth0, err := nl.LinkByName(hostIface)
	if err != nil {
		return fmt.Errorf("%s: %w", h.name, err)
	}
	link := eth0
	if h.vlan != 0 {
		vl := &netlink.Vlan{LinkAttrs: netlink.LinkAttrs{Name: h.iface, ParentIndex: eth0.Attrs().Index}, VlanId: h.vlan}
		if err := nl.LinkAdd(vl); err != nil {
			return fmt.Errorf("%s: add VLAN %s: %w", h.name, h.iface, err)
		}
		if link, err = nl.LinkByName(h.iface); err != nil {
			return fmt.Errorf("%s: %w", h.name, err)
		}
	}
	for _, p := range []netip.Prefix{h.ipv4, h.ipv6} {
		if err := addAddr(nl, link, p); err != nil {
			return fmt.Errorf("%s: %w", h.name, err)
		}
	}
	if err := nl.LinkSetUp(eth0); err != nil {
		return fmt.Errorf("%s: set %s up: %w", h.name, hostIface, err)
	}
	if link != eth0 {
		if err := nl.LinkSetUp(link); err != nil {
			return fmt.Errorf("%s: set %s up: %w", h.name, h.iface, err)
		}
	}
	if err := waitReady(nl, link.Attrs().Index, h.ll); err != nil {
		return fmt.Errorf("%s: %s: %w", h.name, h.iface, err)
	}
	return nil
}

// waitReady waits until the link is up and its link-local address ll is
// usable. The kernel adds ll only once the link has carrier, which link
// watch may report up to a second after the link is set up, and the
// address stays tentative until the DAD work (instant with accept_dad 0)
// has run: a bind to it before then fails with "cannot assign requested
// address".
func waitReady(nl *netlink.Handle, index int, ll netip.Addr) error {
	const within = 5 * time.Second
	state := "no link"
	for start := time.Now(); time.Since(start) < within; time.Sleep(10 * time.Millisecond) {
		link, err := nl.LinkByIndex(index)
		if err != nil {
			return err
		}
		if link.Attrs().OperState != netlink.OperUp {
			state = "link " + link.Attrs().OperState.String()
			continue
		}
		addrs, err := nl.AddrList(link, netlink.FAMILY_V6)
		if err != nil {
			return err
		}
		state = "no link-local address " + ll.String()
		for _, a := range addrs {
			if ip, ok := netip.AddrFromSlice(a.IP); ok && ip == ll {
				if a.Flags&unix.IFA_F_TENTATIVE == 0 {
					return nil
				}
				state = ll.String() + " still tentative"
			}
		}
	}
	return fmt.Errorf("not ready after %s: %s", within, state)
}

func linkUp(nl *netlink.Handle, name string) error {
	l, err := nl.LinkByName(name)
	if err != nil {
		return fmt.Errorf("find %s: %w", name, err)
	}
	if err := nl.LinkSetUp(l); err != nil {
		return fmt.Errorf("set %s up: %w", name, err)
	}
	return nil
}

// addAddr adds p to link, without DAD for IPv6.
func addAddr(nl *netlink.Handle, link netlink.Link, p netip.Prefix) error {
	a := &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}}
	if p.Addr().Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	if err := nl.AddrAdd(link, a); err != nil {
		return fmt.Errorf("add %s to %s: %w", p, link.Attrs().Name, err)
	}
	return nil
}

// Close stops every process the lab started (SIGTERM, then SIGKILL after
// a grace period) and deletes the lab's namespaces, which removes the veths
// and everything else inside them. It is safe to call more than once and
// concurrently; later calls return the first result.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.close() })
	return l.closeErr
}

func (l *Lab) close() error {
	l.mu.Lock()
	l.closed = true
	procs := make([]*Proc, 0, len(l.procs))
	for p := range l.procs {
		procs = append(procs, p)
	}
	l.mu.Unlock()

	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.stop(stopGrace)
		}()
	}
	wg.Wait()

	var errs []error
	names, err := listNS()
	if err != nil {
		errs = append(errs, err)
	}
	re := nsRE(l.name)
	for _, n := range names {
		if re.MatchString(n) {
			if err := deleteNamedNS(n); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := os.RemoveAll(filepath.Join(stateRoot, l.name)); err != nil {
		errs = append(errs, err)
	}
	unregister(l)
	if err := l.lockF.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
