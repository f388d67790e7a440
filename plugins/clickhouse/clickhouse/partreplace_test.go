package clickhouse

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestPartitionReplace: the partitions a load holds replace the target's,
// the others stay; more than 100 partitions in one block load; a target
// partitioned otherwise is refused.
func TestPartitionReplace(t *testing.T) {
	f := newFixture(t)
	req := func(id string) sdk.LoadRequest {
		r := f.req(id, "parts", sdk.ModePartitionReplace, idNameSchema)
		r.Load.Strategy.PartitionBy = sdk.ColumnNames{"name"}
		return r
	}
	f.load(req("pr-1"), idNameRecord(t, 1, "p1", 2, "p1", 3, "p2", 4, "p2", 5, "p3"))
	res := f.load(req("pr-2"), idNameRecord(t, 3, "p2", 6, "p2", 7, "p4"))
	if res.RowsInserted != 3 {
		t.Errorf("rows inserted: got %d, want 3", res.RowsInserted)
	}
	want := [][]any{row(1, "p1"), row(2, "p1"), row(3, "p2"), row(5, "p3"), row(6, "p2"), row(7, "p4")}
	if d := cmp.Diff(want, f.idNames("parts")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}
	var key string
	f.scalar("SELECT partition_key FROM system.tables WHERE database = '"+testDB+"' AND name = 'parts'", &key)
	if key != "name" {
		t.Errorf("partition key: got %q, want name", key)
	}

	// 150 partitions in one block.
	b := array.NewRecordBuilder(memory.DefaultAllocator, idNameSchema)
	defer b.Release()
	for i := range 150 {
		b.Field(0).(*array.Int64Builder).Append(int64(1000 + i))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("q%d", i))
	}
	many := b.NewRecordBatch()
	defer many.Release()
	f.load(req("pr-3"), many)
	if got := len(f.idNames("parts")); got != len(want)+150 {
		t.Errorf("after 150 partitions: got %d rows, want %d", got, len(want)+150)
	}

	other := f.req("pr-4", "parts", sdk.ModePartitionReplace, idNameSchema)
	other.Load.Strategy.PartitionBy = sdk.ColumnNames{"id"}
	if _, err := f.c.BeginLoad(f.ctx, other); sdk.CodeOf(err) != sdk.CodeSchema {
		t.Errorf("partition_by id into a target partitioned by name: got %v, want a SCHEMA error", err)
	}
	none := f.req("pr-5", "parts", sdk.ModePartitionReplace, idNameSchema)
	if _, err := f.c.BeginLoad(f.ctx, none); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("partition_replace without partition_by: got %v, want a CONFIG error", err)
	}
}
