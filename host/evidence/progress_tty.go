package evidence

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// bars shows one mpb bar per unit: name, bar, rows (of the estimate),
// MB, rows/s, and the status once done.
type bars struct {
	p     *mpb.Progress
	mu    sync.Mutex
	units map[string]*barUnit
}

type barUnit struct {
	unitProgress
	bar    *mpb.Bar
	status string
}

func newBars(w io.Writer) *bars {
	return &bars{
		// The caller decided w is a terminal: render even if mpb thinks not.
		p:     mpb.New(mpb.WithOutput(w), mpb.WithAutoRefresh(), mpb.WithWidth(100), mpb.WithRefreshRate(150*time.Millisecond)),
		units: map[string]*barUnit{},
	}
}

func (b *bars) Start(unit string, estimate int64) {
	u := &barUnit{unitProgress: unitProgress{estimate: estimate, started: time.Now()}}
	// Total 0 keeps the bar running whatever the rows; the estimate is
	// only a display total.
	u.bar = b.p.New(0, mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name(unit, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return b.describe(u) }, decor.WCSyncSpace)),
	)
	if estimate > 0 {
		u.bar.SetTotal(estimate, false)
	}
	b.mu.Lock()
	b.units[unit] = u
	b.mu.Unlock()
}

func (b *bars) describe(u *barUnit) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := fmt.Sprintf("%s rows  %s MB  %s rows/s", groupDigits(u.rows), megabytes(u.bytes), groupDigits(int64(u.rate(time.Now())+0.5)))
	if u.status != "" {
		s += "  " + u.status
	}
	return s
}

func (b *bars) unit(name string) *barUnit {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.units[name]
}

func (b *bars) Update(unit string, rows, bytes int64) {
	u := b.unit(unit)
	if u == nil {
		return
	}
	b.mu.Lock()
	u.rows, u.bytes = rows, bytes
	b.mu.Unlock()
	u.bar.SetCurrent(rows)
}

func (b *bars) Done(unit string, status string) {
	u := b.unit(unit)
	if u == nil {
		return
	}
	b.mu.Lock()
	u.status = status
	b.mu.Unlock()
	u.bar.SetTotal(-1, true)
}

func (b *bars) Close() {
	// Abort outside the lock: the bars' render goroutines take it in
	// describe.
	var open []*mpb.Bar
	b.mu.Lock()
	for _, u := range b.units {
		if u.status == "" {
			u.status = "unfinished"
			open = append(open, u.bar)
		}
	}
	b.mu.Unlock()
	for _, bar := range open {
		bar.Abort(false)
	}
	b.p.Wait()
}
