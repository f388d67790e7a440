package schema

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
)

// A valueRule checks one column of one batch. Implementations are chosen
// once per column by its Arrow type and loop over the typed values: no
// per-row interface calls or boxing. They mark violations in b.
type valueRule interface {
	check(arr arrow.Array, b *batch, ci int32)
}

// validity reads an array's null bitmap without a method call per row.
type validity struct {
	bm      []byte
	off     int
	any     bool // the array has NULLs
	allNull bool // arrow.NULL type: every value is NULL
}

func validityOf(arr arrow.Array) validity {
	if arr.DataType().ID() == arrow.NULL {
		return validity{any: arr.Len() > 0, allNull: true}
	}
	return validity{bm: arr.NullBitmapBytes(), off: arr.Data().Offset(), any: arr.NullN() > 0}
}

func (v validity) null(i int) bool {
	return v.any && (v.allNull || len(v.bm) > 0 && bitutil.BitIsNotSet(v.bm, v.off+i))
}

// intRule checks signed integers and the integer-backed temporal types
// (date32/64, time32/64, timestamp) as int64.
type intRule[T ~int8 | ~int16 | ~int32 | ~int64] struct {
	values   func(arrow.Array) []T
	accepted map[int64]struct{}
	ranged   bool
	lo, hi   int64
}

func (r *intRule[T]) check(arr arrow.Array, b *batch, ci int32) {
	vals, v := r.values(arr), validityOf(arr)
	if r.accepted != nil {
		for i, x := range vals {
			if _, ok := r.accepted[int64(x)]; !ok && !v.null(i) {
				b.mark(i, ci, ReasonAcceptedValues)
			}
		}
	}
	if r.ranged {
		lo, hi := r.lo, r.hi
		for i, x := range vals {
			if (int64(x) < lo || int64(x) > hi) && !v.null(i) {
				b.mark(i, ci, ReasonRange)
			}
		}
	}
}

func newIntRule[T ~int8 | ~int16 | ~int32 | ~int64](c *ColumnRule, values func(arrow.Array) []T, parse func(string) (int64, error)) (*intRule[T], error) {
	r := &intRule[T]{values: values, lo: math.MinInt64, hi: math.MaxInt64}
	var err error
	if r.accepted, err = parseSet(c, parse); err != nil {
		return nil, err
	}
	if c.Min != "" {
		if r.lo, err = parse(c.Min); err != nil {
			return nil, ruleErr(c, "min", err)
		}
		r.ranged = true
	}
	if c.Max != "" {
		if r.hi, err = parse(c.Max); err != nil {
			return nil, ruleErr(c, "max", err)
		}
		r.ranged = true
	}
	return r, nil
}

// uintRule checks unsigned integers as uint64.
type uintRule[T ~uint8 | ~uint16 | ~uint32 | ~uint64] struct {
	values   func(arrow.Array) []T
	accepted map[uint64]struct{}
	ranged   bool
	lo, hi   uint64
}

func (r *uintRule[T]) check(arr arrow.Array, b *batch, ci int32) {
	vals, v := r.values(arr), validityOf(arr)
	if r.accepted != nil {
		for i, x := range vals {
			if _, ok := r.accepted[uint64(x)]; !ok && !v.null(i) {
				b.mark(i, ci, ReasonAcceptedValues)
			}
		}
	}
	if r.ranged {
		lo, hi := r.lo, r.hi
		for i, x := range vals {
			if (uint64(x) < lo || uint64(x) > hi) && !v.null(i) {
				b.mark(i, ci, ReasonRange)
			}
		}
	}
}

func newUintRule[T ~uint8 | ~uint16 | ~uint32 | ~uint64](c *ColumnRule, values func(arrow.Array) []T) (*uintRule[T], error) {
	r := &uintRule[T]{values: values, hi: math.MaxUint64}
	var err error
	if r.accepted, err = parseSet(c, parseUint); err != nil {
		return nil, err
	}
	if c.Min != "" {
		if r.lo, err = parseUint(c.Min); err != nil {
			return nil, ruleErr(c, "min", err)
		}
		r.ranged = true
	}
	if c.Max != "" {
		if r.hi, err = parseUint(c.Max); err != nil {
			return nil, ruleErr(c, "max", err)
		}
		r.ranged = true
	}
	return r, nil
}

// floatRule checks float32/float64 as float64. NaN is outside any range
// and equal to an accepted "NaN".
type floatRule[T ~float32 | ~float64] struct {
	values   func(arrow.Array) []T
	accepted map[float64]struct{}
	nanOK    bool
	ranged   bool
	lo, hi   float64
}

func (r *floatRule[T]) check(arr arrow.Array, b *batch, ci int32) {
	vals, v := r.values(arr), validityOf(arr)
	if r.accepted != nil {
		for i, x := range vals {
			f := float64(x)
			if _, ok := r.accepted[f]; !ok && !(r.nanOK && f != f) && !v.null(i) {
				b.mark(i, ci, ReasonAcceptedValues)
			}
		}
	}
	if r.ranged {
		lo, hi := r.lo, r.hi
		for i, x := range vals {
			f := float64(x)
			if !(f >= lo && f <= hi) && !v.null(i) {
				b.mark(i, ci, ReasonRange)
			}
		}
	}
}

func newFloatRule[T ~float32 | ~float64](c *ColumnRule, values func(arrow.Array) []T) (*floatRule[T], error) {
	r := &floatRule[T]{values: values, lo: math.Inf(-1), hi: math.Inf(1)}
	var err error
	if r.accepted, err = parseSet(c, parseFloat); err != nil {
		return nil, err
	}
	for f := range r.accepted {
		if f != f {
			r.nanOK = true
		}
	}
	if c.Min != "" {
		if r.lo, err = parseFloat(c.Min); err != nil {
			return nil, ruleErr(c, "min", err)
		}
		r.ranged = true
	}
	if c.Max != "" {
		if r.hi, err = parseFloat(c.Max); err != nil {
			return nil, ruleErr(c, "max", err)
		}
		r.ranged = true
	}
	return r, nil
}

// parseSet parses accepted_values with parse; nil when none are set.
func parseSet[K comparable](c *ColumnRule, parse func(string) (K, error)) (map[K]struct{}, error) {
	if len(c.AcceptedValues) == 0 {
		return nil, nil
	}
	set := make(map[K]struct{}, len(c.AcceptedValues))
	for _, s := range c.AcceptedValues {
		k, err := parse(s)
		if err != nil {
			return nil, ruleErr(c, "accepted_values", err)
		}
		set[k] = struct{}{}
	}
	return set, nil
}

func ruleErr(c *ColumnRule, key string, err error) error {
	return configErr(ContractPath+".columns."+c.Name+"."+key, "%v", err)
}
