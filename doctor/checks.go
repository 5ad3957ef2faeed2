package doctor

import "context"

// OfflineChecks are the checks that read only keepalived's configuration
// files (vrrpdoctor --lint), in report order.
func OfflineChecks() []Check {
	var out []Check
	for _, c := range Checks() {
		if c.Offline {
			out = append(out, c)
		}
	}
	return out
}

// Checks returns every check in report order. The slice is the one place
// checks are listed; each lives in its own check_*.go file with its Doc.
func Checks() []Check {
	return []Check{
		checkFirewallInput,
		checkFirewallOutput,
		checkFirewalld,
		checkSysctlRPFilter,
		checkSysctlARP,
		checkSysctlNonlocalBind,
		checkSysctlAcceptDAD,
		checkMulticastInterface,
		checkMulticastMembership,
		checkMulticastBridge,
		checkMulticastMacvlan,
		checkMulticastIPv6DAD,
		checkDaemonRunning,
		checkDaemonVRRPStrict,
		checkDaemonKeepalivedState,
		checkDaemonKeepalivedPriority,
		checkDaemonKeepalivedTracking,
		checkDaemonKeepalivedDiscards,
		checkDaemonKeepalivedUnicast,
		checkDaemonFRR,
		checkDaemonVirtualisation,
		checkKeepalivedConfig,
		checkKeepalivedAuthPass,
		checkKeepalivedDuplicateVRID,
		checkKeepalivedVIPSubnet,
		checkKeepalivedUnicast,
		checkKeepalivedNopreempt,
		checkKeepalivedScripts,
		checkKeepalivedScriptLine,
		checkKeepalivedAdvertInt,
		checkKeepalivedVersionMix,
		checkKeepalivedNodes,
		checkKeepalivedTrackWeight,
		checkNeighborVIP,
		checkLiveAdverts,
		checkLiveMasters,
		checkLiveSplitBrain,
		checkOpenStackPortSecurity,
		checkOpenStackAddressPairs,
		checkOpenStackSecurityGroups,
	}
}

// RunNodes runs checks on several nodes' configurations (Env.Nodes): the
// single-node checks once per node, their subjects prefixed with the node's
// name, and the CrossNode checks once over all of them. With fewer than two
// nodes it is RunChecks.
func RunNodes(ctx context.Context, env *Env, checks []Check) []Result {
	if len(env.Nodes) < 2 {
		return RunChecks(ctx, env, checks)
	}
	var single, cross []Check
	for _, c := range checks {
		if c.CrossNode {
			cross = append(cross, c)
		} else {
			single = append(single, c)
		}
	}
	var out []Result
	for _, n := range env.Nodes {
		one := &Env{FS: env.FS, Run: env.Run, Net: env.Net, Ifaces: env.Ifaces, Listen: env.Listen,
			Wire: env.Wire, OpenStack: env.OpenStack, LintOnly: env.LintOnly, Nodes: []Node{n}}
		for _, r := range RunChecks(ctx, one, single) {
			if r.Subject != "" {
				r.Subject = n.Name + ": " + r.Subject
			} else {
				r.Subject = n.Name
			}
			out = append(out, r)
		}
	}
	return append(out, RunChecks(ctx, env, cross)...)
}
