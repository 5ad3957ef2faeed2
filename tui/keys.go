package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the screen answers to.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Enter, Back, Filter, Sort, Pause, Help  key.Binding
	Quit                                    key.Binding
}

var keys = keyMap{
	Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
	Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
	PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
	PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
	Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "first")),
	Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "last")),
	Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "group detail")),
	Back:     key.NewBinding(key.WithKeys("esc", "backspace", "h", "left"), key.WithHelp("esc", "back")),
	Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
	Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
	Pause:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
	Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
}

// helpLines is the help screen: every binding and what it does.
func (k keyMap) helpLines() [][2]string {
	var out [][2]string
	for _, b := range []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Enter, k.Back,
		k.Filter, k.Sort, k.Pause, k.Help, k.Quit} {
		out = append(out, [2]string{b.Help().Key, b.Help().Desc})
	}
	return out
}
