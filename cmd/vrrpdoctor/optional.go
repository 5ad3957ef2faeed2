package main

import (
	"context"

	"github.com/vrrpkit/vrrpkit/doctor"
)

// setupOptional prepares the live capture and the OpenStack client when
// asked for. Neither is built yet: the checks that need them skip.
func setupOptional(ctx context.Context, env *doctor.Env, o *options) error {
	return nil
}
