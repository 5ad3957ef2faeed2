package doctor

import "context"

// OpenStack is the part of the Neutron API the OpenStack checks read.
type OpenStack interface {
	// PortsByMAC returns the Neutron ports with these MAC addresses.
	PortsByMAC(ctx context.Context, macs []string) ([]Port, error)
	// SecurityGroup returns one security group with its rules.
	SecurityGroup(ctx context.Context, id string) (*SecurityGroup, error)
}

// Port is a Neutron port.
type Port struct {
	ID, Name, MAC    string
	PortSecurity     bool
	FixedIPs         []string
	AllowedPairs     []AddressPair
	SecurityGroupIDs []string
}

// AddressPair is one allowed_address_pairs entry.
type AddressPair struct {
	IP  string // address or CIDR
	MAC string // "" means the port's own MAC
}

// SecurityGroup is a Neutron security group.
type SecurityGroup struct {
	ID, Name string
	Rules    []SecurityGroupRule
}

// SecurityGroupRule is one rule; Protocol is as the API gives it ("112",
// "vrrp", "tcp", "" for any).
type SecurityGroupRule struct {
	ID             string
	Direction      string // ingress, egress
	EtherType      string // IPv4, IPv6
	Protocol       string
	RemoteIPPrefix string
	RemoteGroupID  string
}
