package main

import "github.com/vrrpkit/vrrpkit/tui"

func init() { tuiHook = tui.Run }
