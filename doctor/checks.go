package doctor

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
		checkKeepalivedConfig,
		checkKeepalivedAuthPass,
		checkKeepalivedDuplicateVRID,
		checkKeepalivedVIPSubnet,
		checkKeepalivedUnicast,
		checkKeepalivedNopreempt,
		checkKeepalivedScripts,
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
