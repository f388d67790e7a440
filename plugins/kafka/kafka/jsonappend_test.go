package kafka

import (
	"encoding/json"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

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

// TestAppendTimestampMatchesTime: the civil-date formatting of timestamps
// (every unit, UTC and zone-less) and dates is time.Time.AppendFormat's,
// across years 0-9999, before the epoch, on leap days and with fractions
// that end in zeros; years outside 0-9999 fall back.
func TestAppendTimestampMatchesTime(t *testing.T) {
	instants := []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 2, 29, 12, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2000, 2, 29, 1, 2, 3, 400000000, time.UTC),
		time.Date(1900, 3, 1, 4, 5, 6, 120000, time.UTC),
		time.Date(2024, 12, 31, 23, 0, 0, 100, time.UTC),
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi := instants[2].Unix(), instants[4].Unix()
	for range 20000 {
		instants = append(instants, time.Unix(lo+rng.Int64N(hi-lo), rng.Int64N(1e9)).UTC())
	}
	for _, unit := range []arrow.TimeUnit{arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond} {
		for _, zone := range []string{"UTC", ""} {
			typ := &arrow.TimestampType{Unit: unit, TimeZone: zone}
			b := array.NewTimestampBuilder(memory.DefaultAllocator, typ)
			var want []string
			for _, ts := range instants {
				if unit == arrow.Nanosecond && (ts.Year() < 1678 || ts.Year() > 2261) {
					continue // not an int64 of nanoseconds
				}
				v, _ := arrow.TimestampFromTime(ts, unit)
				b.Append(v)
				layout := time.RFC3339Nano
				if zone == "" {
					layout = timestampNoZone
				}
				want = append(want, `"`+v.ToTime(unit).Format(layout)+`"`)
			}
			a := b.NewTimestampArray()
			b.Release()
			for i, w := range want {
				got, ok := appendTimestamp([]byte("x"), a, i)
				if !ok || string(got) != "x"+w {
					t.Fatalf("unit %s zone %q value %d: got %s (%v), want x%s", unit, zone, a.Value(i), got, ok, w)
				}
			}
			a.Release()
		}
	}
	for _, d := range []arrow.Date32{0, -1, -719528, 2932896, 11016, -25567} {
		want := `"` + d.ToTime().Format(time.DateOnly) + `"`
		if got := string(appendDate32(nil, d)); got != want {
			t.Errorf("date %d: got %s, want %s", d, got, want)
		}
	}
	for _, d := range []arrow.Date32{-719529, 2932897} {
		if _, ok := appendCivilDate(nil, int64(d)); ok {
			t.Errorf("date %d (year outside 0-9999): want the fallback", d)
		}
		want := `"` + d.ToTime().Format(time.DateOnly) + `"`
		if got := string(appendDate32(nil, d)); got != want {
			t.Errorf("date %d: got %s, want %s", d, got, want)
		}
	}
}
