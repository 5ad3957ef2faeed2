package track

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpkit/vrrpkit/decode"
)

// checkConfig compares r, whose configuration is new or changed, with every
// other router of g. It runs only on changes, never per advert.
func (t *Tracker) checkConfig(g *group, r *router, ts instant) {
	for _, o := range g.routers {
		if o == r || o.count == 0 {
			continue
		}
		a, b := r, o
		if b.addr.Less(a.addr) {
			a, b = b, a
		}
		pair := []string{a.addr.String(), b.addr.String()}
		// keep is the router whose configuration the fix keeps (the one
		// that wins the election, master once the group settles), change
		// the other.
		keep, change := a, b
		if b.before(a) {
			keep, change = b, a
		}
		raise := func(ru rule, msg string, ev map[string]any, fix string) {
			if idx := t.raise(ru, g.exp, ts, pair, msg, "", ev); idx >= 0 && fix != "" {
				t.findings[idx].Hint = fix
			}
			if ru == ruleVRIDCollision {
				g.collision = true
			} else {
				g.mismatch = true
			}
		}
		if unrelated(a, b) {
			raise(ruleVRIDCollision, fmt.Sprintf("%s (%s) and %s (%s) use VRID %d with unrelated addresses: two virtual routers share one id",
				a.addr, joinAddrs(a.vips), b.addr, joinAddrs(b.vips), g.exp.VRID),
				map[string]any{"vips": map[string][]string{pair[0]: addrStrings(a.vips...), pair[1]: addrStrings(b.vips...)}},
				fmt.Sprintf("give one of the two virtual routers another VRID on this link: %s (%s) or %s (%s) — on every router of that one",
					a.addr, joinAddrs(a.vips), b.addr, joinAddrs(b.vips)))
			continue
		}
		if a.version != b.version {
			raise(ruleVersionMismatch, fmt.Sprintf("%s speaks VRRP%d and %s VRRP%d", a.addr, a.version, b.addr, b.version),
				map[string]any{"versions": []int{int(a.version), int(b.version)}},
				fmt.Sprintf("field version: %s speaks VRRP%d, %s VRRP%d; on %s set vrrp_version %d (FRR: vrrp %d version %d) to match %s",
					keep.addr, keep.version, change.addr, change.version, change.addr, keep.version, g.exp.VRID, keep.version, keep.addr))
			continue // the other fields mean different things
		}
		if a.adverInt != b.adverInt {
			raise(ruleIntervalMismatch, fmt.Sprintf("%s advertises every %s and %s every %s", a.addr, a.interval, b.addr, b.interval),
				map[string]any{"intervals_s": []float64{secs(a.interval), secs(b.interval)}},
				fmt.Sprintf("field advert interval: %s %s, %s %s; on %s set advert_int %s (FRR: vrrp %d advertisement-interval %d) to match %s",
					keep.addr, keep.interval, change.addr, change.interval, change.addr, trimSeconds(keep.interval), g.exp.VRID, keep.interval.Milliseconds(), keep.addr))
		}
		if a.version == decode.V2 && (a.authType != b.authType || a.authType == decode.AuthSimple && a.authData != b.authData) {
			detail := fmt.Sprintf("%s uses %s, %s %s", a.addr, a.authType, b.addr, b.authType)
			if a.authType == b.authType {
				detail = fmt.Sprintf("%s and %s send different passwords (fingerprints %s, %s)", a.addr, b.addr, a.authFP, b.authFP)
				if t.opts.ShowAuth {
					detail = fmt.Sprintf("%s sends %q, %s %q", a.addr, authText(a.authData), b.addr, authText(b.authData))
				}
			}
			if a.authType != decode.AuthAH || b.authType != decode.AuthAH {
				raise(ruleAuthMismatch, "authentication differs: "+detail,
					map[string]any{"auth_types": []string{a.authType.String(), b.authType.String()},
						"auth_fingerprints": []string{a.authFP, b.authFP}},
					fmt.Sprintf("field authentication: on %s set auth_type %s and the auth_pass of %s (keepalived uses its first 8 characters), or remove authentication from both",
						change.addr, keep.authType, keep.addr))
			}
		}
		if !sameVIPs(a.vips, b.vips) {
			raise(ruleVIPMismatch, fmt.Sprintf("%s advertises %s and %s %s", a.addr, joinAddrs(a.vips), b.addr, joinAddrs(b.vips)),
				map[string]any{"vips": map[string][]string{pair[0]: addrStrings(a.vips...), pair[1]: addrStrings(b.vips...)}},
				fmt.Sprintf("field virtual addresses: %s %s, %s %s; on %s set virtual_ipaddress to %s to match %s",
					keep.addr, joinAddrs(keep.vips), change.addr, joinAddrs(change.vips), change.addr, joinAddrs(keep.vips), keep.addr))
		}
		if a.prio == 255 && b.prio == 255 {
			raise(ruleOwnerConflict, fmt.Sprintf("%s and %s both claim priority 255 (address owner)", a.addr, b.addr),
				map[string]any{"priority": 255}, fmt.Sprintf("on whichever of %s and %s does not own the virtual addresses, set a priority below 255", a.addr, b.addr))
		}
		if a.version == decode.V3 && g.key.fam == decode.IPv4 && a.flavour != b.flavour &&
			a.flavour != decode.FlavourNone && b.flavour != decode.FlavourNone {
			raise(ruleChecksumFlavourMismatch, fmt.Sprintf("%s computes the v3 IPv4 checksum %s and %s %s: each discards the other's adverts",
				a.addr, a.flavour, b.addr, b.flavour),
				map[string]any{"flavours": []string{a.flavour.String(), b.flavour.String()}},
				fmt.Sprintf("field checksum: %s computes it %s, %s %s; on %s compute it %s to match %s (keepalived v3_checksum_as_v2, FRR checksum-with-ipv4-pseudoheader)",
					keep.addr, keep.flavour, change.addr, change.flavour, change.addr, keep.flavour, keep.addr))
		}
	}
}

// sameVIPs compares address sets regardless of order.
func sameVIPs(a, b []netip.Addr) bool {
	if len(a) != len(b) {
		return false
	}
	if slices.Equal(a, b) {
		return true
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.SortFunc(x, netip.Addr.Compare)
	slices.SortFunc(y, netip.Addr.Compare)
	return slices.Equal(x, y)
}

func joinAddrs(as []netip.Addr) string {
	if len(as) == 0 {
		return "no addresses"
	}
	return strings.Join(addrStrings(as...), ",")
}

// trimSeconds writes an interval as keepalived's advert_int takes it: 1,
// 0.5.
func trimSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
