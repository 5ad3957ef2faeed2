package main

import (
	"os"

	"github.com/vrrpkit/vrrpkit/metrics"
)

// The exporter says where it listens on standard error, beside the
// finding lines it logs.
func init() { metricsHook = metrics.ServeSaying(os.Stderr) }
