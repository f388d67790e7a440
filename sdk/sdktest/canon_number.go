package sdktest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// canonFloat renders a float column's value as the exact decimal it
// stands for. A value read as a float (float32/float64) stands for its
// shortest round-trip text, so 0.1 is "0.1"; any other value (a fixture's
// text or JSON number, a decimal read back) stands for itself, exactly.
// A float column therefore matches an exact decimal only when the float's
// shortest text is that decimal: 12.5 matches "12.5", but a decimal(38,10)
// exposed as float64 does not match "9999999999999999999999999999.9999999999".
func canonFloat(v any, bits int) (string, error) {
	var text string
	switch x := v.(type) {
	case float64:
		text = strconv.FormatFloat(x, 'g', -1, bits)
	case float32:
		text = strconv.FormatFloat(float64(x), 'g', -1, 32)
	default:
		t, err := toText(v)
		if err != nil {
			return "", err
		}
		text = strings.TrimSpace(t)
	}
	if f, err := strconv.ParseFloat(text, 64); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	}
	r, err := toRat(text)
	if err != nil {
		return "", err
	}
	return decimalText(r, 0), nil
}

// decimalText renders r as decimal text with at least scale digits after
// the point, and more when r needs them to be exact (a value finer than
// the column's scale is kept, so it differs from the rounded value a plugin
// that lost precision returns). A value with no finite decimal expansion
// renders as a fraction.
func decimalText(r *big.Rat, scale int) string {
	if r.IsInt() {
		return r.FloatString(scale)
	}
	// The expansion is finite when the denominator is 2^a·5^b; it then
	// needs max(a, b) digits.
	d := new(big.Int).Set(r.Denom())
	m := new(big.Int)
	count := func(p int64) int {
		n, bp := 0, big.NewInt(p)
		for {
			q, rem := new(big.Int).QuoRem(d, bp, m)
			if rem.Sign() != 0 {
				return n
			}
			d.Set(q)
			n++
		}
	}
	digits := max(count(2), count(5))
	if d.Cmp(big.NewInt(1)) != 0 {
		return r.RatString()
	}
	return r.FloatString(max(scale, digits))
}

func toRat(v any) (*big.Rat, error) {
	r := new(big.Rat)
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case decimalValue:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v is not a finite number", x)
		}
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		s = strconv.FormatFloat(float64(x), 'f', -1, 32)
	case *big.Rat:
		return x, nil
	case *big.Int:
		return r.SetInt(x), nil
	case bool:
		return nil, fmt.Errorf("%v is not a number", x)
	default:
		rv := reflect.ValueOf(v)
		switch {
		case rv.CanInt():
			return r.SetInt64(rv.Int()), nil
		case rv.CanUint():
			return r.SetFrac(new(big.Int).SetUint64(rv.Uint()), big.NewInt(1)), nil
		}
		s = fmt.Sprint(v)
	}
	if _, ok := r.SetString(s); !ok {
		return nil, fmt.Errorf("%q is not a number", s)
	}
	return r, nil
}
