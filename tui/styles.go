package tui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/vrrpkit/vrrpkit/track"
)

// styles are every colour and attribute the screen uses, made from one
// renderer so that NO_COLOR (termenv's Ascii profile) turns all of them off
// at once. Nothing is told by colour alone: states and severities are
// words, the selected row has a ">" marker.
type styles struct {
	title, header, dim, selected, bar, barKey, paused, warnText lipgloss.Style
	state                                                       map[track.State]lipgloss.Style
	severity                                                    map[track.Severity]lipgloss.Style
	master, other, resign                                       lipgloss.Style
}

func newStyles(r *lipgloss.Renderer) styles {
	s := r.NewStyle
	red := lipgloss.AdaptiveColor{Light: "160", Dark: "203"}
	yellow := lipgloss.AdaptiveColor{Light: "136", Dark: "220"}
	green := lipgloss.AdaptiveColor{Light: "28", Dark: "78"}
	cyan := lipgloss.AdaptiveColor{Light: "31", Dark: "80"}
	grey := lipgloss.AdaptiveColor{Light: "245", Dark: "243"}
	blue := lipgloss.AdaptiveColor{Light: "25", Dark: "75"}
	return styles{
		title:    s().Bold(true),
		header:   s().Bold(true).Underline(true),
		dim:      s().Foreground(grey),
		selected: s().Reverse(true),
		bar:      s().Reverse(true),
		barKey:   s().Reverse(true).Bold(true),
		paused:   s().Bold(true).Foreground(yellow).Reverse(true),
		warnText: s().Foreground(yellow),
		state: map[track.State]lipgloss.Style{
			track.StateOK:         s().Foreground(green),
			track.StateSplitBrain: s().Bold(true).Foreground(lipgloss.Color("231")).Background(lipgloss.Color("160")),
			track.StateDown:       s().Bold(true).Foreground(red),
			track.StateCollision:  s().Bold(true).Foreground(red),
			track.StateFlapping:   s().Bold(true).Foreground(yellow),
			track.StateMismatch:   s().Foreground(yellow),
			track.StateReleased:   s().Foreground(cyan),
			track.StateInit:       s().Foreground(grey),
		},
		severity: map[track.Severity]lipgloss.Style{
			track.SeverityError:   s().Bold(true).Foreground(red),
			track.SeverityWarning: s().Foreground(yellow),
			track.SeverityInfo:    s().Foreground(cyan),
		},
		master: s().Foreground(green),
		other:  s().Foreground(blue),
		resign: s().Foreground(yellow),
	}
}
