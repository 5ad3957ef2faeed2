package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsecurity"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

// Neutron reads ports and security groups from the Neutron API with
// gophercloud. It only sends GET requests.
type Neutron struct {
	client *gophercloud.ServiceClient
}

// NewNeutron connects to Neutron with the credentials in the OS_*
// variables, or in clouds.yaml when OS_CLOUD is set. OS_AUTH_TYPE=none (or
// noauth) with OS_ENDPOINT talks to a Neutron without Keystone, as
// `openstack --os-auth-type none --os-endpoint URL` does.
func NewNeutron(ctx context.Context) (*Neutron, error) {
	switch strings.ToLower(os.Getenv("OS_AUTH_TYPE")) {
	case "none", "noauth":
		ep := os.Getenv("OS_ENDPOINT")
		if ep == "" {
			ep = os.Getenv("OS_NETWORK_ENDPOINT")
		}
		if ep == "" {
			return nil, errors.New("OS_AUTH_TYPE=none needs OS_ENDPOINT, the Neutron URL (http://HOST:9696)")
		}
		return NewNeutronNoAuth(ep, nil), nil
	}
	var ao gophercloud.AuthOptions
	var eo gophercloud.EndpointOpts
	var err error
	if os.Getenv("OS_CLOUD") != "" {
		ao, eo, _, err = clouds.Parse()
	} else {
		ao, err = openstack.AuthOptionsFromEnv()
		eo.Region = os.Getenv("OS_REGION_NAME")
	}
	if err != nil {
		return nil, fmt.Errorf("openstack credentials (set OS_CLOUD with a clouds.yaml, or OS_AUTH_URL, OS_USERNAME, ...): %w", err)
	}
	pc, err := openstack.AuthenticatedClient(ctx, ao)
	if err != nil {
		return nil, fmt.Errorf("authenticate to %s: %w", ao.IdentityEndpoint, err)
	}
	c, err := openstack.NewNetworkV2(pc, eo)
	if err != nil {
		return nil, fmt.Errorf("find the network endpoint in the catalogue: %w", err)
	}
	return &Neutron{client: c}, nil
}

// NewNeutronNoAuth talks to a Neutron at endpoint that needs no token
// (auth_strategy = noauth).
func NewNeutronNoAuth(endpoint string, hc *http.Client) *Neutron {
	if !strings.HasSuffix(endpoint, "/") {
		endpoint += "/"
	}
	pc := &gophercloud.ProviderClient{}
	if hc != nil {
		pc.HTTPClient = *hc
	}
	return &Neutron{client: &gophercloud.ServiceClient{ProviderClient: pc, Endpoint: endpoint, ResourceBase: endpoint + "v2.0/"}}
}

// PortsByMAC lists the ports with these MAC addresses.
func (n *Neutron) PortsByMAC(ctx context.Context, macs []string) ([]Port, error) {
	var out []Port
	for _, mac := range macs {
		pages, err := ports.List(n.client, ports.ListOpts{MACAddress: mac}).AllPages(ctx)
		if err != nil {
			return nil, fmt.Errorf("list ports with MAC %s: %w", mac, err)
		}
		var ps []struct {
			ports.Port
			portsecurity.PortSecurityExt
		}
		if err := ports.ExtractPortsInto(pages, &ps); err != nil {
			return nil, err
		}
		for _, p := range ps {
			q := Port{ID: p.ID, Name: p.Name, MAC: strings.ToLower(p.MACAddress), PortSecurity: p.PortSecurityEnabled,
				SecurityGroupIDs: p.SecurityGroups}
			for _, ip := range p.FixedIPs {
				q.FixedIPs = append(q.FixedIPs, ip.IPAddress)
			}
			for _, ap := range p.AllowedAddressPairs {
				q.AllowedPairs = append(q.AllowedPairs, AddressPair{IP: ap.IPAddress, MAC: strings.ToLower(ap.MACAddress)})
			}
			out = append(out, q)
		}
	}
	return out, nil
}

// SecurityGroup reads one security group with its rules.
func (n *Neutron) SecurityGroup(ctx context.Context, id string) (*SecurityGroup, error) {
	g, err := groups.Get(ctx, n.client, id).Extract()
	if err != nil {
		return nil, fmt.Errorf("get security group %s: %w", id, err)
	}
	sg := &SecurityGroup{ID: g.ID, Name: g.Name}
	for _, r := range g.Rules {
		sg.Rules = append(sg.Rules, SecurityGroupRule{ID: r.ID, Direction: r.Direction, EtherType: r.EtherType,
			Protocol: r.Protocol, RemoteIPPrefix: r.RemoteIPPrefix, RemoteGroupID: r.RemoteGroupID})
	}
	return sg, nil
}
