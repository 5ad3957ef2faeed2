// Package doctor checks a host for the misconfigurations that break VRRP:
// firewalls that drop IP protocol 112, sysctls that fight virtual MACs,
// interfaces that never joined 224.0.0.18, keepalived.conf mistakes, stale
// neighbour entries, split brain seen on the wire and Neutron ports that
// filter VRRP (RFC 3768, RFC 5798).
//
// Each Check has a stable kebab-case ID, reads the host only through Env (an
// fs.FS rooted at /, a command Runner and a netlink-backed Net), never changes
// it, and returns Results with a status, the evidence it read and the exact
// fix. Checks lists them all; RunChecks runs them; WriteText and WriteJSON
// print the report.
package doctor
