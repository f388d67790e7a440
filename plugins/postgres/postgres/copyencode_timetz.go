package postgres

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// appendTimetzText encodes a time with time zone printed as PostgreSQL and
// DuckDB print it (HH:MM:SS[.ffffff]±HH[:MM[:SS]]) as the binary timetz:
// microseconds since midnight, then the zone in seconds west of UTC.
func appendTimetzText(b []byte, v string) ([]byte, error) {
	bad := func() ([]byte, error) {
		return b, fmt.Errorf("%q is not a time with time zone (HH:MM:SS[.ffffff]+HH[:MM[:SS]])", v)
	}
	i := strings.LastIndexAny(v, "+-")
	if i < 1 {
		return bad()
	}
	clock, zone := v[:i], v[i:]
	hms := strings.Split(clock, ":")
	if len(hms) != 3 {
		return bad()
	}
	sec, frac, _ := strings.Cut(hms[2], ".")
	if len(frac) > 6 {
		return bad()
	}
	h, err1 := strconv.Atoi(hms[0])
	m, err2 := strconv.Atoi(hms[1])
	s, err3 := strconv.Atoi(sec)
	if err1 != nil || err2 != nil || err3 != nil || len(hms[1]) != 2 || len(sec) != 2 || m > 59 || s > 59 || h < 0 || h > 24 {
		return bad()
	}
	us := int64(0)
	if frac != "" {
		f, err := strconv.Atoi(frac + strings.Repeat("0", 6-len(frac)))
		if err != nil || f < 0 {
			return bad()
		}
		us = int64(f)
	}
	micros := ((int64(h)*60+int64(m))*60+int64(s))*1e6 + us
	if micros > 24*3600*1e6 {
		return bad()
	}
	parts := strings.Split(zone[1:], ":")
	if len(parts) > 3 {
		return bad()
	}
	offset := 0
	for k, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || len(p) != 2 || (k > 0 && n > 59) {
			return bad()
		}
		offset += n * []int{3600, 60, 1}[k]
	}
	if zone[0] == '+' {
		offset = -offset // PostgreSQL keeps seconds west of UTC
	}
	b = appendLen(b, 12)
	b = binary.BigEndian.AppendUint64(b, uint64(micros))
	return binary.BigEndian.AppendUint32(b, uint32(int32(offset))), nil
}
