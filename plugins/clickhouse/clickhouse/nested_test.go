package clickhouse

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestMapTupleRoundTrip: an Arrow map becomes Map(K, V) and a struct a
// named Tuple, values and NULL values kept (a NULL map is empty, a NULL
// struct a tuple of NULLs and zero values); the source reads both back
// as json, and the sink's notes say so.
func TestMapTupleRoundTrip(t *testing.T) {
	f := newFixture(t)
	st := arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true})
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int32},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32), Nullable: true},
		{Name: "s", Type: st, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2, 3}, nil)
	m := b.Field(1).(*array.MapBuilder)
	mk, mv := m.KeyBuilder().(*array.StringBuilder), m.ItemBuilder().(*array.Int32Builder)
	m.Append(true)
	mk.AppendValues([]string{"x", "y'q"}, nil)
	mv.Append(1)
	mv.AppendNull()
	m.Append(true) // empty
	m.AppendNull()
	s := b.Field(2).(*array.StructBuilder)
	sa, sb := s.FieldBuilder(0).(*array.Int64Builder), s.FieldBuilder(1).(*array.StringBuilder)
	s.Append(true)
	sa.Append(1)
	sb.Append("hi")
	s.Append(true)
	sa.Append(2)
	sb.AppendNull()
	s.AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()
	f.load(f.req("nested-1", "nested", sdk.ModeAppend, schema), rec)

	var types string
	f.scalar(fmt.Sprintf("SELECT arrayStringConcat(groupArray(type), ' | ') FROM system.columns WHERE database = '%s' AND table = 'nested'", testDB), &types)
	if want := "Int32 | Map(String, Nullable(Int32)) | Tuple(a Int64, b Nullable(String))"; types != want {
		t.Errorf("types: got %q, want %q", types, want)
	}
	got := f.read("nested", "")
	want := [][]any{
		{int32(1), `{"x":1,"y'q":null}`, `{"a":1,"b":"hi"}`},
		{int32(2), `{}`, `{"a":2,"b":null}`},
		{int32(3), `{}`, `{"a":0,"b":null}`},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("read back (-want +got):\n%s", d)
	}
	for _, name := range []string{"m", "s"} {
		fld, _ := schema.FieldsByName(name)
		if loss := f.c.TypeLoss(fld[0]); loss == "" {
			t.Errorf("TypeLoss(%s): no note, want one (NULL stored as empty, read back as json)", name)
		}
	}
}

// TestMapKeepsEntryOrder: a ClickHouse Map is an ordered list of entries,
// as an Arrow map is; the sink stores them in the Arrow order (handed over
// as a Go map, they came in random order).
func TestMapKeepsEntryOrder(t *testing.T) {
	f := newFixture(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int32},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32)}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).Append(1)
	m := b.Field(1).(*array.MapBuilder)
	mk, mv := m.KeyBuilder().(*array.StringBuilder), m.ItemBuilder().(*array.Int32Builder)
	m.Append(true)
	var want strings.Builder
	want.WriteString("{")
	for i := 29; i >= 0; i-- {
		key := fmt.Sprintf("k%02d", i)
		mk.Append(key)
		mv.Append(int32(i))
		if i < 29 {
			want.WriteString(",")
		}
		fmt.Fprintf(&want, "%q:%d", key, i)
	}
	want.WriteString("}")
	rec := b.NewRecordBatch()
	defer rec.Release()
	f.load(f.req("order-1", "map_order", sdk.ModeAppend, schema), rec)
	got := f.read("map_order", "")
	if len(got) != 1 || got[0][1] != want.String() {
		t.Errorf("read back %v, want the entries in their order: %s", got, want.String())
	}
}
