package probe

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/vrrpkit/vrrpkit/decode"
)

// VMACName is the name AddVMAC gives the macvlan: vrrpkit4.VRID or
// vrrpkit6.VRID.
func VMACName(fam decode.Family, vrid uint8) string {
	return fmt.Sprintf("vrrpkit%d.%d", fam, vrid)
}

// AddVMAC creates a macvlan (bridge mode) on ifi with the virtual MAC of the
// router, brings it up and returns it with a function that deletes it. An
// IPv6 macvlan gets its link-local address without duplicate address
// detection. For IPv4 it sets ifi's arp_ignore to 1 while the macvlan
// exists, as keepalived's use_vmac does: otherwise ifi answers ARP for the
// VIPs on the macvlan with its own MAC and the VIP has two owners. The
// cleanup function restores the old value. If anything fails, nothing is
// left behind. st, if not nil, records the macvlan and the arp_ignore
// change before they are made.
func AddVMAC(ifi *net.Interface, fam decode.Family, vrid uint8, st *StateFile) (*net.Interface, func() error, error) {
	if ifi == nil {
		return nil, nil, ErrNoInterface
	}
	name := VMACName(fam, vrid)
	if err := st.Update(func(l *Leftovers) { l.Macvlan = name }); err != nil {
		return nil, nil, fmt.Errorf("not creating macvlan %s: %w", name, err)
	}
	mv := &netlink.Macvlan{
		LinkAttrs: netlink.LinkAttrs{Name: name, ParentIndex: ifi.Index, HardwareAddr: VirtualMAC(fam, vrid)},
		Mode:      netlink.MACVLAN_MODE_BRIDGE,
	}
	if err := netlink.LinkAdd(mv); err != nil {
		// Not ours (it may be another speaker's): not to be removed.
		return nil, nil, errors.Join(fmt.Errorf("creating macvlan %s on %s (needs cap_net_admin): %w", name, ifi.Name, err),
			st.Update(func(l *Leftovers) { l.Macvlan = "" }))
	}
	var restore func() error
	cleanup := func() error {
		var rerr error
		if restore != nil {
			rerr = restore()
		}
		lk, err := netlink.LinkByName(name)
		if err != nil {
			var nf netlink.LinkNotFoundError
			if errors.As(err, &nf) {
				return errors.Join(rerr, st.Update(func(l *Leftovers) { l.Macvlan = "" }))
			}
			return errors.Join(rerr, err)
		}
		if err := netlink.LinkDel(lk); err != nil {
			return errors.Join(rerr, err)
		}
		return errors.Join(rerr, st.Update(func(l *Leftovers) { l.Macvlan = "" }))
	}
	fail := func(err error) (*net.Interface, func() error, error) {
		return nil, nil, errors.Join(fmt.Errorf("setting up macvlan %s: %w", name, err), cleanup())
	}
	if fam == decode.IPv4 {
		p := "/proc/sys/net/ipv4/conf/" + ifi.Name + "/arp_ignore"
		old, err := os.ReadFile(p)
		if err != nil {
			return fail(err)
		}
		if was := strings.TrimSpace(string(old)); was == "0" {
			change := SysctlChange{Path: p, Old: was, New: "1"}
			if err := st.Update(func(l *Leftovers) { l.Sysctls = append(l.Sysctls, change) }); err != nil {
				return fail(err)
			}
			forget := func() error {
				return st.Update(func(l *Leftovers) {
					l.Sysctls = slices.DeleteFunc(l.Sysctls, func(c SysctlChange) bool { return c == change })
				})
			}
			if err := os.WriteFile(p, []byte("1"), 0o644); err != nil {
				return fail(errors.Join(err, forget()))
			}
			restore = func() error {
				if err := os.WriteFile(p, old, 0o644); err != nil {
					return err
				}
				return forget()
			}
		}
	}
	if fam == decode.IPv6 {
		p := "/proc/sys/net/ipv6/conf/" + name + "/accept_dad"
		if err := os.WriteFile(p, []byte("0"), 0o644); err != nil {
			return fail(err)
		}
	}
	if err := netlink.LinkSetUp(mv); err != nil {
		return fail(err)
	}
	var v *net.Interface
	deadline := time.Now().Add(3 * time.Second)
	for {
		var err error
		if v, err = net.InterfaceByName(name); err != nil {
			return fail(err)
		}
		if fam == decode.IPv4 {
			break
		}
		if _, err := PrimaryAddr(v, fam); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fail(errors.New("no link-local address after 3s"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return v, cleanup, nil
}
