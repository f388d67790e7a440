package schema

import (
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// stringRule checks utf8 columns (string, uuid, json). For the offset
// layouts it reads value bytes straight from the buffers: comparisons
// and map lookups on string(bytes) do not allocate.
type stringRule struct {
	small    []string // accepted values when there are few: a scan beats hashing
	accepted map[string]struct{}
	re       *regexp.Regexp
	maxLen   int
}

func (r *stringRule) check(arr arrow.Array, b *batch, ci int32) {
	v := validityOf(arr)
	switch a := arr.(type) {
	case *array.String:
		checkStrings(r, a.ValueOffsets(), a.ValueBytes(), v, b, ci)
	case *array.LargeString:
		checkStrings(r, a.ValueOffsets(), a.ValueBytes(), v, b, ci)
	case *array.StringView:
		for i := range a.Len() {
			if !v.null(i) {
				r.one([]byte(a.Value(i)), i, b, ci)
			}
		}
	}
}

// checkStrings runs each rule as its own loop over the values.
func checkStrings[O int32 | int64](r *stringRule, offs []O, data []byte, v validity, b *batch, ci int32) {
	if len(offs) == 0 {
		return
	}
	base, n := offs[0], len(offs)-1
	val := func(i int) []byte { return data[offs[i]-base : offs[i+1]-base] }
	if r.small != nil {
		for i := range n {
			if !containsBytes(r.small, val(i)) && !v.null(i) {
				b.mark(i, ci, ReasonAcceptedValues)
			}
		}
	}
	if r.accepted != nil {
		for i := range n {
			if _, ok := r.accepted[string(val(i))]; !ok && !v.null(i) {
				b.mark(i, ci, ReasonAcceptedValues)
			}
		}
	}
	if r.re != nil {
		for i := range n {
			if !v.null(i) && !r.re.Match(val(i)) {
				b.mark(i, ci, ReasonRegex)
			}
		}
	}
	if r.maxLen > 0 {
		maxLen := O(r.maxLen)
		for i := range n {
			// Bytes bound characters from above: count runes only when
			// the byte length exceeds the limit.
			if offs[i+1]-offs[i] > maxLen && utf8.RuneCount(val(i)) > r.maxLen && !v.null(i) {
				b.mark(i, ci, ReasonMaxLength)
			}
		}
	}
}

// one checks a single non-NULL value (the string-view layout).
func (r *stringRule) one(s []byte, i int, b *batch, ci int32) {
	if r.small != nil && !containsBytes(r.small, s) {
		b.mark(i, ci, ReasonAcceptedValues)
	}
	if r.accepted != nil {
		if _, ok := r.accepted[string(s)]; !ok {
			b.mark(i, ci, ReasonAcceptedValues)
		}
	}
	if r.re != nil && !r.re.Match(s) {
		b.mark(i, ci, ReasonRegex)
	}
	if r.maxLen > 0 && len(s) > r.maxLen && utf8.RuneCount(s) > r.maxLen {
		b.mark(i, ci, ReasonMaxLength)
	}
}

func containsBytes(set []string, s []byte) bool {
	for _, x := range set {
		if x == string(s) {
			return true
		}
	}
	return false
}

// smallSet is the most accepted values checked by a linear scan.
const smallSet = 8

func newStringRule(c *ColumnRule) *stringRule {
	r := &stringRule{re: c.Regex, maxLen: int(c.MaxLength)}
	if n := len(c.AcceptedValues); n > 0 && n <= smallSet {
		r.small = slices.Clone(c.AcceptedValues)
	} else if n > smallSet {
		r.accepted = make(map[string]struct{}, len(c.AcceptedValues))
		for _, s := range c.AcceptedValues {
			r.accepted[s] = struct{}{}
		}
	}
	return r
}

// binaryArray is satisfied by the variable-length binary layouts.
type binaryArray interface {
	*array.Binary | *array.LargeBinary | *array.BinaryView
	Value(int) []byte
	Len() int
}

// binaryRule checks max_length, in bytes.
type binaryRule[A binaryArray] struct{ maxLen int }

func (r *binaryRule[A]) check(arr arrow.Array, b *batch, ci int32) {
	a, v := arr.(A), validityOf(arr)
	for i := range a.Len() {
		if len(a.Value(i)) > r.maxLen && !v.null(i) {
			b.mark(i, ci, ReasonMaxLength)
		}
	}
}

// fixedBinaryRule: every value has the type's width.
type fixedBinaryRule struct{ width, maxLen int }

func (r *fixedBinaryRule) check(arr arrow.Array, b *batch, ci int32) {
	if r.width <= r.maxLen {
		return
	}
	v := validityOf(arr)
	for i := range arr.Len() {
		if !v.null(i) {
			b.mark(i, ci, ReasonMaxLength)
		}
	}
}

// boolRule checks accepted_values on booleans.
type boolRule struct{ okTrue, okFalse bool }

func (r *boolRule) check(arr arrow.Array, b *batch, ci int32) {
	a, v := arr.(*array.Boolean), validityOf(arr)
	for i := range a.Len() {
		x := a.Value(i)
		if (x && !r.okTrue || !x && !r.okFalse) && !v.null(i) {
			b.mark(i, ci, ReasonAcceptedValues)
		}
	}
}

func newBoolRule(c *ColumnRule) (*boolRule, error) {
	set, err := parseSet(c, strconv.ParseBool)
	if err != nil {
		return nil, err
	}
	_, t := set[true]
	_, f := set[false]
	return &boolRule{okTrue: t, okFalse: f}, nil
}

// decimal128Rule checks decimal128 columns, comparing at the column's scale.
type decimal128Rule struct {
	accepted       map[decimal128.Num]struct{}
	hasMin, hasMax bool
	lo, hi         decimal128.Num
}

func (r *decimal128Rule) check(arr arrow.Array, b *batch, ci int32) {
	vals, v := arr.(*array.Decimal128).Values(), validityOf(arr)
	if r.accepted != nil {
		for i, x := range vals {
			if _, ok := r.accepted[x]; !ok && !v.null(i) {
				b.mark(i, ci, ReasonAcceptedValues)
			}
		}
	}
	if r.hasMin || r.hasMax {
		for i, x := range vals {
			if (r.hasMin && x.Less(r.lo) || r.hasMax && r.hi.Less(x)) && !v.null(i) {
				b.mark(i, ci, ReasonRange)
			}
		}
	}
}

// decimal256Rule is decimal128Rule for decimal256 columns. The two stay
// separate on purpose: a generic version (type parameter with a Less
// method) measured 3.4x slower per row, because Less is not inlined
// through the generic dictionary (5.7 vs 1.7 ns/row, BenchmarkCheck).
type decimal256Rule struct {
	accepted       map[decimal256.Num]struct{}
	hasMin, hasMax bool
	lo, hi         decimal256.Num
}

func (r *decimal256Rule) check(arr arrow.Array, b *batch, ci int32) {
	vals, v := arr.(*array.Decimal256).Values(), validityOf(arr)
	if r.accepted != nil {
		for i, x := range vals {
			if _, ok := r.accepted[x]; !ok && !v.null(i) {
				b.mark(i, ci, ReasonAcceptedValues)
			}
		}
	}
	if r.hasMin || r.hasMax {
		for i, x := range vals {
			if (r.hasMin && x.Less(r.lo) || r.hasMax && r.hi.Less(x)) && !v.null(i) {
				b.mark(i, ci, ReasonRange)
			}
		}
	}
}

// parseBounds parses min and max with parse; ok flags say which are set.
func parseBounds[K any](c *ColumnRule, parse func(string) (K, error)) (lo, hi K, hasLo, hasHi bool, err error) {
	if c.Min != "" {
		if lo, err = parse(c.Min); err != nil {
			return lo, hi, false, false, ruleErr(c, "min", err)
		}
		hasLo = true
	}
	if c.Max != "" {
		if hi, err = parse(c.Max); err != nil {
			return lo, hi, false, false, ruleErr(c, "max", err)
		}
		hasHi = true
	}
	return lo, hi, hasLo, hasHi, nil
}
