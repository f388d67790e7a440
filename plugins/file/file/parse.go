package file

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// This file holds the text parsers shared by inference and conversion, so a
// value inferred as a type always converts to it.

// civil is a parsed date and time of day; zoned says the text carried a
// UTC offset (already applied: the fields are UTC when zoned).
type civil struct {
	year, month, day int
	hour, min, sec   int
	nsec             int
	fracDigits       int
	zoned, hasClock  bool
	offsetSeconds    int
}

func digits(s string) (int, bool) {
	n := 0
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseDate parses YYYY-MM-DD.
func parseDate(s string) (civil, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return civil{}, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return civil{}, false
	}
	return civil{year: y, month: m, day: d}, true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseClock parses HH:MM:SS[.fraction] and returns the rest of s.
func parseClock(s string, c *civil) (string, bool) {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return s, false
	}
	h, ok1 := digits(s[0:2])
	mi, ok2 := digits(s[3:5])
	se, ok3 := digits(s[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || se > 60 {
		return s, false
	}
	c.hour, c.min, c.sec, c.hasClock = h, mi, se, true
	s = s[8:]
	if len(s) > 0 && (s[0] == '.' || s[0] == ',') {
		i := 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac := s[1:i]
		if frac == "" || len(frac) > 9 {
			return s, false
		}
		n, _ := digits(frac)
		for k := len(frac); k < 9; k++ {
			n *= 10
		}
		c.nsec, c.fracDigits = n, len(frac)
		s = s[i:]
	}
	return s, true
}

// parseTimestamp parses a date and time: "2024-01-02T03:04:05.123456Z",
// "2024-01-02 03:04:05", "2024-01-02T03:04:05+02:00". The separator is T or
// a space; the zone is Z, ±HH:MM, ±HHMM or ±HH.
func parseTimestamp(s string) (civil, bool) {
	if len(s) < 19 || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') {
		return civil{}, false
	}
	c, ok := parseDate(s[:10])
	if !ok {
		return civil{}, false
	}
	rest, ok := parseClock(s[11:], &c)
	if !ok {
		return civil{}, false
	}
	rest = strings.TrimPrefix(rest, " ")
	switch {
	case rest == "":
		return c, true
	case rest == "Z" || rest == "z" || rest == "UTC":
		c.zoned = true
		return c, true
	case rest[0] == '+' || rest[0] == '-':
		off := strings.ReplaceAll(rest[1:], ":", "")
		if len(off) != 2 && len(off) != 4 {
			return civil{}, false
		}
		n, ok := digits(off)
		if !ok {
			return civil{}, false
		}
		hh, mm := n, 0
		if len(off) == 4 {
			hh, mm = n/100, n%100
		}
		if hh > 23 || mm > 59 {
			return civil{}, false
		}
		c.offsetSeconds = hh*3600 + mm*60
		if rest[0] == '-' {
			c.offsetSeconds = -c.offsetSeconds
		}
		c.zoned = true
		return c, true
	}
	return civil{}, false
}

// unix returns the instant of c (read as UTC when it carries no zone).
func (c civil) unix() (sec int64, nsec int64) {
	sec = int64(c.days())*86400 + int64(c.hour*3600+c.min*60+c.sec)
	return sec - int64(c.offsetSeconds), int64(c.nsec)
}

// days returns the days since 1970-01-01 of c's date (proleptic
// Gregorian; Howard Hinnant's days_from_civil).
func (c civil) days() int32 {
	y, m, d := c.year, c.month, c.day
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// isInt reports whether s is a decimal integer literal that fits int64,
// without a leading zero (zip codes and ids such as 007 stay strings).
func isInt(s string) bool {
	u := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if u == "" || (len(u) > 1 && u[0] == '0') {
		return false
	}
	if _, ok := digits(u); !ok {
		return false
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// isFloat reports whether s is a plain decimal number: digits, one point,
// an optional exponent. NaN, Inf and hex floats are not inferred.
func isFloat(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	start, nd, point := i, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			nd++
		case c == '.' && !point:
			point = true
		default:
			goto exp
		}
	}
exp:
	if nd == 0 {
		return false
	}
	intLen := i - start
	if !point && intLen > 1 && s[start] == '0' {
		return false
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return false
		}
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if _, ok := digits(s[i:]); !ok {
			return false
		}
	}
	return true
}

var errDecimalSyntax = errors.New("not a decimal number")

// parseDecimal parses s exactly into an integer scaled by 10^scale. It
// refuses values that need rounding or do not fit the precision.
func parseDecimal(s string, precision, scale int32) (*big.Int, int64, bool, error) {
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return nil, 0, false, errDecimalSyntax
	}
	if _, ok := digits(intPart); !ok && intPart != "" {
		return nil, 0, false, errDecimalSyntax
	}
	if _, ok := digits(frac); !ok && frac != "" {
		return nil, 0, false, errDecimalSyntax
	}
	if len(frac) > int(scale) {
		extra := strings.TrimRight(frac[scale:], "0")
		if extra != "" {
			return nil, 0, false, errors.New("has more digits after the point than the scale allows")
		}
		frac = frac[:scale]
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart)+int(scale) > int(precision) {
		return nil, 0, false, errors.New("does not fit the precision")
	}
	all := intPart + frac + strings.Repeat("0", int(scale)-len(frac))
	if all == "" {
		all = "0"
	}
	if len(all) <= 18 {
		n, _ := strconv.ParseInt(all, 10, 64)
		if neg {
			n = -n
		}
		return nil, n, true, nil
	}
	b, _ := new(big.Int).SetString(all, 10)
	if neg {
		b.Neg(b)
	}
	return b, 0, false, nil
}
