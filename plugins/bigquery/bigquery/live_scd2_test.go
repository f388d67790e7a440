package bigquery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// scd2Row is a staged row of the live history test; a nil pointer is NULL.
type scd2Row struct {
	id    int64
	name  *string
	score *float64
}

// oneRecord reads one record batch (the sink's Write input).
type oneRecord struct {
	rec  arrow.RecordBatch
	done bool
}

func (r *oneRecord) Schema() *arrow.Schema { return r.rec.Schema() }
func (r *oneRecord) Next() (arrow.RecordBatch, error) {
	if r.done {
		return nil, io.EOF
	}
	r.done = true
	r.rec.Retain()
	return r.rec, nil
}

var scd2LiveSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

func scd2Record(rows []scd2Row) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, scd2LiveSchema)
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

func sp(s string) *string   { return &s }
func fp(f float64) *float64 { return &f }

// TestLiveSCD2History loads three rounds into an scd2 target
// (tracked_columns [name], score untracked, hard_deletes close) and
// compares the whole history after each with the versions written out by
// hand; each load is committed twice (the second changes nothing); then
// a load repeating a key and a load older than the current versions fail
// with DATA and change nothing. Like TestLiveCertify (whose load/scd2
// check covers crashes, aborts and hard_deletes ignore) it needs a real
// project: the emulator has no scripting.
func TestLiveSCD2History(t *testing.T) {
	cfg := liveConfig(t)
	if cfg.Endpoint != "" {
		t.Skip("an endpoint override (the emulator) cannot run the sink's scripts: goccy/bigquery-emulator v0.6.6 has no MERGE nor DECLARE/IF scripting; run against a real project")
	}
	raw, _ := json.Marshal(cfg)
	ctx := context.Background()
	cl, err := connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	table := sdk.TableRef{Namespace: cfg.Dataset, Name: "scd2_history_" + newWriterID()}
	t.Cleanup(func() {
		_ = cl.bq.Tables.Delete(cfg.Project, cfg.Dataset, table.Name).Context(context.Background()).Do()
	})
	base := time.Now().UTC().Truncate(time.Second)
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Hour) }
	c := &Connector{}
	req := func(n int, when time.Time) sdk.LoadRequest {
		return sdk.LoadRequest{Config: raw, LoadID: fmt.Sprintf("%s-r%d", table.Name, n), Target: table, Schema: scd2LiveSchema,
			Mode: sdk.ModeSCD2, UniqueKey: []string{"id"},
			Load: sdk.LoadOptions{Strategy: sdk.Strategy{SCD2: sdk.SCD2{TrackedColumns: []string{"name"}, HardDeletes: sdk.HardDeletesClose}},
				Lineage: &sdk.Lineage{RunID: fmt.Sprintf("r%d", n), LoadedAt: when.Format(time.RFC3339Nano), RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}}}
	}
	load := func(n int, when time.Time, rows []scd2Row) error {
		r := req(n, when)
		if _, err := c.BeginLoad(ctx, r); err != nil {
			return err
		}
		rec := scd2Record(rows)
		defer rec.Release()
		if _, err := c.Write(ctx, r, &oneRecord{rec: rec}); err != nil {
			return err
		}
		if _, err := c.CommitLoad(ctx, r, json.RawMessage(`{}`)); err != nil {
			_ = c.AbortLoad(ctx, r)
			return err
		}
		return nil
	}
	ts := func(i int) string { return at(i).Format(time.RFC3339) }
	// version renders a history row: id, name, score, valid_from,
	// valid_to, is_current.
	version := func(id int64, name any, score any, from, to string, cur bool) string {
		return fmt.Sprintf("%d|%v|%v|%s|%s|%v", id, name, score, from, to, cur)
	}
	expect := func(what string, want []string) {
		t.Helper()
		rows, err := readTable(ctx, cl.bq, cfg.Project, table)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			f := func(k string) string {
				if v, ok := r[k].(time.Time); ok {
					return v.UTC().Format(time.RFC3339)
				}
				return "-"
			}
			got = append(got, version(r["id"].(int64), orDash(r["name"]), orDash(r["score"]), f(sdk.DefaultValidFromColumn), f(sdk.DefaultValidToColumn), r[sdk.DefaultIsCurrentColumn] == true))
		}
		slices.Sort(got)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("history %s (-want +got):\n%s", what, diff)
		}
	}
	rounds := [][]scd2Row{
		{{1, sp("a"), fp(1)}, {2, sp("b"), fp(2)}, {3, nil, fp(3)}},
		// 1: name changes (new version); 2: score only (in place); 3 is
		// missing (closed); 4 is new.
		{{1, sp("a2"), fp(1)}, {2, sp("b"), fp(20)}, {4, sp("d"), nil}},
		// 1's score becomes NULL (in place); 2 unchanged; 3 comes back
		// (a new version); 4 is missing (closed).
		{{1, sp("a2"), nil}, {2, sp("b"), fp(20)}, {3, nil, fp(3)}},
	}
	wants := [][]string{
		{version(1, "a", 1, ts(1), "-", true), version(2, "b", 2, ts(1), "-", true), version(3, "-", 3, ts(1), "-", true)},
		{version(1, "a", 1, ts(1), ts(2), false), version(1, "a2", 1, ts(2), "-", true), version(2, "b", 20, ts(1), "-", true),
			version(3, "-", 3, ts(1), ts(2), false), version(4, "d", "-", ts(2), "-", true)},
		{version(1, "a", 1, ts(1), ts(2), false), version(1, "a2", "-", ts(2), "-", true), version(2, "b", 20, ts(1), "-", true),
			version(3, "-", 3, ts(1), ts(2), false), version(3, "-", 3, ts(3), "-", true),
			version(4, "d", "-", ts(2), ts(3), false)},
	}
	for i, rows := range rounds {
		if err := load(i+1, at(i+1), rows); err != nil {
			t.Fatalf("round %d: %v", i+1, err)
		}
		expect(fmt.Sprintf("after round %d", i+1), wants[i])
		if _, err := c.CommitLoad(ctx, req(i+1, at(i+1)), json.RawMessage(`{}`)); err != nil {
			t.Fatalf("round %d committed again: %v", i+1, err)
		}
		expect(fmt.Sprintf("after round %d was committed again", i+1), wants[i])
	}
	err = load(4, at(4), []scd2Row{{1, sp("x"), nil}, {1, sp("y"), nil}})
	if sdk.CodeOf(err) != sdk.CodeData {
		t.Errorf("a load repeating key 1: got %v, want a DATA error", err)
	}
	expect("after a load repeating a key", wants[2])
	err = load(5, at(2), []scd2Row{{1, sp("late"), nil}})
	if sdk.CodeOf(err) != sdk.CodeData {
		t.Errorf("a load at %s, before the current versions of %s: got %v, want a DATA error", ts(2), ts(3), err)
	}
	expect("after a load older than the current versions", wants[2])
}

// orDash is v, or "-" for NULL; whole floats print without a fraction.
func orDash(v any) any {
	if v == nil {
		return "-"
	}
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return int64(f)
	}
	return v
}
