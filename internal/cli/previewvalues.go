package cli

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// How a preview shows the values Arrow's own formatting gets wrong for a
// reader: bytes as PostgreSQL's \x hex (not base64), intervals as
// PostgreSQL-style text in the table and ISO-8601 in JSON lines (not
// {"months":…,"nanoseconds":…}).

// bytesValue returns a binary column's value as \x hex; ok is false for
// other columns.
func bytesValue(col arrow.Array, i int) (string, bool) {
	var b []byte
	switch a := col.(type) {
	case *array.Binary:
		b = a.Value(i)
	case *array.LargeBinary:
		b = a.Value(i)
	case *array.FixedSizeBinary:
		if _, isUUID := a.DataType().(arrow.ExtensionType); isUUID {
			return "", false
		}
		b = a.Value(i)
	default:
		return "", false
	}
	return `\x` + hex.EncodeToString(b), true
}

// intervalParts returns an interval column's value; ok is false for other
// columns.
func intervalParts(col arrow.Array, i int) (iv arrow.MonthDayNanoInterval, ok bool) {
	switch a := col.(type) {
	case *array.MonthDayNanoInterval:
		return a.Value(i), true
	case *array.DayTimeInterval:
		v := a.Value(i)
		return arrow.MonthDayNanoInterval{Days: v.Days, Nanoseconds: int64(v.Milliseconds) * int64(time.Millisecond)}, true
	case *array.MonthInterval:
		return arrow.MonthDayNanoInterval{Months: int32(a.Value(i))}, true
	case *array.Duration:
		unit := a.DataType().(*arrow.DurationType).Unit.Multiplier()
		return arrow.MonthDayNanoInterval{Nanoseconds: int64(a.Value(i)) * int64(unit)}, true
	}
	return iv, false
}

// postgresInterval formats iv as PostgreSQL's default (postgres) style:
// "1 year 2 mons 3 days 04:05:06.5".
func postgresInterval(iv arrow.MonthDayNanoInterval) string {
	var parts []string
	unit := func(n int64, one, many string) {
		if n == 0 {
			return
		}
		if n == 1 {
			parts = append(parts, "1 "+one)
			return
		}
		parts = append(parts, strconv.FormatInt(n, 10)+" "+many)
	}
	years, months := int64(iv.Months)/12, int64(iv.Months)%12
	unit(years, "year", "years")
	unit(months, "mon", "mons")
	unit(int64(iv.Days), "day", "days")
	if iv.Nanoseconds != 0 || len(parts) == 0 {
		ns, sign := iv.Nanoseconds, ""
		if ns < 0 {
			ns, sign = -ns, "-"
		}
		h, m, s, frac := splitNanos(ns)
		t := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
		if frac != "" {
			t += "." + frac
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

// isoInterval formats iv as ISO-8601 (PostgreSQL's iso_8601 style):
// "P1Y2M3DT4H5M6.5S", "PT0S" for zero.
func isoInterval(iv arrow.MonthDayNanoInterval) string {
	var b strings.Builder
	b.WriteString("P")
	years, months := int64(iv.Months)/12, int64(iv.Months)%12
	for _, p := range []struct {
		n int64
		u string
	}{{years, "Y"}, {months, "M"}, {int64(iv.Days), "D"}} {
		if p.n != 0 {
			b.WriteString(strconv.FormatInt(p.n, 10) + p.u)
		}
	}
	if iv.Nanoseconds != 0 {
		b.WriteString("T")
		ns, sign := iv.Nanoseconds, ""
		if ns < 0 {
			ns, sign = -ns, "-"
		}
		h, m, s, frac := splitNanos(ns)
		if h != 0 {
			fmt.Fprintf(&b, "%s%dH", sign, h)
		}
		if m != 0 {
			fmt.Fprintf(&b, "%s%dM", sign, m)
		}
		if s != 0 || frac != "" {
			fmt.Fprintf(&b, "%s%d", sign, s)
			if frac != "" {
				b.WriteString("." + frac)
			}
			b.WriteString("S")
		}
	}
	if b.Len() == 1 {
		return "PT0S"
	}
	return b.String()
}

// splitNanos splits a non-negative nanosecond count into hours, minutes,
// seconds and the fraction's digits without trailing zeros ("" for none).
func splitNanos(ns int64) (h, m, s int64, frac string) {
	sec := ns / int64(time.Second)
	h, m, s = sec/3600, sec%3600/60, sec%60
	if f := ns % int64(time.Second); f != 0 {
		frac = strings.TrimRight(fmt.Sprintf("%09d", f), "0")
	}
	return h, m, s, frac
}
