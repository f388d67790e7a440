package sdktest

import (
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The load checks write a small table with a unique key, in two versions
// whose overlap tells the modes apart.
var loadSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

type loadRow struct {
	id    int64
	name  *string
	score *float64
}

func str(s string) *string   { return &s }
func num(f float64) *float64 { return &f }
func rowsA() []loadRow {
	return []loadRow{
		{1, str("alpha"), num(1.5)},
		{2, str(""), num(0)},
		{3, nil, nil},
		{4, str("delta ünïcødé 😀"), num(-2.25)},
		{5, str("echo"), num(5)},
	}
}

// rowsB overlaps rowsA on ids 4 and 5 with new values and adds 6..8.
func rowsB() []loadRow {
	return []loadRow{
		{4, str("delta v2"), num(4.5)},
		{5, nil, num(50)},
		{6, str("foxtrot"), num(6)},
		{7, str("golf"), nil},
		{8, str("hotel 'quoted' \"twice\""), num(8.125)},
	}
}

// buildLoad makes one record of rows.
func buildLoad(rows []loadRow) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, loadSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.Int64Builder).Append(r.id)
		if r.name == nil {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(*r.name)
		}
		if r.score == nil {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.Float64Builder).Append(*r.score)
		}
	}
	return b.NewRecordBatch()
}

// canonLoad is the canonical form of rows as loaded.
func canonLoad(rows []loadRow) []row {
	rec := buildLoad(rows)
	defer rec.Release()
	out, err := recordRows(rec, nil)
	if err != nil {
		panic(fmt.Sprintf("canonical load rows: %v", err))
	}
	return out
}

// expectMode is the target after loading rowsA then rowsB with mode, or
// false when the suite has no generic expectation for the mode.
func expectMode(mode string) ([]loadRow, bool) {
	a, b := rowsA(), rowsB()
	switch mode {
	case "full_refresh":
		return b, true
	case "incremental_append", "append":
		return append(a, b...), true
	case "incremental_merge", "merge":
		return mergeRows(a, b), true
	}
	return nil, false
}

// knownModes are the modes the load checks test.
func knownModes() []string {
	out := []string{"full_refresh", "incremental_append", "incremental_merge", "scd2"}
	for m := range modeScenarios() {
		out = append(out, m)
	}
	sort.Strings(out[3:])
	return out
}

func mergeRows(a, b []loadRow) []loadRow {
	byID := map[int64]int{}
	out := append([]loadRow(nil), a...)
	for i, r := range out {
		byID[r.id] = i
	}
	for _, r := range b {
		if i, ok := byID[r.id]; ok {
			out[i] = r
			continue
		}
		byID[r.id] = len(out)
		out = append(out, r)
	}
	return out
}

// throughputRecords makes n rows of loadSchema in records of at most
// 16384 rows (well under a megabyte each).
func throughputRecords(n int) []arrow.RecordBatch {
	var recs []arrow.RecordBatch
	names := []string{"alpha", "bravo", "charlie", "delta ünïcødé", "echo 😀"}
	for start := 0; start < n; start += 16384 {
		end := min(start+16384, n)
		b := array.NewRecordBuilder(memory.DefaultAllocator, loadSchema)
		ids := b.Field(0).(*array.Int64Builder)
		ns := b.Field(1).(*array.StringBuilder)
		sc := b.Field(2).(*array.Float64Builder)
		for i := start; i < end; i++ {
			ids.Append(int64(i + 1))
			ns.Append(names[i%len(names)])
			sc.Append(float64(i) / 8)
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
	}
	return recs
}

func release(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}
