// Command vrrpdoctor checks a host for what breaks VRRP: firewalls dropping
// IP protocol 112, sysctls, multicast membership, keepalived.conf mistakes,
// split brain on the wire and Neutron port filtering. It only reads.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errChecksFailed):
		os.Exit(1)
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "vrrpdoctor:", err)
		os.Exit(2)
	}
}
