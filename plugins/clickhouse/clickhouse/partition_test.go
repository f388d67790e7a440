package clickhouse

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// TestPartitionByPartitionID: a table with a PARTITION BY is split by its
// partitions (balanced by rows, read through _partition_id so each part
// reads only its own data parts), the parts cover every row once, and a
// partition created after the split is read by the last part; a table
// without partitions is split by a hash of its key.
func TestPartitionByPartitionID(t *testing.T) {
	f := newFixture(t)
	table := qualified(testDB, "by_month")
	f.exec(fmt.Sprintf(`CREATE TABLE %s (id Int64, d Date) ENGINE = MergeTree PARTITION BY toYYYYMM(d) ORDER BY id`, table))
	f.exec(fmt.Sprintf(`INSERT INTO %s SETTINGS async_insert = 0 SELECT number, toDate('2026-01-01') + number %% 120 FROM numbers(1200)`, table))
	req := sdk.ReadRequest{Config: f.cfg, Namespace: testDB, Stream: "by_month", Mode: sdk.ReadFull}
	parts, err := f.c.Partition(f.ctx, req, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 {
		t.Fatalf("%d parts, want 2", len(parts))
	}
	for _, p := range parts {
		var d partition
		if err := json.Unmarshal(p, &d); err != nil || !d.ByPartition || len(d.PartitionIDs) == 0 {
			t.Fatalf("part %s: want partition ids (a split by PARTITION BY), got %+v %v", p, d, err)
		}
	}
	ids := func(parts [][]byte) (all []int64, per []int) {
		for _, p := range parts {
			r := req
			r.Partition = p
			w := &memWriter{}
			if err := f.c.Read(f.ctx, r, w); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, row := range w.values() {
				all = append(all, row[0].(int64))
				n++
			}
			per = append(per, n)
		}
		slices.Sort(all)
		return all, per
	}
	all, per := ids(parts)
	distinct := slices.Compact(slices.Clone(all))
	if len(all) != 1200 || len(distinct) != 1200 || all[0] != 0 || all[1199] != 1199 {
		t.Fatalf("parts read %d rows (%d distinct), want ids 0..1199 once each", len(all), len(distinct))
	}
	if per[0] < 400 || per[1] < 400 {
		t.Errorf("parts unbalanced: %v rows", per)
	}
	// A month that did not exist at the split: read by the last part only.
	f.exec(fmt.Sprintf(`INSERT INTO %s SETTINGS async_insert = 0 VALUES (5000, '2027-06-01')`, table))
	all, per = ids(parts)
	if len(all) != 1201 || all[len(all)-1] != 5000 {
		t.Fatalf("after a new partition: %d rows read (last %d), want 1201 ending with 5000", len(all), all[len(all)-1])
	}

	// More parts than partitions (5 months): some parts read nothing.
	many, err := f.c.Partition(f.ctx, req, 8)
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := ids(many); len(all) != 1201 {
		t.Fatalf("8 parts of 5 partitions read %d rows, want 1201", len(all))
	}

	f.exec(fmt.Sprintf(`CREATE TABLE %s (id Int64) ENGINE = MergeTree ORDER BY id`, qualified(testDB, "flat")))
	f.exec(fmt.Sprintf(`INSERT INTO %s SETTINGS async_insert = 0 SELECT number FROM numbers(100)`, qualified(testDB, "flat")))
	req.Stream = "flat"
	parts, err = f.c.Partition(f.ctx, req, 3)
	if err != nil {
		t.Fatal(err)
	}
	var d partition
	if err := json.Unmarshal(parts[0], &d); err != nil || d.N != 3 || len(d.PartitionIDs) != 0 {
		t.Fatalf("unpartitioned table: want hash parts of 3, got %s", parts[0])
	}
	if all, _ := ids(parts); len(all) != 100 {
		t.Fatalf("hash parts read %d rows, want 100", len(all))
	}
}
