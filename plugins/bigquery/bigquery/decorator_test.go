package bigquery

import (
	"encoding/json"
	"testing"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// partitionedOrders is landing.orders as BigQuery describes it: the test
// load's columns, the lineage columns, a column the load lacks, partitioned
// by day (DAY).
func partitionedOrders(tp *bq.TimePartitioning, rp *bq.RangePartitioning) *bq.Table {
	return &bq.Table{TimePartitioning: tp, RangePartitioning: rp, Schema: &bq.TableSchema{Fields: []*bq.TableFieldSchema{
		{Name: "id", Type: "INTEGER", Mode: "REQUIRED"},
		{Name: "day", Type: "DATE"},
		{Name: "amount", Type: "NUMERIC", Precision: 12, Scale: 2},
		{Name: "doc", Type: "JSON"},
		{Name: "tags", Type: "STRING", Mode: "REPEATED"},
		{Name: "who", Type: "RECORD", Fields: []*bq.TableFieldSchema{{Name: "name", Type: "STRING"}}},
		{Name: "note", Type: "RECORD", Mode: "REPEATED", Fields: []*bq.TableFieldSchema{{Name: "at", Type: "TIMESTAMP"}}},
		{Name: "_dpone_run_id", Type: "STRING"},
		{Name: "_dpone_loaded_at", Type: "TIMESTAMP"},
	}}}
}

// TestDecoratorPartitioning: partition_replace writes partition
// decorators only into a target partitioned by exactly its partition_by
// column; other targets keep the transactional DELETE+INSERT.
func TestDecoratorPartitioning(t *testing.T) {
	day := &bq.TimePartitioning{Type: "DAY", Field: "day"}
	ids := &bq.RangePartitioning{Field: "id", Range: &bq.RangePartitioningRange{Start: 0, End: 1000, Interval: 10}}
	for _, tc := range []struct {
		name      string
		mode      string
		by        []string
		table     *bq.Table
		wantField string
	}{
		{"day partitions by day", sdk.ModePartitionReplace, []string{"day"}, partitionedOrders(day, nil), "day"},
		{"range partitions by id", sdk.ModePartitionReplace, []string{"id"}, partitionedOrders(nil, ids), "id"},
		{"partition_by another column", sdk.ModePartitionReplace, []string{"id"}, partitionedOrders(day, nil), ""},
		{"partition_by two columns", sdk.ModePartitionReplace, []string{"day", "id"}, partitionedOrders(day, nil), ""},
		{"unpartitioned target", sdk.ModePartitionReplace, []string{"day"}, partitionedOrders(nil, nil), ""},
		{"ingestion time", sdk.ModePartitionReplace, []string{"day"}, partitionedOrders(&bq.TimePartitioning{Type: "DAY"}, nil), ""},
		{"append mode", sdk.ModeAppend, nil, partitionedOrders(day, nil), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := testLoad(t, tc.mode, sdk.Strategy{PartitionBy: tc.by}, "")
			p := l.decoratorPartitioning(tc.table)
			got := ""
			if p != nil {
				got = p.Field
			}
			if got != tc.wantField {
				t.Errorf("decorator partitioning field: got %q, want %q", got, tc.wantField)
			}
		})
	}
}

// TestPartitionIDs renders the partition id of each partitioning: the
// suffix BigQuery's decorators take (YYYYMMDD, YYYYMMDDHH, YYYYMM, YYYY,
// the range bucket's start), NULL outside the range.
func TestPartitionIDs(t *testing.T) {
	var got string
	for _, p := range []columnPartitioning{
		{Field: "day", Type: "DATE", Unit: "DAY"},
		{Field: "day", Type: "DATE", Unit: "MONTH"},
		{Field: "at", Type: "TIMESTAMP", Unit: "HOUR"},
		{Field: "at", Type: "DATETIME", Unit: "YEAR"},
		{Field: "id", Type: "INT64", Range: &bq.RangePartitioningRange{Start: -100, End: 1000, Interval: 25}},
	} {
		got += p.idExpr("T.") + "\n"
	}
	golden(t, "decorator/partition_ids.sql", got)
}

// TestPartitionJobGolden renders what partition_replace sends into a
// target partitioned by its partition_by column: the staged partitions
// query, one WRITE_TRUNCATE query job per partition decorator (the
// target's columns in the target's order, lineage from parameters, NULL
// for a column the load lacks, a job id from the load id and the
// partition), and the receipt's transaction.
func TestPartitionJobGolden(t *testing.T) {
	l := testLoad(t, sdk.ModePartitionReplace, sdk.Strategy{PartitionBy: []string{"day"}}, "")
	l.req.Fence = sdk.Fence{Manifest: "m.yaml", Unit: "orders", Generation: 3}
	target := partitionedOrders(&bq.TimePartitioning{Type: "DAY", Field: "day"}, nil)
	p := l.decoratorPartitioning(target)
	if p == nil {
		t.Fatal("no decorator partitioning for a target partitioned by partition_by")
	}
	job := l.partitionJob(target, p, "20261201")
	b, err := json.MarshalIndent(job, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "decorator/partition_job.json", string(b)+"\n")
	again := testLoad(t, sdk.ModePartitionReplace, sdk.Strategy{PartitionBy: []string{"day"}}, "").partitionJob(target, p, "20261201")
	if again.JobReference.JobId != job.JobReference.JobId {
		t.Errorf("job id: got %s then %s, want the same for one load and partition", job.JobReference.JobId, again.JobReference.JobId)
	}
	if other := l.partitionJob(target, p, "20261202"); other.JobReference.JobId == job.JobReference.JobId {
		t.Errorf("two partitions share job id %s", job.JobReference.JobId)
	}
	golden(t, "decorator/partitions.sql", l.partitionsSQL(p)+"\n")
	golden(t, "decorator/receipt.sql", l.receiptScript())
	golden(t, "decorator/check.sql", l.checkScript())
}

// TestPartitionReplaceFallbackGolden: a load staging a NULL partition
// value (no decorator writes __NULL__) publishes in the transaction, and
// replaces whole partitions there too (NULL matching NULL).
func TestPartitionReplaceFallbackGolden(t *testing.T) {
	l := testLoad(t, sdk.ModePartitionReplace, sdk.Strategy{PartitionBy: []string{"day"}}, "")
	l.part = l.decoratorPartitioning(partitionedOrders(&bq.TimePartitioning{Type: "MONTH", Field: "day"}, nil))
	sql, err := l.publishScript()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "publish/partition_replace_partitioned.sql", sql)
}

// TestDecoratable: a load publishes through decorators only when every
// staged partition has a decorator, it stages at most
// maxDecoratorPartitions (each decorator job is one of the table's daily
// table operations), and its receipt fits staging's description (the
// publishing marker LoadStatus finishes from).
func TestDecoratable(t *testing.T) {
	parts := func(n int) []stagedPartition {
		out := make([]stagedPartition, n)
		for i := range out {
			out[i] = stagedPartition{ID: "2026120" + string(rune('0'+i%10)), Rows: 1}
		}
		return out
	}
	small := []byte(`{"cursor":"2026-12-01"}`)
	for _, tc := range []struct {
		name    string
		parts   []stagedPartition
		receipt []byte
		want    bool
	}{
		{"one day", parts(1), small, true},
		{"the most partitions", parts(maxDecoratorPartitions), small, true},
		{"too many partitions", parts(maxDecoratorPartitions + 1), small, false},
		{"a NULL partition", append(parts(2), stagedPartition{Null: true, Rows: 1}), small, false},
		{"a receipt over the description limit", parts(1), make([]byte, maxDescription), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decoratable(tc.parts, tc.receipt); got != tc.want {
				t.Errorf("decoratable: got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestUnfinishable: LoadStatus gives up finishing a publishing load (and
// answers staged, so the host aborts it) only on refusals a retry cannot
// cure; an unreachable or busy BigQuery leaves it pending.
func TestUnfinishable(t *testing.T) {
	for code, want := range map[sdk.Code]bool{
		sdk.CodeData: true, sdk.CodeSchema: true, sdk.CodeConfig: true,
		sdk.CodeUnavailable: false, sdk.CodeRateLimited: false, sdk.CodeConnect: false, sdk.CodeAuth: false, sdk.CodeInternal: false,
	} {
		if got := unfinishable(sdk.Errorf(code, "x")); got != want {
			t.Errorf("%v: got %v, want %v", code, got, want)
		}
	}
}
