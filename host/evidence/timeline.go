package evidence

import (
	"sync"
	"time"
)

// Sample is a unit's progress at one moment: seconds since the run
// started and the rows and bytes read so far.
type Sample struct {
	At    float64 `json:"at"`
	Rows  int64   `json:"rows"`
	Bytes int64   `json:"bytes"`
}

// SampleInterval is how often, at most, a unit's progress is sampled for
// the report's throughput-over-time picture.
const SampleInterval = time.Second

// Timeline wraps a Progress and records, per unit, when it started and
// ended and its progress sampled over time, for the report (and the HTML
// page of `dpone runs show --html`).
type Timeline struct {
	Progress
	mu    sync.Mutex
	start time.Time
	now   func() time.Time
	units map[string]*timelineUnit
}

type timelineUnit struct {
	started, ended time.Time
	last           time.Time
	rows, bytes    int64
	samples        []Sample
}

// NewTimeline records the timeline of a run that started at start.
func NewTimeline(inner Progress, start time.Time, now func() time.Time) *Timeline {
	return &Timeline{Progress: inner, start: start, now: now, units: map[string]*timelineUnit{}}
}

// Start records a unit's start.
func (t *Timeline) Start(unit string, estimate int64) {
	t.mu.Lock()
	now := t.now()
	if _, ok := t.units[unit]; !ok {
		t.units[unit] = &timelineUnit{started: now}
	}
	t.mu.Unlock()
	t.Progress.Start(unit, estimate)
}

// Update samples a unit's totals, at most once per SampleInterval.
func (t *Timeline) Update(unit string, rows, bytes int64) {
	t.mu.Lock()
	if u, ok := t.units[unit]; ok {
		now := t.now()
		u.rows, u.bytes = rows, bytes
		if now.Sub(u.last) >= SampleInterval {
			u.last = now
			u.samples = append(u.samples, Sample{At: now.Sub(t.start).Seconds(), Rows: rows, Bytes: bytes})
		}
	}
	t.mu.Unlock()
	t.Progress.Update(unit, rows, bytes)
}

// Done records a unit's end and its last sample.
func (t *Timeline) Done(unit string, status string) {
	t.mu.Lock()
	if u, ok := t.units[unit]; ok {
		u.ended = t.now()
		u.samples = append(u.samples, Sample{At: u.ended.Sub(t.start).Seconds(), Rows: u.rows, Bytes: u.bytes})
	}
	t.mu.Unlock()
	t.Progress.Done(unit, status)
}

// Fill sets the started/ended offsets and samples of r's units.
func (t *Timeline) Fill(r *UnitReport) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.units[r.Unit]
	if !ok {
		return
	}
	r.StartSeconds = u.started.Sub(t.start).Seconds()
	if !u.ended.IsZero() {
		r.EndSeconds = u.ended.Sub(t.start).Seconds()
	}
	r.Samples = append([]Sample(nil), u.samples...)
}
