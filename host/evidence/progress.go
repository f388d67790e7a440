package evidence

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Progress shows live per-unit progress. Its methods are safe for
// concurrent use; calls for a unit that was not started are ignored.
// Close flushes the display; no call may follow it.
type Progress interface {
	// Start begins a unit; estimate is its expected rows (0: unknown).
	Start(unit string, estimate int64)
	// Update reports the unit's totals so far (not increments).
	Update(unit string, rows, bytes int64)
	// Done ends a unit with its final status.
	Done(unit string, status string)
	// Close ends the display.
	Close()
}

// PlainInterval is how often, at most, the plain progress prints a line
// per unit.
const PlainInterval = 5 * time.Second

// NewProgress returns progress for w: mpb bars per unit when tty is true,
// else plain lines without ANSI codes, at most one per unit every
// PlainInterval plus one when the unit is done.
func NewProgress(w io.Writer, tty bool) Progress {
	if tty {
		return newBars(w)
	}
	return newPlain(w, time.Now, PlainInterval)
}

// unitProgress is what both displays track per unit.
type unitProgress struct {
	estimate    int64
	rows, bytes int64
	started     time.Time
	lastPrint   time.Time
	done        bool
}

// rate returns rows per second since start at now.
func (u *unitProgress) rate(now time.Time) float64 {
	el := now.Sub(u.started).Seconds()
	if el <= 0 {
		return 0
	}
	return float64(u.rows) / el
}

// plain prints log lines: "[   12s] public.orders: 1,234 rows (10%),
// 1.2 MB, 103 rows/s".
type plain struct {
	mu       sync.Mutex
	w        io.Writer
	now      func() time.Time
	interval time.Duration
	units    map[string]*unitProgress
}

func newPlain(w io.Writer, now func() time.Time, interval time.Duration) *plain {
	return &plain{w: w, now: now, interval: interval, units: map[string]*unitProgress{}}
}

func (p *plain) Start(unit string, estimate int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.units[unit] = &unitProgress{estimate: estimate, started: now, lastPrint: now}
	est := ""
	if estimate > 0 {
		est = fmt.Sprintf(" (about %s rows)", groupDigits(estimate))
	}
	fmt.Fprintf(p.w, "[%6s] %s: started%s\n", "0s", unit, est)
}

func (p *plain) Update(unit string, rows, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.units[unit]
	if !ok || u.done {
		return
	}
	u.rows, u.bytes = rows, bytes
	now := p.now()
	if now.Sub(u.lastPrint) < p.interval {
		return
	}
	u.lastPrint = now
	p.line(unit, u, now, "")
}

func (p *plain) Done(unit string, status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u, ok := p.units[unit]
	if !ok || u.done {
		return
	}
	u.done = true
	p.line(unit, u, p.now(), status)
}

// Close prints units never reported done, so the log ends with every
// unit's last numbers.
func (p *plain) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	names := make([]string, 0, len(p.units))
	for n, u := range p.units {
		if !u.done {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		u := p.units[n]
		u.done = true
		p.line(n, u, p.now(), "unfinished")
	}
}

func (p *plain) line(unit string, u *unitProgress, now time.Time, status string) {
	var b strings.Builder
	el := now.Sub(u.started).Truncate(time.Second)
	fmt.Fprintf(&b, "[%6s] %s: ", el, unit)
	if status != "" {
		b.WriteString(status + ", ")
	}
	b.WriteString(groupDigits(u.rows) + " rows")
	if u.estimate > 0 && status == "" {
		fmt.Fprintf(&b, " (%d%%)", min(100, u.rows*100/u.estimate))
	}
	fmt.Fprintf(&b, ", %s MB, %s rows/s\n", megabytes(u.bytes), groupDigits(int64(u.rate(now)+0.5)))
	io.WriteString(p.w, b.String())
}
