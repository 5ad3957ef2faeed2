package main

import "syscall"

// signalDaemon asks a daemon for its state dumps (keepalived's JSON, DATA
// and STATS signals); nothing else is ever sent.
func signalDaemon(pid, sig int) error { return syscall.Kill(pid, syscall.Signal(sig)) }
