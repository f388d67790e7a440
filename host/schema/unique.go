package schema

import (
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// uniqueSet remembers the values of one unique column across the batches
// of a load. bind is called once per batch; seen and add then take a row
// index. NULL is never seen and never added (SQL semantics: NULLs are not
// duplicates). Only rows that passed every other rule are added, so a
// quarantined row does not make a later good row a duplicate.
//
// Memory grows with the number of distinct values in the load: about 50
// bytes per integer, plus the bytes of each distinct string.
type uniqueSet interface {
	bind(arr arrow.Array)
	seen(i int) bool
	add(i int)
	// tryAdd adds row i's value and reports whether it was new (true for
	// NULL), with one map operation.
	tryAdd(i int) bool
}

// keyedSet is a uniqueSet whose key is read from a typed array by key.
type keyedSet[K comparable, A any] struct {
	set   map[K]struct{}
	arr   A
	v     validity
	key   func(A, int) K
	clone func(K) K // copies a key that aliases Arrow memory; nil if none does
}

func (s *keyedSet[K, A]) bind(arr arrow.Array) { s.arr, s.v = arr.(A), validityOf(arr) }

func (s *keyedSet[K, A]) seen(i int) bool {
	if s.v.null(i) {
		return false
	}
	_, ok := s.set[s.key(s.arr, i)]
	return ok
}

func (s *keyedSet[K, A]) add(i int) {
	if s.v.null(i) {
		return
	}
	k := s.key(s.arr, i)
	if s.clone != nil {
		k = s.clone(k)
	}
	s.set[k] = struct{}{}
}

func (s *keyedSet[K, A]) tryAdd(i int) bool {
	if s.v.null(i) {
		return true
	}
	k := s.key(s.arr, i)
	before := len(s.set)
	if s.clone == nil {
		s.set[k] = struct{}{}
		return len(s.set) > before
	}
	if _, dup := s.set[k]; dup {
		return false
	}
	s.set[s.clone(k)] = struct{}{}
	return true
}

func newSet[K comparable, A any](key func(A, int) K) *keyedSet[K, A] {
	return &keyedSet[K, A]{set: map[K]struct{}{}, key: key}
}

// newUniqueSet picks the set for an Arrow type; nil when the type cannot
// be compared (nested types).
func newUniqueSet(dt arrow.DataType) uniqueSet {
	switch dt.ID() {
	case arrow.INT8:
		return newSet(func(a *array.Int8, i int) int64 { return int64(a.Value(i)) })
	case arrow.INT16:
		return newSet(func(a *array.Int16, i int) int64 { return int64(a.Value(i)) })
	case arrow.INT32:
		return newSet(func(a *array.Int32, i int) int64 { return int64(a.Value(i)) })
	case arrow.INT64:
		return newSet(func(a *array.Int64, i int) int64 { return a.Value(i) })
	case arrow.UINT8:
		return newSet(func(a *array.Uint8, i int) uint64 { return uint64(a.Value(i)) })
	case arrow.UINT16:
		return newSet(func(a *array.Uint16, i int) uint64 { return uint64(a.Value(i)) })
	case arrow.UINT32:
		return newSet(func(a *array.Uint32, i int) uint64 { return uint64(a.Value(i)) })
	case arrow.UINT64:
		return newSet(func(a *array.Uint64, i int) uint64 { return a.Value(i) })
	case arrow.FLOAT32:
		return newSet(func(a *array.Float32, i int) uint64 { return floatKey(float64(a.Value(i))) })
	case arrow.FLOAT64:
		return newSet(func(a *array.Float64, i int) uint64 { return floatKey(a.Value(i)) })
	case arrow.BOOL:
		return newSet(func(a *array.Boolean, i int) bool { return a.Value(i) })
	case arrow.DATE32:
		return newSet(func(a *array.Date32, i int) int64 { return int64(a.Value(i)) })
	case arrow.DATE64:
		return newSet(func(a *array.Date64, i int) int64 { return int64(a.Value(i)) })
	case arrow.TIME32:
		return newSet(func(a *array.Time32, i int) int64 { return int64(a.Value(i)) })
	case arrow.TIME64:
		return newSet(func(a *array.Time64, i int) int64 { return int64(a.Value(i)) })
	case arrow.TIMESTAMP:
		return newSet(func(a *array.Timestamp, i int) int64 { return int64(a.Value(i)) })
	case arrow.DECIMAL128:
		return newSet(func(a *array.Decimal128, i int) decimal128.Num { return a.Value(i) })
	case arrow.DECIMAL256:
		return newSet(func(a *array.Decimal256, i int) decimal256.Num { return a.Value(i) })
	case arrow.STRING:
		return stringSet(func(a *array.String, i int) string { return a.Value(i) })
	case arrow.LARGE_STRING:
		return stringSet(func(a *array.LargeString, i int) string { return a.Value(i) })
	case arrow.STRING_VIEW:
		return stringSet(func(a *array.StringView, i int) string { return a.Value(i) })
	case arrow.BINARY:
		return stringSet(func(a *array.Binary, i int) string { return a.ValueString(i) })
	case arrow.LARGE_BINARY:
		return stringSet(func(a *array.LargeBinary, i int) string { return a.ValueString(i) })
	case arrow.FIXED_SIZE_BINARY:
		return stringSet(func(a *array.FixedSizeBinary, i int) string { return string(a.Value(i)) })
	}
	return nil
}

// stringSet keys by string and copies each key it keeps: Value aliases
// the batch's buffer, which is released after the batch.
func stringSet[A any](key func(A, int) string) uniqueSet {
	s := newSet(key)
	s.clone = strings.Clone
	return s
}

// floatKey makes -0 equal 0 and all NaNs equal.
func floatKey(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case f != f:
		return math.Float64bits(math.NaN())
	}
	return math.Float64bits(f)
}
