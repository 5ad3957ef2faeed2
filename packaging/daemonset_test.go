package packaging

import (
	"os"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestDaemonSet decodes the manifest strictly into the Kubernetes API
// types (an unknown or misplaced field fails, as kubectl --validate=strict
// would) and checks what it promises: host network, CAP_NET_RAW only, the
// metrics port by name, vrrpdump serving it.
func TestDaemonSet(t *testing.T) {
	data, err := os.ReadFile("daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ds appsv1.DaemonSet
	if err := yaml.UnmarshalStrict(data, &ds); err != nil {
		t.Fatalf("daemonset.yaml does not decode strictly into apps/v1 DaemonSet: %v", err)
	}
	if ds.APIVersion != "apps/v1" || ds.Kind != "DaemonSet" {
		t.Errorf("apiVersion %q kind %q", ds.APIVersion, ds.Kind)
	}
	spec := ds.Spec.Template.Spec
	if !spec.HostNetwork || spec.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
		t.Errorf("hostNetwork %v, dnsPolicy %q: vrrpdump must see the node's segment", spec.HostNetwork, spec.DNSPolicy)
	}
	for k, v := range ds.Spec.Selector.MatchLabels {
		if ds.Spec.Template.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the template's labels", k, v)
		}
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers", len(spec.Containers))
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Add, []corev1.Capability{"NET_RAW"}) ||
		!slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("capabilities %+v, want NET_RAW added and ALL dropped", sc)
	}
	if sc != nil && (sc.Privileged != nil && *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem) {
		t.Errorf("securityContext %+v: want unprivileged, no privilege escalation, read-only root", sc)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "metrics" || c.Ports[0].ContainerPort != 9724 {
		t.Errorf("ports %+v, want one named metrics on 9724", c.Ports)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Port.String() != "metrics" {
		t.Errorf("readiness probe %+v, want GET /metrics on the port named metrics", c.ReadinessProbe)
	}
	if i := slices.Index(c.Args, "--metrics"); i < 0 || i+1 == len(c.Args) || c.Args[i+1] != "$(NODE_IP):9724" || !slices.Contains(c.Args, "-i") {
		t.Errorf("args %q, want -i IFACE --metrics $(NODE_IP):9724", c.Args)
	}
}
