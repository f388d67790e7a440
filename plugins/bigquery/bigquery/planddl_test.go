package bigquery

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// hostCreateSchema is the table the host asks a sink to create for l: the
// load's columns with the unique key NOT NULL, then the lineage columns
// (and the soft-delete stamp).
func hostCreateSchema(l *load) *arrow.Schema {
	keys := map[string]bool{}
	for _, k := range l.strategy.UniqueKey {
		keys[k] = true
	}
	var fields []arrow.Field
	for _, f := range l.req.Schema.Fields() {
		if keys[f.Name] {
			f.Nullable = false
		}
		fields = append(fields, f)
	}
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	fields = append(fields, arrow.Field{Name: "_dpone_run_id", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "_dpone_loaded_at", Type: ts, Nullable: true})
	if l.strategy.SoftDeletes() {
		fields = append(fields, arrow.Field{Name: sdk.DeletedAtColumn, Type: ts, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// planFor renders what plan shows for l.
func planFor(t *testing.T, l *load) []string {
	t.Helper()
	lo := l.req.Load
	lo.Lineage = &sdk.Lineage{RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"} // plan has no run id or time yet
	out, err := planStatements(l.req.Config, l.req.Target, hostCreateSchema(l), l.req.Mode, l.req.UniqueKey, lo, l.req.Options, l.req.Staging)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPlanGolden renders what plan shows for an absent target: the
// CREATE with the sink options' physical design, the load job
// configuration and the publish jobs.
func TestPlanGolden(t *testing.T) {
	design := `{"partition":{"field":"day","granularity":"DAY","expiration_days":400},"cluster_by":["id"],"description":"orders from shop","column_descriptions":{"id":"order id"},"labels":{"team":"data"}}`
	for _, tc := range []struct {
		name, mode, options string
		strategy            sdk.Strategy
	}{
		{"merge_partitioned", sdk.ModeMerge, design, sdk.Strategy{UniqueKey: []string{"id"}}},
		{"partition_replace_decorators", sdk.ModePartitionReplace, design, sdk.Strategy{PartitionBy: []string{"day"}}},
		{"partition_replace_unpartitioned", sdk.ModePartitionReplace, ``, sdk.Strategy{PartitionBy: []string{"day"}}},
		{"append_storage_write", sdk.ModeAppend, `{"write_api":"storage_write","partition":{"field":"id","range":{"start":0,"end":100000,"interval":100}}}`, sdk.Strategy{}},
		{"snapshot_diff_soft_ingestion_time", sdk.ModeSnapshotDiff, `{"partition":{"granularity":"HOUR"}}`, sdk.Strategy{UniqueKey: []string{"id"}, Deletes: "soft"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := planFor(t, testLoad(t, tc.mode, tc.strategy, tc.options))
			golden(t, "plan/"+tc.name+".sql", strings.Join(got, ";\n")+"\n")
		})
	}
}

// TestPlanStagingGolden renders the load job plan shows for each place a
// load stages in: sink.staging (the manifest's parts; the host sends the
// block with the plan from the protocol version that carries it), and
// without it, a config without bucket (the unit may have sink.staging, so
// plan names it; BeginLoad refuses a load with neither).
func TestPlanStagingGolden(t *testing.T) {
	for name, prep := range map[string]func(l *load){
		"append_sink_staging": func(l *load) {
			l.req.Staging = &sdk.Staging{Type: "gcs", Bucket: "lake", Prefix: "/dpone/loads/", Keep: true}
		},
		"append_no_bucket": func(l *load) {
			l.req.Config = []byte(`{"project":"dpone-test","dataset":"landing","location":"EU"}`)
		},
		"append_no_bucket_direct_off": func(l *load) {
			l.req.Config = []byte(`{"project":"dpone-test","dataset":"landing","location":"EU","direct_upload_max_bytes":0}`)
		},
		"append_direct_1mib": func(l *load) {
			l.req.Config = []byte(`{"project":"dpone-test","dataset":"landing","location":"EU","bucket":"dpone-test","direct_upload_max_bytes":1048576}`)
		},
	} {
		t.Run(name, func(t *testing.T) {
			l := testLoad(t, sdk.ModeAppend, sdk.Strategy{}, "")
			prep(l)
			golden(t, "plan/"+name+".sql", strings.Join(planFor(t, l), ";\n")+"\n")
		})
	}
	// sink.staging with write_api storage_write is refused in plan too.
	l := testLoad(t, sdk.ModeAppend, sdk.Strategy{}, `{"write_api":"storage_write"}`)
	l.req.Staging = &sdk.Staging{Type: "gcs", Bucket: "lake"}
	lo := l.req.Load
	_, err := planStatements(l.req.Config, l.req.Target, hostCreateSchema(l), l.req.Mode, l.req.UniqueKey, lo, l.req.Options, l.req.Staging)
	if sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("sink.staging with storage_write: got %v, want CONFIG", err)
	}
}

// TestPlanIsRun: the CREATE plan shows is the one BeginLoad runs, also
// when the source does not declare the unique key NOT NULL (the host's
// rule: a merge key is NOT NULL in the target).
func TestPlanIsRun(t *testing.T) {
	for _, mode := range []string{sdk.ModeMerge, sdk.ModeSnapshotDiff, sdk.ModeAppend} {
		t.Run(mode, func(t *testing.T) {
			var s sdk.Strategy
			if mode != sdk.ModeAppend {
				s.UniqueKey = []string{"id"}
			}
			l := testLoad(t, mode, s, `{"partition":{"field":"day"},"cluster_by":["id"]}`)
			fields := l.req.Schema.Fields()
			fields[0].Nullable = true // the source's id may be NULL as far as its schema says
			l.req.Schema = arrow.NewSchema(fields, nil)
			run, err := l.targetDDL()
			if err != nil {
				t.Fatal(err)
			}
			if plan := planFor(t, l)[0]; plan != run {
				t.Errorf("plan shows:\n%s\nrun creates:\n%s", plan, run)
			}
		})
	}
}
