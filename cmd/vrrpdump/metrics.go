package main

import "github.com/vrrpkit/vrrpkit/metrics"

func init() { metricsHook = metrics.Serve }
