package bigquery

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

const testConfig = `{"project":"dpone-test","dataset":"landing","bucket":"dpone-test","location":"EU"}`

// testLoad is a load of a small schema (id key, a JSON column) with
// lineage, into landing.orders.
func testLoad(t *testing.T, mode string, strategy sdk.Strategy, options string) *load {
	t.Helper()
	json := arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalJSON})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
		{Name: "doc", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: json},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "who", Type: arrow.StructOf(arrow.Field{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
	}, nil)
	strategy.Mode = mode
	req := sdk.LoadRequest{Config: []byte(testConfig), LoadID: "run-1/orders", Target: sdk.TableRef{Name: "orders"},
		Schema: schema, Mode: mode, UniqueKey: strategy.UniqueKey, Options: []byte(options),
		Load: sdk.LoadOptions{Strategy: strategy, Lineage: &sdk.Lineage{RunID: "run-1", LoadedAt: "2026-12-04T22:00:00.000000000Z",
			RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}}}
	l, err := resolveLoad(req, true)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestPublishGolden renders each mode's publish script.
func TestPublishGolden(t *testing.T) {
	ratio := 0.25
	for _, tc := range []struct {
		name, mode string
		strategy   sdk.Strategy
	}{
		{"full_refresh", sdk.ModeFullRefresh, sdk.Strategy{}},
		{"append", sdk.ModeAppend, sdk.Strategy{}},
		{"merge", sdk.ModeMerge, sdk.Strategy{UniqueKey: []string{"id"}}},
		{"replace", sdk.ModeReplace, sdk.Strategy{Where: "day >= '2026-12-01'"}},
		{"partition_replace", sdk.ModePartitionReplace, sdk.Strategy{PartitionBy: []string{"day"}}},
		{"snapshot_diff", sdk.ModeSnapshotDiff, sdk.Strategy{UniqueKey: []string{"id"}, MaxDeleteRatio: &ratio}},
		{"snapshot_diff_soft", sdk.ModeSnapshotDiff, sdk.Strategy{UniqueKey: []string{"id"}, Deletes: "soft"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sql, err := testLoad(t, tc.mode, tc.strategy, "").publishScript()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "publish/"+tc.name+".sql", sql)
		})
	}
}

// TestPublishRefusesMissingKey: a key that is not a column is a CONFIG
// error before any I/O.
func TestPublishRefusesMissingKey(t *testing.T) {
	l := testLoad(t, sdk.ModeMerge, sdk.Strategy{UniqueKey: []string{"nope"}}, "")
	_, err := l.publishScript()
	if got := sdk.CodeOf(err); got != sdk.CodeConfig {
		t.Fatalf("code: got %v (%v), want CONFIG", got, err)
	}
}

// TestDDLGolden renders the target DDL for each partitioning, with
// clustering, descriptions and labels.
func TestDDLGolden(t *testing.T) {
	for _, tc := range []struct{ name, options string }{
		{"plain", ``},
		{"time_column", `{"partition":{"field":"day","granularity":"MONTH","expiration_days":90},"cluster_by":["id"],"description":"orders from shop","column_descriptions":{"id":"order id"},"labels":{"team":"data","env":"prod"}}`},
		{"ingestion_time", `{"partition":{}}`},
		{"integer_range", `{"partition":{"field":"id","range":{"start":0,"end":1000000,"interval":1000}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ddl, err := testLoad(t, sdk.ModeAppend, sdk.Strategy{}, tc.options).targetDDL()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "ddl/"+tc.name+".sql", ddl)
		})
	}
}

// TestDDLRefusesBadOptions: options BigQuery would refuse are CONFIG errors.
func TestDDLRefusesBadOptions(t *testing.T) {
	for name, opts := range map[string]string{
		"range on a date":   `{"partition":{"field":"day","range":{"start":0,"end":10,"interval":1}}}`,
		"time on an int":    `{"partition":{"field":"id"}}`,
		"unknown column":    `{"cluster_by":["nope"]}`,
		"five clusters":     `{"cluster_by":["a","b","c","d","e"]}`,
		"bad label":         `{"labels":{"Team":"x"}}`,
		"unknown key":       `{"partitions":{}}`,
		"bad granularity":   `{"partition":{"field":"day","granularity":"WEEK"}}`,
		"empty range":       `{"partition":{"field":"id","range":{"start":5,"end":5,"interval":1}}}`,
		"range with no col": `{"partition":{"range":{"start":0,"end":5,"interval":1}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			req := testLoad(t, sdk.ModeAppend, sdk.Strategy{}, "").req
			req.Options = []byte(opts)
			l, err := resolveLoad(req, true)
			if err == nil {
				_, err = l.targetDDL()
			}
			if got := sdk.CodeOf(err); got != sdk.CodeConfig {
				t.Fatalf("code: got %v (%v), want CONFIG", got, err)
			}
		})
	}
}

// TestLoadJobGolden renders the load job configuration: one job, a
// wildcard URI, a job id derived from the load id.
func TestLoadJobGolden(t *testing.T) {
	l := testLoad(t, sdk.ModeMerge, sdk.Strategy{UniqueKey: []string{"id"}}, "")
	job, err := l.loadJob()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(job, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "job/load.json", string(b)+"\n")
	again, _ := testLoad(t, sdk.ModeMerge, sdk.Strategy{UniqueKey: []string{"id"}}, "").loadJob()
	if again.JobReference.JobId != job.JobReference.JobId {
		t.Errorf("job id: got %s then %s, want the same for one load id", job.JobReference.JobId, again.JobReference.JobId)
	}
}

// TestCommitJobGolden renders the publish query job with its parameters.
func TestCommitJobGolden(t *testing.T) {
	l := testLoad(t, sdk.ModeAppend, sdk.Strategy{}, "")
	script, err := l.publishScript()
	if err != nil {
		t.Fatal(err)
	}
	job := l.queryJob("commit", script, l.params([]byte(`{"rows":3}`)))
	job.Configuration.Query.Query = "(testdata/publish/append.sql)"
	b, err := json.MarshalIndent(job, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "job/commit.json", string(b)+"\n")
}

// TestSinkNeedsBucket: the sink refuses a config without a bucket when
// direct upload is off (direct_upload_max_bytes 0) unless write_api is
// storage_write; with direct upload (the default) small loads need none,
// and Write refuses a larger one (TestDirectUploadThreshold); a source
// needs none.
func TestSinkNeedsBucket(t *testing.T) {
	req := sdk.LoadRequest{Config: []byte(`{"project":"dpone-test","dataset":"landing","direct_upload_max_bytes":0}`), LoadID: "l", Target: sdk.TableRef{Name: "t"},
		Schema: arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil), Mode: sdk.ModeAppend}
	req.Load.Strategy.Mode = sdk.ModeAppend
	if _, err := resolveLoad(req, true); sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "bucket") {
		t.Errorf("load_job without bucket, direct upload off: got %v, want CONFIG naming bucket", err)
	}
	direct := req
	direct.Config = []byte(`{"project":"dpone-test","dataset":"landing"}`)
	if l, err := resolveLoad(direct, true); err != nil || l.cfg.directMax() != 8<<20 {
		t.Errorf("load_job without bucket, direct upload by default: got %v, want no error and 8 MiB", err)
	}
	direct.Config = []byte(`{"project":"dpone-test","dataset":"landing","direct_upload_max_bytes":-1}`)
	if _, err := resolveLoad(direct, true); sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "direct_upload_max_bytes") {
		t.Errorf("negative direct_upload_max_bytes: got %v, want CONFIG naming it", err)
	}
	req.Options = []byte(`{"write_api":"storage_write"}`)
	if _, err := resolveLoad(req, true); err != nil {
		t.Errorf("storage_write without bucket: %v", err)
	}
	if _, err := resolveSource(sdk.ReadRequest{Config: req.Config, Stream: "t", Mode: sdk.ReadFull}); err != nil {
		t.Errorf("source without bucket: %v", err)
	}
}

// TestLoadedAtMicroseconds: the host sends the lineage load time with up
// to nine fractional digits; a BigQuery TIMESTAMP string takes at most six,
// so every query parameter gets it in microseconds.
func TestLoadedAtMicroseconds(t *testing.T) {
	l := testLoad(t, sdk.ModeAppend, sdk.Strategy{}, "")
	req := l.req
	lg := *req.Load.Lineage
	lg.LoadedAt = "2026-12-05T22:00:00.123456789Z"
	req.Load.Lineage = &lg
	got, err := resolveLoad(req, true)
	if err != nil {
		t.Fatal(err)
	}
	if at, want := got.req.Load.Lineage.LoadedAt, "2026-12-05T22:00:00.123456Z"; at != want {
		t.Fatalf("loaded_at sent as %q, want %q", at, want)
	}
	if lg.LoadedAt != "2026-12-05T22:00:00.123456789Z" {
		t.Fatalf("the caller's lineage was changed: %q", lg.LoadedAt)
	}
	lg.LoadedAt = "yesterday"
	if _, err := resolveLoad(req, true); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Fatalf("a load time that is no RFC 3339 time: got %v (%v), want CONFIG", sdk.CodeOf(err), err)
	}
}
