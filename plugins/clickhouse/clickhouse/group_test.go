package clickhouse

import (
	"fmt"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// TestWriteGroupsRecords: the records of a Write go to staging in few
// INSERTs (each one query streaming several native blocks, up to
// groupBytes of Arrow data), not one INSERT per record: one INSERT
// allocates one block number, so staging's highest block number counts
// them. Every row arrives once, also when the Write is re-sent.
func TestWriteGroupsRecords(t *testing.T) {
	f := newFixture(t)
	recs := benchRecords(50_000, 5_000)
	req := f.req("group-1", "grouped", sdk.ModeAppend, benchSchema)
	f.stage(req, recs...)
	staging := sdk.StagingName(req.LoadID)
	var inserts uint64
	f.scalar(fmt.Sprintf("SELECT toUInt64(max(max_block_number)) FROM system.parts WHERE database = '%s' AND table = '%s' AND active", testDB, staging), &inserts)
	if inserts != 1 {
		t.Errorf("10 records of 5,000 rows took %d INSERTs, want 1", inserts)
	}
	// The same Write re-sent (a retry) is stored once: same group, same token.
	if _, err := f.c.Write(f.ctx, req, &sliceReader{schema: benchSchema, recs: recs}); err != nil {
		t.Fatal(err)
	}
	var rows, ids uint64
	f.scalar("SELECT count() FROM "+qualified(testDB, staging), &rows)
	f.scalar("SELECT toUInt64(sum(id)) FROM "+qualified(testDB, staging), &ids)
	if rows != 50_000 || ids != 49_999*50_000/2 {
		t.Errorf("staging holds %d rows, id sum %d: want 50000 and %d", rows, ids, 49_999*50_000/2)
	}
}
