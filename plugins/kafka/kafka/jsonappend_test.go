package kafka

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestAppendValueMatchesArrow: the sink's fast JSON of every bench_src
// column is what Arrow's GetOneForMarshal gives, decimals equal in value.
func TestAppendValueMatchesArrow(t *testing.T) {
	rec := benchRecord(500)
	defer rec.Release()
	for c, col := range rec.Columns() {
		for i := range col.Len() {
			got, err := appendValue(nil, col, i, false)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(col.GetOneForMarshal(i))
			if _, ok := col.(*array.Decimal128); ok && col.IsValid(i) {
				if !sameDecimal(t, got, want) {
					t.Fatalf("column %s row %d: got %s, want %s", rec.ColumnName(c), i, got, want)
				}
				continue
			}
			if string(got) != string(want) {
				t.Fatalf("column %s row %d: got %s, want %s", rec.ColumnName(c), i, got, want)
			}
		}
	}
}

func sameDecimal(t *testing.T, a, b []byte) bool {
	var sa, sb string
	if json.Unmarshal(a, &sa) != nil || json.Unmarshal(b, &sb) != nil {
		return false
	}
	ra, ok1 := new(big.Rat).SetString(sa)
	rb, ok2 := new(big.Rat).SetString(sb)
	return ok1 && ok2 && ra.Cmp(rb) == 0
}

// TestAppendDecimal: exact text at every scale, also past int64.
func TestAppendDecimal(t *testing.T) {
	big38, _ := decimal128.FromString("-12345678901234567890123.4567", 38, 4)
	for _, c := range []struct {
		n     decimal128.Num
		scale int32
		want  string
	}{
		{decimal128.FromI64(1234500), 4, `"123.4500"`},
		{decimal128.FromI64(-5), 4, `"-0.0005"`},
		{decimal128.FromI64(0), 2, `"0.00"`},
		{decimal128.FromI64(-9223372036854775808), 0, `"-9223372036854775808"`},
		{decimal128.FromI64(12), -2, `"1200"`},
		{big38, 4, `"-12345678901234567890123.4567"`},
	} {
		if got := string(appendDecimal128(nil, c.n, c.scale)); got != c.want {
			t.Errorf("decimal %v scale %d: got %s, want %s", c.n, c.scale, got, c.want)
		}
	}
}

// TestAppendString: escapes as encoding/json (HTML characters aside).
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "\n\r\t\x00\x1f", "日本語 🌕", "bad \xff utf8", "line\u2028sep\u2029", "<a&b>"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q: got %s (%q), want %s", s, got, back, want)
		}
	}
	// Timestamps outside years 0-9999 go through Arrow.
	b := array.NewTimestampBuilder(memory.DefaultAllocator, &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"})
	b.Append(arrow.Timestamp(300000000000))
	a := b.NewTimestampArray()
	defer a.Release()
	if _, ok := appendTimestamp(nil, a, 0); ok {
		t.Errorf("a timestamp in year 11476: want the fallback")
	}
}
