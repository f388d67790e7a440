package rest

import (
	"fmt"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// admit applies null_policy and safety_lag to one record of a resource
// with an incremental_column, given its cursor text ("" when null or
// absent) and the pagination's tracker, and reports whether the record
// is read.
//
// An incremental read drops records before the cursor its requests sent
// (the API filters by it; one that ignores the parameter sends them).
//
// null_policy (sdk.Cursor's meaning): include_once reads records without
// a cursor while the pagination has no cursor yet (the first read, per
// parent for a child) and on full reads; skip never reads them; fail
// ends the read with a DATA error. safety_lag drops, on incremental
// reads, the records whose cursor is later than now - safety_lag: the
// checkpoint stays behind them and the next read (which sends a cursor
// at or before them) takes them.
func (r *reader) admit(text string, m *cursorMax) (bool, error) {
	if text == "" {
		switch r.cur.NullPolicy {
		case sdk.NullSkip:
			return false, nil
		case sdk.NullFail:
			return false, r.cur.NullsError(fmt.Sprintf("resource %q", r.res.Name))
		}
		return !r.send || m.prior == nil, nil
	}
	if r.send && m.from != "" && cursorLess(text, m.from) {
		return false, nil
	}
	if r.lagBound == nil {
		return true, nil
	}
	t, ok := cursorTime(text)
	if !ok {
		return false, sdk.Errorf(sdk.CodeConfig, "resource %q: safety_lag needs a date or timestamp incremental_column, and %s is %q: remove safety_lag or pick a timestamp field",
			r.res.Name, r.res.cursor.IncrementalColumn, text)
	}
	return !t.After(*r.lagBound), nil
}

// cursorTime reads a date or timestamp cursor.
func cursorTime(s string) (time.Time, bool) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	return parseTimestamp(s)
}

// lagBound is now - safety_lag for an incremental read with safety_lag,
// nil otherwise.
func lagBound(cur *sdk.Cursor, incremental bool, now time.Time) (*time.Time, error) {
	if !incremental || cur.SafetyLag == nil {
		return nil, nil
	}
	d, err := parseInterval(cur.SafetyLag.Text, "safety_lag")
	if err != nil {
		return nil, err
	}
	b := now.Add(-d)
	return &b, nil
}
