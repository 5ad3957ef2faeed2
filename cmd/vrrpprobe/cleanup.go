package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/vrrpkit/vrrpkit/internal/cli"
	"github.com/vrrpkit/vrrpkit/probe"
)

// cleanupResult is what "vrrpprobe cleanup" found and did.
type cleanupResult struct {
	Speakers []cleanedSpeaker `json:"speakers"`
	// Orphans have a speaker's name but no state file lists them.
	Orphans []cleanedOrphan `json:"orphans"`
	OK      bool            `json:"ok"`
}

type cleanedOrphan struct {
	probe.Orphan
	Removed bool   `json:"removed"`
	Error   string `json:"error,omitempty"`
}

type cleanedSpeaker struct {
	probe.Found
	Removed []string `json:"removed,omitempty"`
	Left    []string `json:"left,omitempty"` // what is still there, with the command to remove it
	Error   string   `json:"error,omitempty"`
}

func runCleanup(_ context.Context, p *cli.Parsed, stdout, stderr io.Writer, s sys) error {
	iface := ref(p.String("i"))
	dry := ref(p.Bool("n"))
	orphans := ref(p.Bool("orphans"))
	asJSON := ref(p.Bool("json"))
	found, ferr := s.findLeftovers(*iface)
	res := cleanupResult{OK: ferr == nil}
	var text strings.Builder
	for _, f := range found {
		c := cleanedSpeaker{Found: f}
		l := f.Leftovers
		what := fmt.Sprintf("speaker pid %d, %s vrid %d on %s (%s)", l.Pid, l.Family, l.VRID, l.Interface, f.Path)
		switch {
		case f.Alive:
			fmt.Fprintf(&text, "%s still runs: left alone (stop it with kill %d; it removes what it added)\n", what, l.Pid)
		case *dry:
			c.Left = l.Describe()
			fmt.Fprintf(&text, "%s is dead and left:\n", what)
			for _, d := range c.Left {
				fmt.Fprintf(&text, "  %s\n", d)
			}
		default:
			removed, err := s.clean(f.Path, l)
			c.Removed = removed
			fmt.Fprintf(&text, "%s is dead: removed %s\n", what, orNothing(removed))
			if err != nil {
				res.OK = false
				c.Error = err.Error()
				c.Left = l.Describe()
				fmt.Fprintf(&text, "  failed: %v\n", err)
				for _, d := range c.Left {
					fmt.Fprintf(&text, "  left: %s\n", d)
				}
			}
		}
		res.Speakers = append(res.Speakers, c)
	}
	if len(found) == 0 && ferr == nil {
		text.WriteString("no state file of a vrrpprobe speaker in " + strings.Join(probe.StateDirs(), ", ") + "\n")
	}
	orph, oerr := s.findOrphans(found)
	if oerr != nil {
		res.OK = false
		fmt.Fprintf(&text, "looking for speakers' macvlans and firewall tables no state file lists: %v\n", oerr)
	}
	for _, o := range orph {
		c := cleanedOrphan{Orphan: o}
		if *orphans && !*dry {
			if err := s.removeOrphan(o); err != nil {
				res.OK = false
				c.Error = err.Error()
				fmt.Fprintf(&text, "%s %s (no state file lists it): removing failed: %v (%s)\n", o.Kind, o.Name, err, o.Remove)
			} else {
				c.Removed = true
				fmt.Fprintf(&text, "%s %s (no state file lists it): removed\n", o.Kind, o.Name)
			}
		} else {
			fmt.Fprintf(&text, "%s %s has a speaker's name but no state file lists it: --orphans removes it, or: %s\n", o.Kind, o.Name, o.Remove)
		}
		res.Orphans = append(res.Orphans, c)
	}
	if len(found) == 0 && len(orph) == 0 && ferr == nil && oerr == nil {
		text.WriteString("nothing to clean up\n")
	}
	out := newOutput(stdout, stderr, *asJSON)
	out.result(text.String(), res)
	if ferr != nil {
		return &exitError{code: 2, err: ferr}
	}
	if err := out.Err(); err != nil {
		return &exitError{code: 2, err: err}
	}
	if !res.OK {
		return &exitError{code: 1}
	}
	return nil
}

func orNothing(s []string) string {
	if len(s) == 0 {
		return "nothing (it was gone already)"
	}
	return strings.Join(s, ", ")
}
