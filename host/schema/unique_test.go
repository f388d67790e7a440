package schema

import (
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

func TestUniqueAcrossBatches(t *testing.T) {
	tests := []struct {
		name    string
		dt      arrow.DataType
		batches []string
		want    [][]string
	}{
		{"int64", arrow.PrimitiveTypes.Int64,
			[]string{`[1, 2, 2, null, null]`, `[3, 1, null]`},
			[][]string{{"", "", "UNIQUE", "", ""}, {"", "UNIQUE", ""}}},
		{"int8", arrow.PrimitiveTypes.Int8, []string{`[1]`, `[1]`}, [][]string{{""}, {"UNIQUE"}}},
		{"uint32", arrow.PrimitiveTypes.Uint32, []string{`[4, 4]`}, [][]string{{"", "UNIQUE"}}},
		{"float64 zero and negative zero", arrow.PrimitiveTypes.Float64, []string{`[0.0, -0.0, 1.5]`, `[1.5]`}, [][]string{{"", "UNIQUE", ""}, {"UNIQUE"}}},
		{"string", arrow.BinaryTypes.String, []string{`["a", "b", ""]`, `["", "a", "c", null]`}, [][]string{{"", "", ""}, {"UNIQUE", "UNIQUE", "", ""}}},
		{"large string", arrow.BinaryTypes.LargeString, []string{`["a"]`, `["a"]`}, [][]string{{""}, {"UNIQUE"}}},
		{"binary", arrow.BinaryTypes.Binary, []string{`["AAE="]`, `["AAE=", "AAI="]`}, [][]string{{""}, {"UNIQUE", ""}}},
		{"decimal", dec128, []string{`["1.00", "1.01"]`, `["1.00"]`}, [][]string{{"", ""}, {"UNIQUE"}}},
		{"date", arrow.FixedWidthTypes.Date32, []string{`["2024-01-01"]`, `["2024-01-01", "2024-01-02"]`}, [][]string{{""}, {"UNIQUE", ""}}},
		{"timestamp", tsUs, []string{`["2024-01-01T00:00:00Z"]`, `["2024-01-01T00:00:00Z"]`}, [][]string{{""}, {"UNIQUE"}}},
		{"bool", arrow.FixedWidthTypes.Boolean, []string{`[true, false, true]`}, [][]string{{"", "", "UNIQUE"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
			defer mem.AssertSize(t, 0)
			s := oneColumn(tt.dt)
			ch := checker(t, map[string]any{"columns": map[string]any{"c": map[string]any{"unique": true}}}, s)
			for bi, batch := range tt.batches {
				rec := recordOf(t, mem, s, batch)
				v, err := ch.Check(rec)
				rec.Release() // the set must not alias released buffers
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tt.want[bi], codes(v)); d != "" {
					t.Errorf("batch %d codes (-want +got):\n%s", bi, d)
				}
			}
		})
	}
}

// recordOf builds a one-column record from a JSON array of values of c.
func recordOf(t *testing.T, mem memory.Allocator, s *arrow.Schema, values string) arrow.RecordBatch {
	t.Helper()
	rows := "["
	for i, v := range jsonValues(t, values) {
		if i > 0 {
			rows += ","
		}
		rows += `{"c": ` + v + `}`
	}
	return record(t, mem, s, rows+"]")
}

func TestUniqueIgnoresRowsBadForOtherReasons(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	ch := checker(t, map[string]any{"columns": map[string]any{
		"id":   map[string]any{"unique": true},
		"code": map[string]any{"unique": true},
		"qty":  map[string]any{"min": 0},
	}}, s)
	rec := record(t, mem, s, `[
		{"id": 1, "code": "a", "qty": -1},
		{"id": 1, "code": "b", "qty": 1},
		{"id": 2, "code": "b", "qty": 1},
		{"id": 3, "code": "c", "qty": 1},
		{"id": 3, "code": "c", "qty": 1}
	]`)
	defer rec.Release()
	v, err := ch.Check(rec)
	if err != nil {
		t.Fatal(err)
	}
	// Row 0 is quarantined for RANGE, so id 1 is still free for row 1.
	// Row 2 duplicates row 1's code; its id 2 is not remembered, and
	// row 4 duplicates both columns of row 3 (counted once per column).
	if d := cmp.Diff([]string{"RANGE", "", "UNIQUE", "", "UNIQUE"}, codes(v)); d != "" {
		t.Errorf("codes (-want +got):\n%s", d)
	}
	wantCounts := []Count{
		{Column: "code", Reason: ReasonUnique, Rows: 2},
		{Column: "id", Reason: ReasonUnique, Rows: 1},
		{Column: "qty", Reason: ReasonRange, Rows: 1},
	}
	if d := cmp.Diff(wantCounts, v.Counts); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	if got := v.Message(2); got != `column "code": value "b" is a duplicate within this load` {
		t.Errorf("message: got %q", got)
	}

	rec2 := record(t, mem, s, `[{"id": 2, "code": "z", "qty": 1}]`)
	defer rec2.Release()
	v, _ = ch.Check(rec2)
	if !v.OK() {
		t.Errorf("id 2 was never loaded, got %v, want OK", codes(v))
	}
	counts, rows, bad := ch.Totals()
	if rows != 6 || bad != 3 || len(counts) != 3 {
		t.Errorf("Totals: rows %d bad %d counts %v; want 6, 3, three counts", rows, bad, counts)
	}
}

func TestCheckConcurrent(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	s := oneColumn(arrow.PrimitiveTypes.Int64)
	ch := checker(t, map[string]any{"columns": map[string]any{"c": map[string]any{"unique": true}}}, s)
	rec := recordOf(t, mem, s, `[1, 2, 3]`)
	defer rec.Release()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := ch.Check(rec); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	_, rows, bad := ch.Totals()
	if rows != 24 || bad != 21 {
		t.Errorf("Totals: rows %d bad %d, want 24 and 21 (only the first batch is unique)", rows, bad)
	}
}
