package keepalived_test

import (
	"fmt"

	"github.com/vrrpkit/vrrpkit/keepalived"
)

// A password cut at '!' and an IPv6 instance keepalived runs as VRRPv3:
// the reader says what keepalived will run, and where.
func ExampleParse() {
	src := `vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    authentication {
        auth_type PASS
        auth_pass keep0ut!
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
vrrp_instance VI_6 {
    interface eth0
    virtual_router_id 52
    virtual_ipaddress {
        2001:db8::100/64
    }
}
`
	c := keepalived.Parse("/etc/keepalived/keepalived.conf", []byte(src), nil, keepalived.Options{ConfigID: "node1"})
	for _, in := range c.Instances {
		fmt.Printf("%s: VRRPv%d priority %d (%s) auth %q %q\n", in.Name, in.Version, in.Priority, in.At("priority"), in.Auth.Type, in.Auth.Pass)
	}
	for _, m := range c.Messages {
		fmt.Println(m)
	}
	// Output:
	// VI_1: VRRPv2 priority 255 (/etc/keepalived/keepalived.conf:1) auth "PASS" "keep0ut"
	// VI_6: VRRPv3 priority 100 (/etc/keepalived/keepalived.conf:13) auth "" ""
}
