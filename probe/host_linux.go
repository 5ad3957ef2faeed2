package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/ndp"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/vrrpkit/vrrpkit/decode"
)

// allNodes is ff02::1, where unsolicited neighbour advertisements go.
var allNodes = netip.MustParseAddr("ff02::1")

// LinuxHost announces and installs virtual addresses on one interface:
// gratuitous ARP requests (mdlayher/arp), unsolicited neighbour
// advertisements (mdlayher/ndp), addresses added over rtnetlink, and a
// firewall rule dropping packets to them (nft, or iptables). It removes
// only the addresses and the rule it added itself.
type LinuxHost struct {
	ifi *net.Interface
	// Logf, if set, is told which firewall rule Block installed.
	Logf func(format string, a ...any)
	// State, if set, records each address and firewall rule before it is
	// added, and forgets it once removed (crash safety).
	State *StateFile

	mu     sync.Mutex
	added  []netip.Addr
	arp    *arp.Client
	ndp    *ndp.Conn
	filter *vipFilter
}

// OpenHost returns the Host for ifi: a *LinuxHost.
func OpenHost(ifi *net.Interface) (HostCloser, error) {
	if ifi == nil {
		return nil, ErrNoInterface
	}
	return &LinuxHost{ifi: ifi}, nil
}

// Announce sends one gratuitous ARP request (sender and target IP the VIP,
// broadcast) per IPv4 address and one unsolicited, overriding neighbour
// advertisement to ff02::1 per IPv6 address.
func (h *LinuxHost) Announce(vips []netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for _, v := range vips {
		var err error
		if v.Is4() {
			err = h.garp(v)
		} else {
			err = h.unsolicitedNA(v)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("announcing %s on %s: %w", v, h.ifi.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (h *LinuxHost) garp(v netip.Addr) error {
	if h.arp == nil {
		c, err := arp.Dial(h.ifi)
		if err != nil {
			return err
		}
		h.arp = c
	}
	p, err := arp.NewPacket(arp.OperationRequest, h.ifi.HardwareAddr, v, ethernet.Broadcast, v)
	if err != nil {
		return err
	}
	return h.arp.WriteTo(p, ethernet.Broadcast)
}

func (h *LinuxHost) unsolicitedNA(v netip.Addr) error {
	if h.ndp == nil {
		c, _, err := ndp.Listen(h.ifi, ndp.LinkLocal)
		if err != nil {
			return err
		}
		h.ndp = c
	}
	m := &ndp.NeighborAdvertisement{
		Override:      true,
		TargetAddress: v,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: h.ifi.HardwareAddr}},
	}
	return h.ndp.WriteTo(m, nil, allNodes.WithZone(h.ifi.Name))
}

// Install adds each address missing from the interface as a host route
// (/32, /128 without duplicate address detection) and remembers it.
func (h *LinuxHost) Install(vips []netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	lk, err := netlink.LinkByIndex(h.ifi.Index)
	if err != nil {
		return fmt.Errorf("interface %s: %w", h.ifi.Name, err)
	}
	have, err := netlink.AddrList(lk, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("listing addresses of %s: %w", h.ifi.Name, err)
	}
	for _, v := range vips {
		if slices.ContainsFunc(have, func(a netlink.Addr) bool { return a.IP.Equal(v.AsSlice()) }) ||
			slices.Contains(h.added, v) {
			continue
		}
		if err := h.State.Update(func(l *Leftovers) { l.addAddr(h.ifi.Name, v) }); err != nil {
			return fmt.Errorf("not adding %s to %s: %w", v, h.ifi.Name, err)
		}
		if err := netlink.AddrAdd(lk, vipAddr(v)); err != nil {
			_ = h.State.Update(func(l *Leftovers) { l.dropAddr(h.ifi.Name, v) })
			return fmt.Errorf("adding %s to %s: %w", v, h.ifi.Name, err)
		}
		h.added = append(h.added, v)
	}
	return nil
}

func vipAddr(v netip.Addr) *netlink.Addr {
	a := &netlink.Addr{IPNet: &net.IPNet{IP: v.AsSlice(), Mask: net.CIDRMask(v.BitLen(), v.BitLen())}}
	if v.Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	return a
}

// Remove deletes those of vips that Install added.
func (h *LinuxHost) Remove(vips []netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	lk, err := netlink.LinkByIndex(h.ifi.Index)
	if err != nil {
		return fmt.Errorf("interface %s: %w", h.ifi.Name, err)
	}
	var errs []error
	for _, v := range vips {
		i := slices.Index(h.added, v)
		if i < 0 {
			continue
		}
		if err := netlink.AddrDel(lk, vipAddr(v)); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			errs = append(errs, fmt.Errorf("removing %s from %s: %w", v, h.ifi.Name, err))
			continue
		}
		h.added = slices.Delete(h.added, i, i+1)
		if err := h.State.Update(func(l *Leftovers) { l.dropAddr(h.ifi.Name, v) }); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Block creates the nftables table inet vrrpprobe-IFACE-vF-VRID with an
// input chain dropping packets to vips (neighbour discovery excepted), or,
// when nft is missing or fails, the iptables (ip6tables) chain of that name
// with a jump from INPUT. It refuses (ErrFilterExists) to take over a table
// or chain that is already there.
func (h *LinuxHost) Block(vrid uint8, vips []netip.Addr) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.filter != nil && h.filter.using != "" {
		return errors.New("a filter is installed already")
	}
	fam := decode.IPv4
	if len(vips) > 0 && vips[0].Is6() {
		fam = decode.IPv6
	}
	logf := h.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	h.filter = &vipFilter{name: FilterName(h.ifi.Name, h.ifi.Index, fam, vrid), run: execRunner, look: exec.LookPath, logf: logf}
	if h.State != nil {
		h.filter.record = func(r *FilterRecord) error { return h.State.Update(func(l *Leftovers) { l.Filter = r }) }
	}
	return h.filter.install(vips)
}

// execRunner runs nft or iptables. Run by a user other than root (the
// binary given cap_net_raw,cap_net_admin+ep), it passes both capabilities
// on as ambient ones: file capabilities do not survive exec otherwise.
func execRunner(ctx context.Context, stdin, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if os.Geteuid() != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{AmbientCaps: []uintptr{unix.CAP_NET_ADMIN, unix.CAP_NET_RAW}}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// Unblock removes what Block installed.
func (h *LinuxHost) Unblock() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.filter == nil {
		return nil
	}
	return h.filter.remove()
}

// Close closes the ARP and NDP sockets.
func (h *LinuxHost) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	if h.arp != nil {
		errs = append(errs, h.arp.Close())
		h.arp = nil
	}
	if h.ndp != nil {
		errs = append(errs, h.ndp.Close())
		h.ndp = nil
	}
	return errors.Join(errs...)
}
