package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// netnsDir is where named namespaces are bind-mounted, as by "ip netns add".
const netnsDir = "/run/netns"

// Do runs fn with its OS thread switched into the named network namespace
// (a name from "ip netns list", such as Node.Name) and switches back
// afterwards. Sockets, pcap handles and netlink sockets opened in fn stay in
// that namespace after Do returns.
//
// fn runs on a goroutine of its own, so it must not call t.Fatal; return an
// error instead. If switching back fails, that goroutine ends with its thread
// still locked, and the Go runtime discards the thread instead of reusing it
// in the wrong namespace.
func Do(nsName string, fn func() error) error {
	target, err := netns.GetFromName(nsName)
	if err != nil {
		return fmt.Errorf("open network namespace %s: %w", nsName, err)
	}
	defer target.Close()
	return doIn(target, nsName, fn)
}

// doIn is Do for an open namespace handle.
func doIn(target netns.NsHandle, nsName string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("get current network namespace: %w", err)
			return
		}
		defer orig.Close()
		if err := netns.Set(target); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter network namespace %s: %w", nsName, err)
			return
		}
		var fnErr error
		defer func() {
			if err := netns.Set(orig); err != nil {
				// Stay locked: the thread dies with this goroutine.
				errc <- errors.Join(fnErr, fmt.Errorf("leave network namespace %s: %w", nsName, err))
				return
			}
			runtime.UnlockOSThread()
			errc <- fnErr
		}()
		fnErr = fn()
	}()
	return <-errc
}

// onFreshThread runs fn on a locked thread that is thrown away afterwards,
// for calls that leave the thread in another namespace (netns.New).
func onFreshThread(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread exits with us
		fn()
	}()
	<-done
}

// createNamedNS creates a named network namespace like "ip netns add" and
// returns a handle to it. The caller's thread is not touched.
func createNamedNS(name string) (netns.NsHandle, error) {
	if err := notShort(); err != nil {
		return netns.None(), err
	}
	h := netns.None()
	var err error
	onFreshThread(func() {
		if err = os.MkdirAll(netnsDir, 0o755); err != nil {
			return
		}
		h, err = netns.NewNamed(name)
	})
	if err != nil {
		// NewNamed leaves the file behind when the bind mount fails.
		_ = os.Remove(filepath.Join(netnsDir, name))
		return netns.None(), fmt.Errorf("create network namespace %s: %w", name, err)
	}
	return h, nil
}

// deleteNamedNS removes a named namespace like "ip netns del". The
// namespace itself goes away, with its interfaces, once no process and no
// open handle refers to it.
func deleteNamedNS(name string) error {
	p := filepath.Join(netnsDir, name)
	if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount %s: %w", p, err)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}

// listNS returns the names of all named network namespaces.
func listNS() ([]string, error) {
	ents, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, nil
}

// withAnonNS runs fn with a netlink handle in a new, unnamed namespace that
// disappears afterwards; Require uses it to probe kernel features.
func withAnonNS(fn func(nl *netlink.Handle) error) error {
	if err := notShort(); err != nil {
		return err
	}
	ns := netns.None()
	var err error
	onFreshThread(func() { ns, err = netns.New() })
	if err != nil {
		return fmt.Errorf("create network namespace: %w", err)
	}
	defer ns.Close()
	nl, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in new namespace: %w", err)
	}
	defer nl.Close()
	return fn(nl)
}

// setSysctls writes sysctls, given as paths under /proc/sys
// ("net/ipv6/conf/all/accept_dad"), inside a namespace.
func setSysctls(ns netns.NsHandle, nsName string, kv [][2]string) error {
	return doIn(ns, nsName, func() error {
		for _, e := range kv {
			p := "/proc/sys/" + e[0]
			if err := os.WriteFile(p, []byte(e[1]), 0o644); err != nil {
				return fmt.Errorf("sysctl %s=%s in %s: %w", e[0], e[1], nsName, err)
			}
		}
		return nil
	})
}

// errShort: under -short no test creates a namespace, even as root
// (Require skips first; this catches a test that forgot to call it).
var errShort = errors.New("lab: no network namespaces under -short (call lab.Require first)")

func notShort() error {
	if testing.Testing() && testing.Short() {
		return errShort
	}
	return nil
}
