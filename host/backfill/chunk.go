package backfill

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
)

// ErrUsage marks a wrong --from, --to or --chunk (exit code 2).
var ErrUsage = errors.New("backfill usage")

// MaxChunks bounds how many chunks one backfill may have.
const MaxChunks = 100000

// Kinds of cursor a backfill slices.
const (
	KindTime    = "time"
	KindInteger = "integer"
)

// Cursor is the cursor column of a unit as the backfill slices it.
type Cursor struct {
	Column string
	// Kind is KindTime or KindInteger.
	Kind string
	// Date is a date cursor (no time of day); TZ a time-zone-aware one.
	Date, TZ bool
}

// cursorOf finds column in the source schema and its kind.
func cursorOf(column string, s *catalog.Schema) (Cursor, error) {
	for _, f := range s.GetFields() {
		if f.GetName() != column {
			continue
		}
		c := Cursor{Column: column}
		switch t := f.GetType(); t.Kind {
		case catalog.KindInt8, catalog.KindInt16, catalog.KindInt32, catalog.KindInt64,
			catalog.KindUint8, catalog.KindUint16, catalog.KindUint32, catalog.KindUint64:
			c.Kind = KindInteger
		case catalog.KindDate:
			c.Kind, c.Date = KindTime, true
		case catalog.KindTimestamp:
			c.Kind, c.TZ = KindTime, t.WithTimeZone
		default:
			return Cursor{}, fmt.Errorf("%w: cursor column %q is %s: a backfill slices an integer, date or timestamp cursor", ErrUsage, column, t.Kind)
		}
		return c, nil
	}
	return Cursor{}, fmt.Errorf("%w: cursor column %q is not a column of the source (incremental_column)", ErrUsage, column)
}

// Split cuts [from, to) into chunks of size chunk on cursor c: for a time
// cursor, from and to are dates or timestamps (UTC unless they carry an
// offset) and chunk a duration ("1d", "6h", "30m"); for an integer
// cursor, integers and a count. The last chunk ends at to.
func Split(c Cursor, from, to, chunk string) ([]catalog.CursorRange, error) {
	if c.Kind == KindInteger {
		return splitInt(from, to, chunk)
	}
	return splitTime(c, from, to, chunk)
}

func splitInt(from, to, chunk string) ([]catalog.CursorRange, error) {
	lo, err := strconv.ParseInt(from, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: --from %q: the cursor is an integer: want a whole number", ErrUsage, from)
	}
	hi, err := strconv.ParseInt(to, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: --to %q: the cursor is an integer: want a whole number", ErrUsage, to)
	}
	n, err := strconv.ParseInt(chunk, 10, 64)
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("%w: --chunk %q: the cursor is an integer: want a positive count of cursor values, e.g. 10000", ErrUsage, chunk)
	}
	if lo >= hi {
		return nil, fmt.Errorf("%w: --from %d is not below --to %d (the range is [from, to))", ErrUsage, lo, hi)
	}
	if (hi-lo+n-1)/n > MaxChunks {
		return nil, fmt.Errorf("%w: [%d, %d) in chunks of %d is more than %d chunks: use a larger --chunk", ErrUsage, lo, hi, n, MaxChunks)
	}
	var out []catalog.CursorRange
	for a := lo; a < hi; {
		b := hi
		if hi-a > n {
			b = a + n
		}
		out = append(out, catalog.CursorRange{Lower: strconv.FormatInt(a, 10), Upper: strconv.FormatInt(b, 10)})
		a = b
	}
	return out, nil
}

func splitTime(c Cursor, from, to, chunk string) ([]catalog.CursorRange, error) {
	lo, err := parseTime(from)
	if err != nil {
		return nil, fmt.Errorf("%w: --from %q: %w", ErrUsage, from, err)
	}
	hi, err := parseTime(to)
	if err != nil {
		return nil, fmt.Errorf("%w: --to %q: %w", ErrUsage, to, err)
	}
	d, err := parseChunk(chunk)
	if err != nil {
		return nil, fmt.Errorf("%w: --chunk %q: %w", ErrUsage, chunk, err)
	}
	if !lo.Before(hi) {
		return nil, fmt.Errorf("%w: --from %s is not before --to %s (the range is [from, to))", ErrUsage, from, to)
	}
	if c.Date {
		day := 24 * time.Hour
		if d%day != 0 || !lo.Equal(lo.Truncate(day)) || !hi.Equal(hi.Truncate(day)) {
			return nil, fmt.Errorf("%w: cursor %q is a date: --from and --to are dates and --chunk whole days (e.g. 1d, 7d)", ErrUsage, c.Column)
		}
	}
	if int64(hi.Sub(lo)/d) >= MaxChunks {
		return nil, fmt.Errorf("%w: [%s, %s) in chunks of %s is more than %d chunks: use a larger --chunk", ErrUsage, from, to, chunk, MaxChunks)
	}
	var out []catalog.CursorRange
	for a := lo; a.Before(hi); {
		b := a.Add(d)
		if b.After(hi) {
			b = hi
		}
		out = append(out, catalog.CursorRange{Lower: formatTime(c, a), Upper: formatTime(c, b)})
		a = b
	}
	return out, nil
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", "2006-01-02"}

// parseTime reads a date or timestamp; without an offset it is UTC.
func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("want a date (2024-01-31) or a timestamp (2024-01-31T06:00:00Z; UTC without an offset)")
}

// parseChunk reads "7d" (days of 24 hours) or a Go duration ("6h", "15m").
func parseChunk(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int64
		if n, err = strconv.ParseInt(days, 10, 64); err == nil {
			d = time.Duration(n) * 24 * time.Hour
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d < time.Second {
		return 0, errors.New("the cursor is a date or timestamp: want a duration of at least a second, e.g. 1d, 6h, 30m")
	}
	return d, nil
}

// formatTime spells t as a literal of c's type, as a column checkpoint
// spells its cursor: a date, or a timestamp with "+00:00" when the cursor
// is time-zone-aware.
func formatTime(c Cursor, t time.Time) string {
	switch {
	case c.Date:
		return t.Format("2006-01-02")
	case c.TZ:
		return t.Format("2006-01-02 15:04:05.999999") + "+00:00"
	}
	return t.Format("2006-01-02 15:04:05.999999")
}

// Where is the predicate of the target's slice [r.Lower, r.Upper) on
// column c in the dialect of sink (quoting its identifier; the bounds are
// literals the sink casts to the column's type).
func Where(sink string, c Cursor, r catalog.CursorRange) string {
	q := `"`
	if sink == "bigquery" {
		q = "`"
	}
	col := q + strings.ReplaceAll(c.Column, q, q+q) + q
	lit := func(v string) string {
		if c.Kind == KindInteger {
			return v
		}
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return col + " >= " + lit(r.Lower) + " AND " + col + " < " + lit(r.Upper)
}
