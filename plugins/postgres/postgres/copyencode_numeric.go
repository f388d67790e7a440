package postgres

import (
	"encoding/binary"
	"fmt"
)

// appendNumericText encodes decimal text (as PostgreSQL prints numeric:
// [-]digits[.digits], NaN, Infinity, -Infinity) as a binary numeric;
// digits is scratch space, returned for reuse.
func appendNumericText(b, digits []byte, v string) ([]byte, []byte, error) {
	special := func(sign uint16) []byte {
		b = appendLen(b, 8)
		return binary.BigEndian.AppendUint64(b, uint64(sign)<<16)
	}
	switch v {
	case "NaN":
		return special(numericNaN), digits, nil
	case "Infinity":
		return special(numericPInf), digits, nil
	case "-Infinity":
		return special(numericNInf), digits, nil
	}
	s, neg := v, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	scale, point := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
			if point {
				scale++
			}
		case c == '.' && !point:
			point = true
		default:
			return b, digits, fmt.Errorf("%q is not a decimal number", v)
		}
	}
	if len(digits) == 0 {
		return b, digits, fmt.Errorf("%q is not a decimal number", v)
	}
	if scale > 0x3fff {
		return b, digits, fmt.Errorf("%q has more fractional digits than numeric holds", v)
	}
	return appendNumeric(b, neg, digits, scale), digits, nil
}
