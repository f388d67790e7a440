package kafka

import (
	"strconv"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/google/uuid"
)

// Fast parsers of the text forms the sink writes (jsonappend.go), for the
// source's JSON decoder: decimals of up to 18 digits, RFC 3339 timestamps
// of UTC or zone-less columns, dates and UUIDs, without allocating.
// appendText reports false for anything else, and the caller falls back
// to Arrow's AppendValueFromString (which accepts more forms).

// unsafeString is b as a string without a copy; b must not change while
// the string is used (the parsers below do not keep it).
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// appendText appends the value of text to b when a fast path knows its
// form.
func appendText(b array.Builder, text []byte) bool {
	switch t := b.(type) {
	case *array.Decimal128Builder:
		n, ok := parseDecimal(text, t.Type().(*arrow.Decimal128Type).Scale)
		if ok {
			t.Append(n)
		}
		return ok
	case *array.TimestampBuilder:
		typ := t.Type().(*arrow.TimestampType)
		if typ.TimeZone != "" && typ.TimeZone != "UTC" {
			return false
		}
		ts, ok := parseTimestamp(text, typ.Unit, typ.TimeZone != "")
		if ok {
			t.Append(ts)
		}
		return ok
	case *array.Date32Builder:
		tm, ok := parseDate(text)
		if ok {
			t.Append(arrow.Date32(tm.Unix() / 86400))
		}
		return ok
	case *extensions.UUIDBuilder:
		u, err := uuid.ParseBytes(text)
		if err == nil && len(text) == 36 {
			t.Append(u)
			return true
		}
	}
	return false
}

// parseDecimal parses [-]digits[.digits] with at most scale fraction
// digits and 18 digits in all.
func parseDecimal(text []byte, scale int32) (decimal128.Num, bool) {
	neg := len(text) > 0 && text[0] == '-'
	if neg {
		text = text[1:]
	}
	var v int64
	digits, frac, point := 0, 0, false
	for _, c := range text {
		switch {
		case c == '.' && !point:
			point = true
		case '0' <= c && c <= '9':
			v = v*10 + int64(c-'0')
			if digits++; digits > 18 {
				return decimal128.Num{}, false
			}
			if point {
				frac++
			}
		default:
			return decimal128.Num{}, false
		}
	}
	if digits == 0 || frac > int(scale) || point && frac == 0 {
		return decimal128.Num{}, false
	}
	for ; frac < int(scale); frac++ {
		if v > (1<<63-1)/10 {
			return decimal128.Num{}, false
		}
		v *= 10
	}
	if neg {
		v = -v
	}
	return decimal128.FromI64(v), true
}

// parseDate parses YYYY-MM-DD.
func parseDate(text []byte) (time.Time, bool) {
	if len(text) != 10 || text[4] != '-' || text[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := digits(text[0:4])
	m, ok2 := digits(text[5:7])
	d, ok3 := digits(text[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}

// parseTimestamp parses YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM] with no
// more fraction digits than unit holds; with zoned, a zone is required
// (as Arrow does), else none is allowed.
func parseTimestamp(text []byte, unit arrow.TimeUnit, zoned bool) (arrow.Timestamp, bool) {
	if len(text) < 19 || text[10] != 'T' || text[13] != ':' || text[16] != ':' {
		return 0, false
	}
	day, ok := parseDate(text[:10])
	h, ok1 := digits(text[11:13])
	mi, ok2 := digits(text[14:16])
	s, ok3 := digits(text[17:19])
	if !ok || !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || s > 59 {
		return 0, false
	}
	rest := text[19:]
	var nanos, fracDigits int
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
			i++
		}
		fracDigits = i - 1
		if fracDigits == 0 || fracDigits > 9 {
			return 0, false
		}
		nanos, _ = digits(rest[1:i])
		for range 9 - fracDigits {
			nanos *= 10
		}
		rest = rest[i:]
	}
	if zoned == (len(rest) == 0) {
		return 0, false
	}
	offset := 0
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	secs := day.Unix() + int64(h*3600+mi*60+s-offset)
	switch unit {
	case arrow.Second:
		if nanos != 0 {
			return 0, false
		}
		return arrow.Timestamp(secs), true
	case arrow.Millisecond:
		if nanos%1e6 != 0 {
			return 0, false
		}
		return arrow.Timestamp(secs*1e3 + int64(nanos/1e6)), true
	case arrow.Microsecond:
		if nanos%1e3 != 0 {
			return 0, false
		}
		return arrow.Timestamp(secs*1e6 + int64(nanos/1e3)), true
	}
	return arrow.Timestamp(secs*1e9 + int64(nanos)), true
}

// digits parses a short run of decimal digits.
func digits(b []byte) (int, bool) {
	n, err := strconv.Atoi(unsafeString(b))
	if err != nil || len(b) == 0 || b[0] == '-' || b[0] == '+' {
		return 0, false
	}
	return n, true
}
