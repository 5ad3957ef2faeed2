package doctor

import (
	"errors"
	"strings"
)

// ErrNotApplicable is the class of errors saying a check does not apply to
// this host (no keepalived.conf, no nft binary, no --listen): the check is
// skipped, not failed.
var ErrNotApplicable = errors.New("not applicable on this host")

// NotApplicableError says why a check does not apply. It matches
// ErrNotApplicable with errors.Is and keeps its cause.
type NotApplicableError struct {
	Reason string
	Err    error
}

func (e *NotApplicableError) Error() string {
	if e.Err != nil {
		return e.Reason + ": " + e.Err.Error()
	}
	return e.Reason
}

func (e *NotApplicableError) Is(target error) bool { return target == ErrNotApplicable }
func (e *NotApplicableError) Unwrap() error        { return e.Err }

func notApplicable(reason string) error { return &NotApplicableError{Reason: reason} }

// CommandError is a host command that failed to run or exited non-zero.
type CommandError struct {
	Cmd    []string
	Stderr string
	Err    error
}

func (e *CommandError) Error() string {
	msg := "command " + strings.Join(e.Cmd, " ") + " failed: " + e.Err.Error()
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// ErrCommandNotFound is wrapped by a CommandError when the binary is not
// installed; checks treat it as not applicable.
var ErrCommandNotFound = errors.New("command not found")
