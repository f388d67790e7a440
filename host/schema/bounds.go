package schema

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// Parsers turn contract text (min, max, accepted_values) into the Arrow
// representation of one column type, once per Checker, so that the
// per-row loops compare native values.

// intParser returns the parser for the integer-backed Arrow types: signed
// integers, dates, times and timestamps.
func intParser(dt arrow.DataType) func(string) (int64, error) {
	switch t := dt.(type) {
	case *arrow.Date32Type:
		return func(s string) (int64, error) {
			tm, err := parseTime(s)
			return int64(arrow.Date32FromTime(tm)), err
		}
	case *arrow.Date64Type:
		return func(s string) (int64, error) {
			tm, err := parseTime(s)
			return int64(arrow.Date64FromTime(tm)), err
		}
	case *arrow.TimestampType:
		return func(s string) (int64, error) {
			tm, err := parseTime(s)
			if err != nil {
				return 0, err
			}
			ts, err := arrow.TimestampFromTime(tm, t.Unit)
			return int64(ts), err
		}
	case *arrow.Time32Type:
		return func(s string) (int64, error) { return parseTimeOfDay(s, t.Unit) }
	case *arrow.Time64Type:
		return func(s string) (int64, error) { return parseTimeOfDay(s, t.Unit) }
	}
	return func(s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	}
}

func parseUint(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an unsigned integer", s)
	}
	return n, nil
}

func parseFloat(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

func parseDecimal128(scale int32) func(string) (decimal128.Num, error) {
	return func(s string) (decimal128.Num, error) {
		n, err := decimal128.FromString(s, 38, scale)
		if err != nil {
			return n, fmt.Errorf("%q is not a decimal that fits 38 digits with scale %d", s, scale)
		}
		return n, nil
	}
}

func parseDecimal256(scale int32) func(string) (decimal256.Num, error) {
	return func(s string) (decimal256.Num, error) {
		n, err := decimal256.FromString(s, 76, scale)
		if err != nil {
			return n, fmt.Errorf("%q is not a decimal that fits 76 digits with scale %d", s, scale)
		}
		return n, nil
	}
}

// timeLayouts are the forms dates and timestamps may be written in. A
// value without a zone is UTC; for a timestamp column without a zone it
// is the wall-clock value as stored.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date or timestamp (write 2024-01-31 or 2024-01-31T12:00:00Z)", s)
}

// parseTimeOfDay reads 15:04:05[.fffffffff] into units since midnight.
func parseTimeOfDay(s string, unit arrow.TimeUnit) (int64, error) {
	t, err := time.Parse("15:04:05.999999999", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day (write 15:04:05)", s)
	}
	d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
		time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
	return int64(d / unit.Multiplier()), nil
}

// quoteList renders accepted values for messages, at most 10 of them.
func quoteList(vals []string) string {
	if len(vals) > 10 {
		return "[" + strings.Join(vals[:10], ", ") + ", ...]"
	}
	return "[" + strings.Join(vals, ", ") + "]"
}
