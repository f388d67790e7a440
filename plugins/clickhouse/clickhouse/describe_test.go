package clickhouse

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// TestDescribeNested: a target's Array, Map and named Tuple columns are
// described as the list, map and struct types the sink created them
// from, so a second load of the same source needs no schema change.
func TestDescribeNested(t *testing.T) {
	f := newFixture(t)
	f.exec(fmt.Sprintf("CREATE TABLE %s (k Int32, a Array(Nullable(Int64)), m Map(String, Nullable(Int32)), s Tuple(a Int64, `b c` Nullable(String)), u Tuple(Int8, String)) ENGINE = MergeTree ORDER BY k",
		qualified(testDB, "described")))
	s, _, ok, err := f.c.DescribeTarget(f.ctx, f.cfg, sdk.TableRef{Namespace: testDB, Name: "described"})
	if err != nil || !ok {
		t.Fatalf("DescribeTarget: %v %v", ok, err)
	}
	want := []arrow.DataType{
		arrow.PrimitiveTypes.Int32,
		arrow.ListOfField(arrow.Field{Name: "item", Type: arrow.PrimitiveTypes.Int64, Nullable: true}),
		arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32),
		arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}, arrow.Field{Name: "b c", Type: arrow.BinaryTypes.String, Nullable: true}),
		arrow.BinaryTypes.String, // an unnamed tuple: json
	}
	for i, w := range want {
		if got := s.Field(i).Type; !arrow.TypeEqual(got, w) {
			t.Errorf("column %s: got %s, want %s", s.Field(i).Name, got, w)
		}
	}
}
