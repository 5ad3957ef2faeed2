package main

import (
	"context"
	"errors"
	"io"
)

func runFailover(ctx context.Context, args []string, stdout, stderr io.Writer, s sys) error {
	return &exitError{code: 2, err: errors.New("failover: not implemented yet")}
}
