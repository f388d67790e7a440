package postgres

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// TestAppendNumericFast checks that the 64-bit fast path writes exactly the
// bytes of the digit-string path.
func TestAppendNumericFast(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := []int64{1, -1, 5, 9999, 10000, 10001, 120000, -120000, 123456, math.MaxInt64, math.MinInt64 + 1, 1e18, -1e17 - 3}
	for range 20000 {
		v := r.Int64() >> r.IntN(63)
		if r.IntN(2) == 0 {
			v = -v
		}
		vals = append(vals, v)
	}
	for _, v := range vals {
		for _, scale := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 18, 19, 20, 30, 38} {
			n := decimal128.FromI64(v)
			got, ok := appendNumericFast(nil, n, scale)
			neg, digits := decimalDigits(nil, n)
			want := appendNumeric(nil, neg, digits, scale)
			if !ok {
				continue
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("value %d scale %d: got %x, want %x", v, scale, got, want)
			}
		}
	}
	if _, ok := appendNumericFast(nil, decimal128.FromU64(math.MaxUint64), 4); !ok {
		t.Errorf("got no fast path for 2^64-1 scale 4 (x1 pad): want one")
	}
}
