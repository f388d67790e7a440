package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/go-cmp/cmp"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/sdk"
)

// readPartitions reads every descriptor concurrently and returns the ids
// (column id) each one saw.
func readPartitions(t *testing.T, c *Connector, req sdk.ReadRequest, parts [][]byte) ([][]int64, []error) {
	t.Helper()
	ids := make([][]int64, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() {
			w := &memWriter{}
			defer w.release()
			r := req
			r.Partition = p
			if errs[i] = c.Read(context.Background(), r, w); errs[i] != nil {
				return
			}
			for _, rec := range w.recs {
				switch col := rec.Column(rec.Schema().FieldIndices("id")[0]).(type) {
				case *array.Int64:
					ids[i] = append(ids[i], col.Int64Values()...)
				case *array.Int32:
					for _, v := range col.Int32Values() {
						ids[i] = append(ids[i], int64(v))
					}
				}
			}
		})
	}
	wg.Wait()
	return ids, errs
}

// wantIDs lists the table's ids as the test's connection sees them now.
func wantIDs(t *testing.T, cfg json.RawMessage, table string) []int64 {
	t.Helper()
	_, conn := testDB(t)
	rows, err := conn.Query(context.Background(), "SELECT id::int8 FROM "+table+" ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func TestPartitionCoversEveryRowOnce(t *testing.T) {
	cfg, conn := testDB(t)
	tests := []struct {
		name      string
		ddl       string
		n         int
		wantParts int
		balanced  bool // every partition holds 1/n of the rows, ±20%
	}{
		{"bigint even", "CREATE TABLE %s (id bigint PRIMARY KEY, v text); INSERT INTO %[1]s SELECT g, 'v' FROM generate_series(1, 10000) g", 4, 4, true},
		{"int4 with gaps", "CREATE TABLE %s (id int PRIMARY KEY); INSERT INTO %[1]s SELECT g * 7 - 50000 FROM generate_series(1, 5000) g", 3, 3, false},
		{"skewed extremes", "CREATE TABLE %s (id bigint PRIMARY KEY); INSERT INTO %[1]s VALUES (-9223372036854775808), (9223372036854775807), (0), (1), (2)", 4, 4, false},
		{"sampled big table", "CREATE TABLE %s (id bigint PRIMARY KEY); INSERT INTO %[1]s SELECT g FROM generate_series(1, 400000) g; ANALYZE %[1]s", 3, 3, true},
		{"fewer keys than partitions", "CREATE TABLE %s (id bigint PRIMARY KEY); INSERT INTO %[1]s VALUES (5), (6)", 8, 2, false},
		{"empty table", "CREATE TABLE %s (id bigint PRIMARY KEY)", 4, 1, false},
		{"no primary key", "CREATE TABLE %s (id bigint); INSERT INTO %[1]s SELECT g FROM generate_series(1, 100) g", 4, 1, false},
		{"text key", "CREATE TABLE %s (id bigint, k text PRIMARY KEY); INSERT INTO %[1]s SELECT g, g::text FROM generate_series(1, 100) g", 4, 1, false},
		{"one partition asked", "CREATE TABLE %s (id bigint PRIMARY KEY); INSERT INTO %[1]s SELECT g FROM generate_series(1, 100) g", 1, 1, false},
		// Block ranges (TID range scans): any table of at least n blocks.
		{"no primary key, many blocks", "CREATE TABLE %s (id bigint, pad text); INSERT INTO %[1]s SELECT g, repeat('x', 40) FROM generate_series(1, 20000) g", 4, 4, true},
		{"text key, many blocks", "CREATE TABLE %s (id bigint, k text PRIMARY KEY); INSERT INTO %[1]s SELECT g, g::text FROM generate_series(1, 20000) g", 3, 3, true},
		{"updated and deleted before", "CREATE TABLE %s (id bigint, v int); INSERT INTO %[1]s SELECT g, 0 FROM generate_series(1, 20000) g; UPDATE %[1]s SET v = 1 WHERE id %% 3 = 0; DELETE FROM %[1]s WHERE id %% 7 = 0", 4, 4, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("part_cover_%d", i)
			mustExec(t, conn, fmt.Sprintf(tt.ddl, "public."+name))
			t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public."+name) })
			c := New().(*Connector)
			req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: name, Mode: sdk.ReadFull}
			parts, err := c.Partition(context.Background(), req, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != tt.wantParts {
				t.Fatalf("got %d partitions, want %d", len(parts), tt.wantParts)
			}
			ids, errs := readPartitions(t, c, req, parts)
			var got []int64
			for i := range parts {
				if errs[i] != nil {
					t.Fatalf("partition %d: %v", i, errs[i])
				}
				got = append(got, ids[i]...)
			}
			for i := range parts {
				if share := float64(len(ids[i])) * float64(len(parts)) / float64(len(got)); tt.balanced && (share < 0.8 || share > 1.2) {
					t.Errorf("partition %d holds %d of %d rows: unbalanced", i, len(ids[i]), len(got))
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(wantIDs(t, cfg, "public."+name), got); diff != "" {
				t.Errorf("ids of all partitions (-want +got):\n%s", diff)
			}
			if c.snapshots.open(partitionSnapshot(t, parts[0])) {
				t.Errorf("coordinator still open after every partition imported its snapshot")
			}
		})
	}
}

func partitionSnapshot(t *testing.T, raw []byte) string {
	t.Helper()
	var d partitionDesc
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d.Snapshot
}

// Rows inserted, updated or deleted after Partition are not seen by any
// partition, even one that starts reading after the change committed.
func TestPartitionReadsOneSnapshot(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, "CREATE TABLE public.part_snap (id bigint PRIMARY KEY, v int); INSERT INTO public.part_snap SELECT g, 0 FROM generate_series(1, 20000) g")
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.part_snap") })
	want := wantIDs(t, cfg, "public.part_snap")

	c := New().(*Connector)
	req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "part_snap", Mode: sdk.ReadFull}
	parts, err := c.Partition(context.Background(), req, 4)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, `INSERT INTO public.part_snap SELECT g, 1 FROM generate_series(20001, 30000) g;
		INSERT INTO public.part_snap VALUES (-5, 1), (0, 1);
		DELETE FROM public.part_snap WHERE id % 10 = 0;
		UPDATE public.part_snap SET v = 2 WHERE id % 10 = 1`)

	got := readAllIDs(t, c, req, parts)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("partitions saw changes made after the snapshot (-want +got):\n%s", diff)
	}
}

// Once every partition imported the snapshot the coordinator is gone, and
// a late Read of a partition fails with a retryable UNAVAILABLE.
func TestPartitionAfterCoordinatorEnded(t *testing.T) {
	c, req, parts := partitionTable(t, "part_late", "(id bigint PRIMARY KEY); INSERT INTO public.part_late SELECT g FROM generate_series(1, 100) g", 2)
	if _, errs := readPartitions(t, c, req, parts); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	_, errs := readPartitions(t, c, req, parts[:1])
	if got := sdk.CodeOf(errs[0]); got != sdk.CodeUnavailable {
		t.Errorf("late read: got code %v (%v), want UNAVAILABLE", got, errs[0])
	}
}

// The lease ends a coordinator whose partitions never come.
func TestSnapshotLease(t *testing.T) {
	cfg, _ := testDB(t)
	conn, err := connect(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	var id string
	if err := conn.QueryRow(context.Background(), "SELECT pg_export_snapshot()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	var s snapshots
	s.hold(id, conn, 3, 50*time.Millisecond)
	if !s.open(id) {
		t.Fatal("coordinator not open after hold")
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.open(id) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.open(id) {
		t.Fatal("coordinator still open after its lease")
	}
	// end drops the coordinator from the map before it closes the
	// connection (in the lease timer's goroutine): the close follows.
	for !conn.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !conn.IsClosed() {
		t.Error("coordinator connection not closed after its lease")
	}
}

func TestPartitionDescriptorChecks(t *testing.T) {
	cfg, _ := testDB(t)
	c := New().(*Connector)
	tests := []struct {
		name string
		desc string
		opts string
	}{
		{"not json", `{`, ``},
		{"wrong version", `{"v":3,"snapshot":"00000003-0000001B-1","table":"public.x"}`, ``},
		{"v2 without blocks", `{"v":2,"snapshot":"00000003-0000001B-1","table":"public.x"}`, ``},
		{"v1 with blocks", `{"v":1,"blocks":true,"snapshot":"00000003-0000001B-1","table":"public.x"}`, ``},
		{"block range read incrementally", `{"v":2,"blocks":true,"snapshot":"00000003-0000001B-1","table":"public.x","lo":1}`,
			`{"incremental_strategy":"column","incremental_column":"id"}`},
		{"bad snapshot id", `{"v":1,"snapshot":"x'; DROP TABLE y; --","table":"public.x"}`, ``},
		{"other table", `{"v":1,"snapshot":"00000003-0000001B-1","table":"public.y"}`, ``},
		{"range read incrementally", `{"v":1,"snapshot":"00000003-0000001B-1","table":"public.x","column":"id","lo":1}`,
			`{"incremental_strategy":"column","incremental_column":"id"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "x", Mode: sdk.ReadFull, Partition: []byte(tt.desc)}
			if tt.opts != "" {
				req.Options = json.RawMessage(tt.opts)
			}
			err := c.Read(context.Background(), req, &memWriter{})
			if got := sdk.CodeOf(err); got != sdk.CodeConfig {
				t.Errorf("got code %v (%v), want CONFIG", got, err)
			}
		})
	}
}

// Partition and partitioned Reads through the real gRPC adapter.
func TestGRPCPartitionedRead(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, "CREATE TABLE public.part_grpc (id bigint PRIMARY KEY, v text); INSERT INTO public.part_grpc SELECT g, 'v' || g FROM generate_series(1, 3000) g")
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.part_grpc") })
	cc := grpcClient(t)
	resp, err := cc.Partition(context.Background(), &connectorv1.PartitionRequest{ConfigJson: cfg, Namespace: "public", Stream: "part_grpc", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetError() != nil {
		t.Fatal(resp.GetError())
	}
	if len(resp.GetPartitions()) != 3 {
		t.Fatalf("got %d partitions, want 3", len(resp.GetPartitions()))
	}
	seen := map[int64]int{}
	for _, p := range resp.GetPartitions() {
		_, _, rows := grpcRead(t, cc, &connectorv1.ReadRequest{ConfigJson: cfg, Namespace: "public", Stream: "part_grpc",
			Mode: connectorv1.SourceMode_SOURCE_MODE_FULL, Partition: p})
		for _, r := range rows {
			seen[r[0].(int64)]++
		}
	}
	if len(seen) != 3000 {
		t.Errorf("got %d distinct ids, want 3000", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("id %d read %d times, want once", id, n)
		}
	}
}

// TestPartitionByBlocks: a table of enough blocks is split into block
// ranges read by TID range scans (no index needed), contiguous from block
// 0 and open-ended at the end.
func TestPartitionByBlocks(t *testing.T) {
	c, req, parts := partitionTable(t, "part_blocks", "(id bigint PRIMARY KEY, pad text); INSERT INTO public.part_blocks SELECT g, repeat('x', 40) FROM generate_series(1, 20000) g", 3)
	// Read first: the coordinator holds the table until every partition
	// imported its snapshot (a failure before would hang the DROP).
	got := readAllIDs(t, c, req, parts)
	if diff := cmp.Diff(wantIDs(t, req.Config, "public.part_blocks"), got); diff != "" {
		t.Errorf("ids of all partitions (-want +got):\n%s", diff)
	}
	if len(parts) != 3 {
		t.Fatalf("%d partitions, want 3", len(parts))
	}
	var prev *int64
	for i, raw := range parts {
		var d partitionDesc
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if !d.Blocks || d.V != 2 || d.Column != "" {
			t.Fatalf("partition %d: %s, want a block range (v 2)", i, raw)
		}
		if (i == 0) != (d.Lo == nil) || (i == 2) != (d.Hi == nil) || (i > 0 && *d.Lo != *prev) {
			t.Errorf("partition %d: %s: ranges must be contiguous, open at both ends", i, raw)
		}
		prev = d.Hi
		if w := d.where(); !strings.Contains(w, "ctid") {
			t.Errorf("partition %d reads %q, want a ctid range", i, w)
		}
	}
}

// readAllIDs reads every partition and returns their ids, sorted; it
// fails the test if a partition fails.
func readAllIDs(t *testing.T, c *Connector, req sdk.ReadRequest, parts [][]byte) []int64 {
	t.Helper()
	ids, errs := readPartitions(t, c, req, parts)
	var got []int64
	for i := range parts {
		if errs[i] != nil {
			t.Fatalf("partition %d: %v", i, errs[i])
		}
		got = append(got, ids[i]...)
	}
	slices.Sort(got)
	return got
}

// partitionTable creates public.<name> <ddl> (dropped after the test)
// and partitions a full read of it n ways.
func partitionTable(t *testing.T, name, ddl string, n int) (*Connector, sdk.ReadRequest, [][]byte) {
	t.Helper()
	cfg, conn := testDB(t)
	mustExec(t, conn, "CREATE TABLE public."+name+" "+ddl)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public."+name) })
	c := New().(*Connector)
	req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: name, Mode: sdk.ReadFull}
	parts, err := c.Partition(context.Background(), req, n)
	if err != nil {
		t.Fatal(err)
	}
	return c, req, parts
}
