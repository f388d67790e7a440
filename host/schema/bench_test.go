package schema

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

const benchRows = 1 << 20

// benchRecord builds a 1M-row batch: id int64, qty int32 (1 in 1000
// NULL), price float64, amount decimal(18,2), status string, email
// string. About 1 row in 1000 breaks a rule.
func benchRecord(b *testing.B) arrow.RecordBatch {
	b.Helper()
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}},
		{Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "email", Type: arrow.BinaryTypes.String},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, s)
	defer rb.Release()
	statuses := []string{"new", "paid", "shipped", "cancelled"}
	for i := range benchRows {
		rb.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%1000 == 999 {
			rb.Field(1).(*array.Int32Builder).AppendNull()
		} else {
			rb.Field(1).(*array.Int32Builder).Append(int32(i % 500))
		}
		rb.Field(2).(*array.Float64Builder).Append(float64(i%10000) / 10)
		rb.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i % 100000)))
		st := statuses[i%4]
		if i%1000 == 500 {
			st = "lost"
		}
		rb.Field(4).(*array.StringBuilder).Append(st)
		rb.Field(5).(*array.StringBuilder).Append(fmt.Sprintf("user%d@example.com", i))
	}
	return rb.NewRecordBatch()
}

// BenchmarkCheck reports ns/row for Check over a 1M-row batch, per kind
// of rule. Vectorised loops stay in the low ns/row; per-row boxing would
// cost tens of ns per rule.
func BenchmarkCheck(b *testing.B) {
	rec := benchRecord(b)
	defer rec.Release()
	cases := []struct {
		name    string
		columns map[string]any
	}{
		{"not_null+range_int", map[string]any{"qty": map[string]any{"nullable": false, "min": 0, "max": 1000}}},
		{"range_float", map[string]any{"price": map[string]any{"min": 0, "max": 10000}}},
		{"range_decimal", map[string]any{"amount": map[string]any{"min": 0, "max": "999999.99"}}},
		{"accepted_values_string", map[string]any{"status": map[string]any{"accepted_values": []any{"new", "paid", "shipped", "cancelled"}}}},
		{"max_length_string", map[string]any{"email": map[string]any{"max_length": 64}}},
		{"regex_string", map[string]any{"email": map[string]any{"regex": "@example\\.com$"}}},
		{"type_only", map[string]any{"id": map[string]any{"type": "int64"}, "amount": map[string]any{"type": "decimal(18,2)"}}},
		{"typical_contract", map[string]any{
			"id":     map[string]any{"type": "int64", "nullable": false},
			"qty":    map[string]any{"nullable": false, "min": 0, "max": 1000},
			"price":  map[string]any{"min": 0},
			"amount": map[string]any{"min": 0},
			"status": map[string]any{"accepted_values": []any{"new", "paid", "shipped", "cancelled"}, "max_length": 20},
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ch := checker(b, map[string]any{"columns": c.columns}, rec.Schema())
			b.ResetTimer()
			for b.Loop() {
				if _, err := ch.Check(rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
		})
	}
	// Unique keeps a growing set, so each iteration gets a fresh Checker
	// (its cost is the hash set, not the loop).
	b.Run("unique_int64", func(b *testing.B) {
		c, _ := ParseContract(map[string]any{"columns": map[string]any{"id": map[string]any{"unique": true}}})
		for b.Loop() {
			ch, _ := NewChecker(c, rec.Schema())
			if _, err := ch.Check(rec); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
	})
}

// BenchmarkSplit measures Split + Quarantine of a 1M-row batch with 0.2%
// bad rows.
func BenchmarkSplit(b *testing.B) {
	rec := benchRecord(b)
	defer rec.Release()
	ch := checker(b, map[string]any{"columns": map[string]any{
		"qty":    map[string]any{"nullable": false},
		"status": map[string]any{"accepted_values": []any{"new", "paid", "shipped", "cancelled"}},
	}}, rec.Schema())
	v, err := ch.Check(rec)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		good, bad, err := Split(ctx, rec, v)
		if err != nil {
			b.Fatal(err)
		}
		q, err := Quarantine(memory.DefaultAllocator, bad, v, Stamp{RunID: "r"})
		if err != nil {
			b.Fatal(err)
		}
		good.Release()
		bad.Release()
		q.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
}
