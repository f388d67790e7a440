package mssql

import (
	"fmt"
	"strings"
	"testing"
)

// TestKeyRanges: the ranges are contiguous, open at both ends, cover
// [lo, hi] exactly once, and a narrow key yields fewer ranges.
func TestKeyRanges(t *testing.T) {
	for _, tc := range []struct {
		lo, hi int64
		n      int
		want   int
	}{{1, 1000, 4, 4}, {-5, 5, 3, 3}, {7, 8, 8, 2}, {0, 0, 4, 1}, {-1 << 62, 1 << 62, 5, 5}} {
		ps := keyRanges("id", tc.lo, tc.hi, tc.n)
		if len(ps) != tc.want {
			t.Fatalf("%+v: got %d ranges, want %d", tc, len(ps), tc.want)
		}
		if ps[0].Lo != nil || ps[len(ps)-1].Hi != nil {
			t.Errorf("%+v: outer ranges must be open: %+v", tc, ps)
		}
		for i := 1; i < len(ps); i++ {
			if ps[i].Lo == nil || ps[i-1].Hi == nil || *ps[i].Lo != *ps[i-1].Hi {
				t.Errorf("%+v: range %d does not start where %d ends", tc, i, i-1)
			}
		}
		for i := 0; i < len(ps)-1; i++ {
			if *ps[i].Hi <= tc.lo || *ps[i].Hi > tc.hi {
				t.Errorf("%+v: bound %d outside the keys", tc, *ps[i].Hi)
			}
		}
	}
}

// TestPartitionSQL pins the bounds query and a range's WHERE.
func TestPartitionSQL(t *testing.T) {
	q, err := keyBoundsSQL("sales", "orders", "id")
	if err != nil {
		t.Fatal(err)
	}
	parts, err := marshalParts(keyRanges("id", 1, 100, 3))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(q + "\n")
	for _, p := range parts {
		w, err := partitionWhere(p)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "-- %s\nSELECT [id] FROM [sales].[orders]%s;\n", p, w)
	}
	golden(t, "partition.sql", b.String())
	if _, err := partitionWhere([]byte(`{"v":9}`)); err == nil {
		t.Error("a foreign descriptor was accepted")
	}
}
