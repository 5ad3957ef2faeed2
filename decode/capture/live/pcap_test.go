//go:build pcap

package live

import (
	"errors"
	"strings"
	"testing"
)

// TestLiveErrorSaysWhatToDo: libpcap's errors for a missing interface (in
// either spelling libpcap has used) and missing privileges become ones that
// name the interface and say what to do.
func TestLiveErrorSaysWhatToDo(t *testing.T) {
	for _, tc := range []struct{ pcap, want string }{
		{"nosuch0: No Such Device Exists (SIOCGIFHWADDR: No such device)", "capture on nosuch0: no such interface: list them with `ip -br link`"},
		{"No Such Device", "capture on nosuch0: no such interface"},
		{"nosuch0: No such device exists", "capture on nosuch0: no such interface"},
		{"socket: Operation not permitted", "sudo setcap cap_net_raw,cap_net_admin=eip"},
		{"You don't have permission to capture on that device (socket: Operation not permitted)", "run as root"},
		{"nosuch0: That device is not up", "capture on nosuch0: nosuch0: That device is not up"},
	} {
		got := liveError("nosuch0", errors.New(tc.pcap)).Error()
		if !strings.Contains(got, tc.want) {
			t.Errorf("libpcap %q: %q, want it to contain %q", tc.pcap, got, tc.want)
		}
	}
}
