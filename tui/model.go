package tui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/vrrpkit/vrrpkit/internal/feed"
	"github.com/vrrpkit/vrrpkit/track"
)

// Options tune a Model. The zero value is what vrrpdump uses.
type Options struct {
	// Renderer makes the styles; nil means lipgloss's default renderer
	// (stdout; NO_COLOR and the terminal decide the colours).
	Renderer *lipgloss.Renderer
	// Clock gives the wall-clock time, for the elapsed time in the status
	// bar (default time.Now). Ages are measured on the tracker's clock.
	Clock func() time.Time
	// Location for times of day (default time.Local).
	Location *time.Location
	// MinRefresh is the shortest time between two snapshots of the
	// tracker (default 200 ms); a snapshot that costs more stretches it to
	// ten times its cost, so the screen takes at most a tenth of a core.
	MinRefresh time.Duration
	// Health and Started replace the feed's (for tests).
	Health  func() []feed.Health
	Started time.Time
}

// view is which screen is up.
type view int

const (
	viewTable view = iota
	viewDetail
	viewHelp
)

// sortKey orders the groups table.
type sortKey int

const (
	sortGroup sortKey = iota
	sortState
	sortAge
	sortMaster
	numSorts
)

func (s sortKey) String() string {
	return [...]string{"group", "state", "age", "master"}[s]
}

// Messages.
type (
	updateMsg  struct{} // the capture observed frames
	endedMsg   struct{} // the capture ended (Updates closed)
	refreshMsg struct{} // a throttled refresh is due
	tickMsg    struct{} // the one-second tick: elapsed time, ages
)

// data is one consistent reading of the tracker.
type data struct {
	groups   []track.GroupSnapshot
	carps    []track.CARPSnapshot
	rows     []groupRow      // the table's rows: groups, then carps
	findings []track.Finding // worst first, then newest opening first (sortTime)
	stats    track.Stats
	now      time.Time           // the tracker's clock
	active   int                 // findings active now (track.Active)
	counts   map[track.State]int // rows per state
	oneLink  bool                // every group is on one link
	anyVLAN  bool                // some group is on a VLAN
}

// Model is the screen.
type Model struct {
	feed  *feed.Feed
	opts  Options
	st    styles
	width int
	// height of the terminal; 24 until the first WindowSizeMsg.
	height int

	d       *data
	rows    []int // indexes into d.rows: filtered and sorted
	sel     track.GroupKey
	cursor  int
	offset  int
	view    view
	back    view // the view help returns to
	sortBy  sortKey
	filter  string
	editing bool // typing a filter

	detailOffset int

	paused   bool
	waiting  bool // a wait on Updates is out
	pending  bool // an update arrived while paused or throttled
	timerOut bool // a refreshMsg is scheduled
	ended    bool
	last     time.Time     // wall clock of the last snapshot
	interval time.Duration // current minimum between snapshots
	cost     time.Duration // what the last snapshot cost
}

// New returns the screen for feed and takes a first snapshot.
func New(feed *feed.Feed, opts Options) *Model {
	if opts.Renderer == nil {
		opts.Renderer = lipgloss.DefaultRenderer()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.MinRefresh <= 0 {
		opts.MinRefresh = 200 * time.Millisecond
	}
	if opts.Health == nil {
		opts.Health = feed.Health
	}
	if opts.Started.IsZero() {
		opts.Started = feed.Started()
	}
	m := &Model{feed: feed, opts: opts, st: newStyles(opts.Renderer), width: 80, height: 24, interval: opts.MinRefresh}
	m.refresh()
	return m
}

// Init starts waiting for the capture and the one-second tick.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.wait(), tick())
}

// wait returns a command that waits for the next update from the capture.
func (m *Model) wait() tea.Cmd {
	if m.waiting || m.ended || m.feed.Updates == nil {
		return nil
	}
	m.waiting = true
	ch := m.feed.Updates
	return func() tea.Msg {
		if _, ok := <-ch; !ok {
			return endedMsg{}
		}
		return updateMsg{}
	}
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return tickMsg{} })
}

// sortTime is when a finding counts as news for the findings pane.
func sortTime(f *track.Finding) time.Time {
	switch {
	case !f.Start.IsZero():
		return f.Start
	case f.Phase == "" && isFact(f):
		return f.First
	}
	return f.Last
}

func isFact(f *track.Finding) bool {
	r, ok := track.RuleOf(f.ID)
	return ok && r.Kind == track.KindFact
}

// refresh reads the tracker and rebuilds the rows.
func (m *Model) refresh() {
	start := time.Now()
	tr := m.feed.Tracker
	// Timelines only for the selected group: copying every router's
	// timeline was most of a refresh's cost with many groups.
	d := &data{groups: tr.Overview(), carps: tr.CARP(), findings: tr.Findings(), stats: tr.Stats(), now: tr.Now(),
		counts: map[track.State]int{}}
	m.withTimeline(d)
	for i := range d.groups {
		d.rows = append(d.rows, vrrpRow{&d.groups[i]})
	}
	for i := range d.carps {
		d.rows = append(d.rows, carpRow{&d.carps[i]})
	}
	slices.Reverse(d.findings)
	// Worst first, then the most recently opened (an incident's start, a
	// fact's first sighting, an event's latest occurrence): a fact that
	// every advert repeats stays where it is.
	slices.SortStableFunc(d.findings, func(a, b track.Finding) int {
		if r := a.Severity.Rank() - b.Severity.Rank(); r != 0 {
			return r
		}
		return sortTime(&b).Compare(sortTime(&a))
	})
	byKey := make(map[track.GroupKey]*track.GroupSnapshot, len(d.groups))
	for i := range d.groups {
		byKey[d.groups[i].Key] = &d.groups[i]
	}
	for i := range d.findings {
		if track.Active(byKey[d.findings[i].Group], &d.findings[i], d.now) {
			d.active++
		}
	}
	d.oneLink = true
	for _, r := range d.rows {
		d.counts[r.state(d.now)]++
		k := r.key()
		d.oneLink = d.oneLink && k.Link == d.rows[0].key().Link
		d.anyVLAN = d.anyVLAN || k.VLAN != 0
	}
	m.setData(d)
	m.last = time.Now()
	m.cost = m.last.Sub(start)
	m.interval = min(max(m.opts.MinRefresh, 10*m.cost), 2*time.Second)
}

// withTimeline puts the selected group's full snapshot, timelines
// included, into d.
func (m *Model) withTimeline(d *data) {
	i := slices.IndexFunc(d.groups, func(g track.GroupSnapshot) bool { return g.Key == m.sel })
	if i < 0 {
		return
	}
	if g, ok := m.feed.Tracker.Group(m.sel); ok {
		d.groups[i] = g
	}
}

func (m *Model) setData(d *data) {
	m.d = d
	m.rebuild()
}

// rebuild filters and sorts the rows and keeps the selected group selected.
func (m *Model) rebuild() {
	m.rows = m.rows[:0]
	f := strings.ToLower(m.filter)
	now := m.d.now
	for i, r := range m.d.rows {
		if f == "" || strings.Contains(r.haystack(now), f) {
			m.rows = append(m.rows, i)
		}
	}
	rs := m.d.rows
	slices.SortStableFunc(m.rows, func(a, b int) int {
		ra, rb := rs[a], rs[b]
		switch m.sortBy {
		case sortState:
			return cmp.Compare(ra.state(now).Rank(), rb.state(now).Rank())
		case sortAge:
			return ra.lastAdvert().Compare(rb.lastAdvert()) // stalest first
		case sortMaster:
			return cmp.Compare(ra.master(now), rb.master(now))
		}
		return 0 // the tracker's order: link, VLAN, family, VRID; CARP after VRRP
	})
	m.cursor = 0
	for i, r := range m.rows {
		if rs[r].key() == m.sel {
			m.cursor = i
			break
		}
	}
	m.selectRow(m.cursor)
}

// selectRow moves the cursor, keeping it on screen.
func (m *Model) selectRow(i int) {
	i = max(0, min(i, len(m.rows)-1))
	m.cursor = i
	if len(m.rows) > 0 {
		m.sel = m.d.rows[m.rows[i]].key()
	}
	h := m.tableRows()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, len(m.rows)-h))
}

// selected returns the selected group's row, or nil.
func (m *Model) selected() groupRow {
	for _, r := range m.d.rows {
		if r.key() == m.sel {
			return r
		}
	}
	return nil
}

// Update handles keys, sizes and the capture's updates.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.selectRow(m.cursor)
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	case updateMsg:
		m.waiting = false
		return m, m.updated()
	case endedMsg:
		m.waiting = false
		m.ended = true
		if !m.paused {
			m.refresh()
		} else {
			m.pending = true
		}
		return m, nil
	case refreshMsg:
		m.timerOut = false
		if m.paused {
			return m, nil
		}
		m.pending = false
		m.refresh()
		return m, m.wait()
	case tickMsg:
		return m, tick()
	}
	return m, nil
}

// updated is the throttle: refresh now if the last snapshot is old enough,
// else once when it is; stop listening meanwhile, so that a busy capture
// wakes the screen at most once per interval.
func (m *Model) updated() tea.Cmd {
	if m.paused {
		m.pending = true
		return nil
	}
	wait := m.interval - time.Since(m.last)
	if wait <= 0 {
		m.refresh()
		return m.wait()
	}
	m.pending = true
	if m.timerOut {
		return nil
	}
	m.timerOut = true
	return tea.Tick(wait, func(time.Time) tea.Msg { return refreshMsg{} })
}

func (m *Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.editing {
		return m, m.editFilter(k)
	}
	switch {
	case key.Matches(k, keys.Quit):
		return m, tea.Quit
	case key.Matches(k, keys.Help):
		if m.view == viewHelp {
			m.view = m.back
		} else {
			m.back, m.view = m.view, viewHelp
		}
		return m, nil
	case key.Matches(k, keys.Pause):
		m.paused = !m.paused
		if !m.paused && (m.pending || m.ended) {
			m.pending = false
			m.refresh()
		}
		return m, m.wait()
	}
	switch m.view {
	case viewHelp:
		if key.Matches(k, keys.Back) {
			m.view = m.back
		}
	case viewDetail:
		switch {
		case key.Matches(k, keys.Back):
			m.view = viewTable
		case key.Matches(k, keys.Up):
			m.detailOffset = max(0, m.detailOffset-1)
		case key.Matches(k, keys.Down):
			m.detailOffset++
		case key.Matches(k, keys.PageUp):
			m.detailOffset = max(0, m.detailOffset-m.height/2)
		case key.Matches(k, keys.PageDown):
			m.detailOffset += m.height / 2
		case key.Matches(k, keys.Top):
			m.detailOffset = 0
		}
	case viewTable:
		switch {
		case key.Matches(k, keys.Up):
			m.selectRow(m.cursor - 1)
		case key.Matches(k, keys.Down):
			m.selectRow(m.cursor + 1)
		case key.Matches(k, keys.PageUp):
			m.selectRow(m.cursor - m.tableRows())
		case key.Matches(k, keys.PageDown):
			m.selectRow(m.cursor + m.tableRows())
		case key.Matches(k, keys.Top):
			m.selectRow(0)
		case key.Matches(k, keys.Bottom):
			m.selectRow(len(m.rows) - 1)
		case key.Matches(k, keys.Enter):
			if len(m.rows) > 0 {
				m.view = viewDetail
				m.detailOffset = 0
				if !m.paused { // a paused screen shows what it had
					m.withTimeline(m.d)
				}
			}
		case key.Matches(k, keys.Filter):
			m.editing = true
		case key.Matches(k, keys.Sort):
			m.sortBy = (m.sortBy + 1) % numSorts
			m.rebuild()
		case k.Type == tea.KeyEsc && m.filter != "":
			m.filter = ""
			m.rebuild()
		}
	}
	return m, nil
}

// editFilter takes the keys typed after "/": enter keeps the filter, esc
// drops it.
func (m *Model) editFilter(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyCtrlC:
		return tea.Quit
	case tea.KeyEnter:
		m.editing = false
	case tea.KeyEsc:
		m.editing = false
		m.filter = ""
	case tea.KeyBackspace:
		if r := []rune(m.filter); len(r) > 0 {
			m.filter = string(r[:len(r)-1])
		}
	case tea.KeyRunes, tea.KeySpace:
		m.filter += string(k.Runes)
	default:
		return nil
	}
	m.rebuild()
	return nil
}

// haystack is what the filter matches in a VRRP group, lower case.
func haystack(g *track.GroupSnapshot) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(g.Key.String()))
	b.WriteString(" " + strings.ToLower(string(g.State)) + " " + g.Master + " " + g.MasterMAC)
	for _, r := range g.Routers {
		b.WriteString(" " + r.Addr)
		for _, v := range r.VIPs {
			b.WriteString(" " + v)
		}
	}
	return b.String()
}
