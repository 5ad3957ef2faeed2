package tui

import (
	"context"
	"errors"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/vrrpkit/vrrpkit/internal/feed"
)

// Run shows the screen on the terminal until the user quits (q, Ctrl-C)
// or ctx ends; vrrpdump then prints its summary on the normal screen.
func Run(ctx context.Context, feed *feed.Feed) error {
	m := New(feed, Options{Renderer: lipgloss.NewRenderer(os.Stdout)})
	_, err := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx)).Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted) {
		return nil // a signal: vrrpdump stops as on q
	}
	return err
}
