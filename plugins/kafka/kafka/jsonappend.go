package kafka

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
)

// JSON text of the common Arrow types, appended to a reused buffer with no
// allocation: the sink's per-row cost. Each writes what Arrow's
// GetOneForMarshal would (a quoted ValueStr for temporal types and UUIDs),
// except decimals, written exactly as their unscaled digits with the
// point (not through a big.Float), as a quoted string.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029
// escaped (as encoding/json does; HTML characters are left as they are).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendDecimal128 appends n with scale as a quoted exact decimal.
func appendDecimal128(dst []byte, n decimal128.Num, scale int32) []byte {
	dst = append(dst, '"')
	if hi, lo := n.HighBits(), n.LowBits(); (hi == 0 && lo <= 1<<63-1) || (hi == -1 && lo >= 1<<63) {
		dst = appendScaled(dst, int64(lo), scale)
	} else {
		dst = append(dst, n.ToString(scale)...)
	}
	return append(dst, '"')
}

// appendScaled appends v / 10^scale exactly.
func appendScaled(dst []byte, v int64, scale int32) []byte {
	if scale <= 0 {
		dst = strconv.AppendInt(dst, v, 10)
		if v != 0 {
			for range -scale {
				dst = append(dst, '0')
			}
		}
		return dst
	}
	var digits [24]byte
	u := uint64(v)
	if v < 0 {
		dst = append(dst, '-')
		u = uint64(-v)
	}
	d := strconv.AppendUint(digits[:0], u, 10)
	places := int(scale)
	if len(d) <= places {
		dst = append(dst, '0', '.')
		for range places - len(d) {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	}
	at := len(d) - places
	dst = append(dst, d[:at]...)
	dst = append(dst, '.')
	return append(dst, d[at:]...)
}

// timestampNoZone is Arrow's layout of a timestamp without a time zone.
const timestampNoZone = "2006-01-02T15:04:05.999999999"

// appendTimestamp appends a timestamp of a UTC or zone-less column as
// Arrow's ValueStr writes it (time.RFC3339Nano, or timestampNoZone
// without a zone); ok is false for other zones and years outside 0-9999
// (the caller falls back to Arrow).
func appendTimestamp(dst []byte, a *array.Timestamp, i int) ([]byte, bool) {
	typ := a.DataType().(*arrow.TimestampType)
	if typ.TimeZone != "" && typ.TimeZone != "UTC" {
		return dst, false
	}
	v := int64(a.Value(i))
	var sec, nsec int64
	switch typ.Unit {
	case arrow.Second:
		sec = v
	case arrow.Millisecond:
		sec, nsec = divMod(v, 1e3)
		nsec *= 1e6
	case arrow.Microsecond:
		sec, nsec = divMod(v, 1e6)
		nsec *= 1e3
	default:
		sec, nsec = divMod(v, 1e9)
	}
	days, tod := divMod(sec, 86400)
	out, ok := appendCivilDate(append(dst, '"'), days)
	if !ok {
		return dst, false
	}
	dst = out
	dst = append(dst, 'T')
	dst = append2(dst, int(tod/3600))
	dst = append(dst, ':')
	dst = append2(dst, int(tod/60%60))
	dst = append(dst, ':')
	dst = append2(dst, int(tod%60))
	if nsec != 0 {
		var frac [10]byte
		frac[0] = '.'
		for j := 9; j > 0; j-- {
			frac[j] = byte('0' + nsec%10)
			nsec /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	if typ.TimeZone != "" {
		dst = append(dst, 'Z')
	}
	return append(dst, '"'), true
}

// appendDate32 appends a date as "2006-01-02".
func appendDate32(dst []byte, d arrow.Date32) []byte {
	dst = append(dst, '"')
	if out, ok := appendCivilDate(dst, int64(d)); ok {
		return append(out, '"')
	}
	dst = d.ToTime().AppendFormat(dst, time.DateOnly)
	return append(dst, '"')
}

// divMod is v divided by d rounded down, and the remainder (0 to d-1).
func divMod(v, d int64) (q, r int64) {
	q, r = v/d, v%d
	if r < 0 {
		q, r = q-1, r+d
	}
	return q, r
}

// appendCivilDate appends the proleptic Gregorian date days after
// 1970-01-01 as 2006-01-02, as time.Time.AppendFormat does; ok is false
// (dst unchanged) for years outside 0-9999. The conversion is Howard
// Hinnant's civil_from_days.
func appendCivilDate(dst []byte, days int64) ([]byte, bool) {
	// Years 0-9999: -719528 is 0000-01-01, 2932896 is 9999-12-31.
	if days < -719528 || days > 2932896 {
		return dst, false
	}
	era, doe := divMod(days+719468, 146097) // from 0000-03-01: 400-year eras
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	dst = append2(dst, int(y/100))
	dst = append2(dst, int(y%100))
	dst = append(dst, '-')
	dst = append2(dst, int(m))
	dst = append(dst, '-')
	return append2(dst, int(d)), true
}

// append2 appends n (0-99) as two digits.
func append2(dst []byte, n int) []byte {
	return append(dst, byte('0'+n/10), byte('0'+n%10))
}

// appendUUID appends a UUID in its canonical form.
func appendUUID(dst []byte, a *extensions.UUIDArray, i int) []byte {
	u := a.Value(i)
	dst = append(dst, '"')
	for j, b := range u {
		if j == 4 || j == 6 || j == 8 || j == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[b>>4], hexDigits[b&0xf])
	}
	return append(dst, '"')
}
