package evidence

// RunSummary is what the runs registry keeps of a run's report: totals and
// one line per unit, so `dpone runs show` can say which unit failed and
// why without the report file. Keys are snake_case, like the report's.
type RunSummary struct {
	RowsRead        int64         `json:"rows_read"`
	RowsWritten     int64         `json:"rows_written"`
	RowsQuarantined int64         `json:"rows_quarantined"`
	Bytes           int64         `json:"bytes"`
	DurationSeconds float64       `json:"duration_seconds"`
	Units           []UnitSummary `json:"units"`
}

// UnitSummary is one unit's line of a RunSummary.
type UnitSummary struct {
	Unit            string     `json:"unit"`
	Status          string     `json:"status"`
	RowsRead        int64      `json:"rows_read"`
	RowsWritten     int64      `json:"rows_written"`
	Bytes           int64      `json:"bytes"`
	DurationSeconds float64    `json:"duration_seconds"`
	RowsPerSecond   float64    `json:"rows_per_second"`
	Error           *ErrorInfo `json:"error,omitempty"`
}

// Summary returns r's RunSummary.
func (r *Report) Summary() RunSummary {
	t := r.Totals()
	s := RunSummary{RowsRead: t.RowsRead, RowsWritten: t.RowsWritten, RowsQuarantined: t.RowsQuarantined,
		Bytes: t.Bytes, DurationSeconds: r.DurationSeconds, Units: make([]UnitSummary, 0, len(r.Units))}
	for _, u := range r.Units {
		s.Units = append(s.Units, UnitSummary{Unit: u.Unit, Status: u.Status, RowsRead: u.RowsRead,
			RowsWritten: u.RowsWritten, Bytes: u.Bytes, DurationSeconds: u.DurationSeconds,
			RowsPerSecond: u.RowsPerSecond, Error: u.Error})
	}
	return s
}

// Report rebuilds the part of a report a RunSummary keeps, for
// RenderSummary.
func (s RunSummary) Report(status string, runErr *ErrorInfo) *Report {
	r := &Report{Status: status, DurationSeconds: s.DurationSeconds, Error: runErr}
	for _, u := range s.Units {
		r.Units = append(r.Units, UnitReport{Unit: u.Unit, Status: u.Status, RowsRead: u.RowsRead,
			RowsWritten: u.RowsWritten, Bytes: u.Bytes, DurationSeconds: u.DurationSeconds,
			RowsPerSecond: u.RowsPerSecond, Error: u.Error})
	}
	return r
}
