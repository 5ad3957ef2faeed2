// Package keepalived reads keepalived.conf the way keepalived 2.2 does and
// returns the configuration the daemon would run, with the file and line of
// every value and the messages keepalived itself would print about it.
//
// The reader follows keepalived's parser (keepalived/core/parser.c) rather
// than a generic block grammar:
//
//   - A line whose first word starts with '!' or '#' is a comment, and an
//     unquoted '!' or '#' ends a line anywhere, inside a word too:
//     "auth_pass keep0ut!" is the 7-character keep0ut. keepalived's parent
//     process reads "\#" and "\!" as '#' and '!', but its VRRP process
//     reads the parent's copy of the lines, where they are comments again:
//     the reader reads as the VRRP process ("vrrp_instance VI_\#1" runs as
//     VI_) and reports what both say.
//   - "double quotes" make one word of what they enclose, comment characters
//     included; '{' and '}' outside quotes start a new line, so
//     "virtual_ipaddress { 192.0.2.1 }" is three lines. A quote left open is
//     reported ("Unterminated quote", "Unmatched quote:") and ends the line.
//   - The preprocessor (keepalived.conf(5), ADVANCED CONFIGURATION): lines
//     starting "@id" are kept only when id is the node's config id (-i,
//     default the host name), "@^id" only when it is not; "$NAME=value"
//     defines a parameter (continued over lines ending in '\'), "$NAME" and
//     "${NAME}" expand it, with the built-ins _PWD, _INSTANCE, _HASH, _BANG;
//     "~SEQ(var,start,step,end)", "~SEQx(...)" and "~LST(var,v1,v2,...)"
//     repeat the rest of the line.
//   - "include PATTERN" (glob, with {a,b} braces) is relative to the
//     directory of the file that includes it; a pattern that matches nothing
//     is reported as keepalived reports it ("Config files missing").
//   - Keywords are case-sensitive and checked against keepalived 2.2.7's own
//     keyword tables (keywords_gen.go, read out of the binary): an unknown
//     keyword is reported, and a '{' after it is ignored, so its '}' closes
//     the enclosing block — as keepalived does. Each of keepalived's
//     processes reads its own blocks and passes over the others by counting
//     braces: the VRRP process's reading gives the Config, and the unknown
//     keywords of the LVS blocks (virtual_server, real_server, the
//     checkers), of bfd_instance, SSL, garp_group and track_group are
//     reported as the process that reads them reports them (keepalived -t
//     runs them all). A keyword that needs a value and has none stops the
//     process reading it: keepalived refuses the configuration
//     (Config.Refused, "... is missing a parameter ...").
//   - Values get keepalived's defaults and rules: an IPv6 instance runs
//     VRRPv3 whatever its version says and ignores authentication; a MASTER
//     without priority has 255; vrrp_strict drops authentication; "state
//     master" and "auth_type pass" are not accepted (BACKUP, no
//     authentication); auth_pass is cut to 8 characters; a second instance
//     of the same name is skipped; under vrrp_strict only the owner (255)
//     starts as MASTER and accept is off; a MASTER with AH starts as
//     BACKUP; a track_interface on the instance's own interface is dropped;
//     with enable_script_security a script with no user to run as is
//     dropped; a vrrp_script whose user the host lacks is dropped; the words
//     after an unquoted notify script are its user and group; more VIPs than
//     an advert carries move to the excluded ones; static_ipaddress,
//     static/virtual routes and rules are read for keepalived's "VRRP parsed
//     invalid IP"; and so on, each with keepalived's message.
//   - What makes keepalived refuse the whole configuration (its VRRP process
//     exits, keepalived -t fails) is a KindFatal message, listed by
//     Config.Refused: an instance without virtual_router_id or interface
//     (2.2.7 applies no default_interface), a VRRPv3 or strict instance
//     without a VIP, two multicast instances with one VRID on one interface
//     and group, an interface name no host can have (ens18:1). As keepalived
//     does, the reader stops at the first instance that fails and prints
//     nothing after it.
//
// Read (a file and its includes in an fs.FS rooted at "/") and Parse (a
// file in memory) are the entry points; Config is the result: Instances,
// Scripts, Global, SyncGroups as keepalived runs them, Instance.Where and
// At give the file:line of each keyword, Config.Messages what keepalived
// prints, classed by Kind. Scripts and script users are judged against the
// host's files (fs) as keepalived does on that host; Options.NotOnHost
// reads a file that belongs to another machine.
//
// TestAgainstKeepalived (a lab test, root) reads the public configurations
// in shared/external/keepalived-configs with keepalived 2.2.7 itself (-d
// dump in a private network namespace, and keepalived -t's verdict) and with
// this reader: instance by instance and message by message for the files
// keepalived starts, refusal and messages for those it does not.
package keepalived
