// Command vrrpdoctor checks a host for what breaks VRRP: firewalls dropping
// IP protocol 112, sysctls, multicast membership, keepalived.conf mistakes,
// split brain on the wire and Neutron port filtering. It only reads.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vrrpkit/vrrpkit/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.Exit("vrrpdoctor", err, os.Stderr))
}
