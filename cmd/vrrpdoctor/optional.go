package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vrrpkit/vrrpkit/decode/capture"
	"github.com/vrrpkit/vrrpkit/decode/capture/live"
	"github.com/vrrpkit/vrrpkit/doctor"
)

// setupOptional runs the live capture (--listen) and connects to Neutron
// (--openstack) before the checks run.
func setupOptional(ctx context.Context, env *doctor.Env, o *options) error {
	if o.listen > 0 {
		// keepalived's discard counters before and after the capture.
		env.WatchDaemons(ctx)
		w, err := listen(ctx, env.VRRPInterfaces(ctx), o.listen)
		if err != nil {
			return err
		}
		env.Wire = w
	}
	if o.openstack {
		c, err := doctor.NewNeutron(ctx)
		if err != nil {
			return fmt.Errorf("--openstack: %w", err)
		}
		env.OpenStack = c
	}
	return nil
}

// listen captures VRRP on every interface for d.
func listen(ctx context.Context, ifaces []string, d time.Duration) (*doctor.Wire, error) {
	if len(ifaces) == 0 {
		return nil, fmt.Errorf("--listen needs interfaces: give -i IFACE or a --config naming them")
	}
	w := &doctor.Wire{Duration: d, Ifaces: ifaces}
	var srcs []capture.Source
	for _, i := range ifaces {
		src, err := live.Open(i, live.Options{})
		if err != nil {
			for _, s := range srcs {
				s.Close()
			}
			return nil, err
		}
		srcs = append(srcs, src)
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(srcs))
	for k, src := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer src.Close()
			errs[k] = w.Read(ctx, ifaces[k], src, capture.Options{Until: time.Now().Add(d)})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return w, nil
}
