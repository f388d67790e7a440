package clickhouse

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// TestPlanCreateIsRun: the CREATE a dry-run create_table answers for a
// load (what dpone plan prints) makes the table the load's commit makes:
// ClickHouse's own create_table_query of the planned statement, run on a
// scratch name, equals the committed target's, for each mode and a full
// physical design (engine, ORDER BY, PARTITION BY, PRIMARY KEY, TTL,
// settings, LowCardinality, keys not Nullable, lineage columns).
func TestPlanCreateIsRun(t *testing.T) {
	f := newFixture(t)
	lineage := &sdk.Lineage{RunID: "r1", LoadedAt: "2026-12-05T00:00:00Z", RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}
	for _, tc := range []struct {
		name, mode, opts string
		keys             []string
		strategy         sdk.Strategy
	}{
		{"full_refresh design", sdk.ModeFullRefresh,
			`{"engine":"ReplacingMergeTree","order_by":["id","name"],"partition_by":"id % 4","primary_key":["id"],"ttl":"toDateTime(_dpone_loaded_at) + INTERVAL 10 YEAR","settings":{"index_granularity":2048},"low_cardinality":["name"]}`,
			nil, sdk.Strategy{}},
		{"full_refresh source key", sdk.ModeFullRefresh, "", []string{"id"}, sdk.Strategy{}},
		{"append", sdk.ModeAppend, "", nil, sdk.Strategy{}},
		{"merge", sdk.ModeMerge, "", []string{"id"}, sdk.Strategy{}},
		{"merge delete_insert", sdk.ModeMerge, `{"merge":"delete_insert"}`, []string{"id"}, sdk.Strategy{}},
		{"partition_replace", sdk.ModePartitionReplace, "", nil, sdk.Strategy{PartitionBy: sdk.ColumnNames{"id"}}},
		{"snapshot_diff soft", sdk.ModeSnapshotDiff, "", []string{"id"}, sdk.Strategy{Deletes: "soft"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := "plan_" + strings.NewReplacer(" ", "_").Replace(tc.name)
			f.exec("DROP TABLE IF EXISTS " + qualified(testDB, table) + " SYNC")
			f.exec("DROP TABLE IF EXISTS " + qualified(testDB, table+"_planned") + " SYNC")
			r := f.req("plan-"+table, table, tc.mode, idNameSchema, tc.keys...)
			r.Load = sdk.LoadOptions{Lineage: lineage, Strategy: tc.strategy}
			if tc.opts != "" {
				r.Options = json.RawMessage(tc.opts)
			}
			// What the host sends for plan: the load's columns, lineage
			// (and the soft-delete stamp) included, keys NOT NULL.
			create := planSchema(idNameSchema, tc.keys, r)
			forLoad := r
			forLoad.LoadID, forLoad.Schema = "", nil
			ddl, err := f.c.ApplySchemaFor(f.ctx, sdk.SchemaRequest{Config: f.cfg, Table: r.Target, DryRun: true, For: forLoad,
				Changes: []sdk.SchemaChange{{Op: sdk.OpCreateTable, Schema: create, PrimaryKey: tc.keys}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(ddl) != 1 || !strings.HasPrefix(ddl[0], "CREATE TABLE "+qualified(testDB, table)+" (") {
				t.Fatalf("got %q, want one CREATE TABLE of %s", ddl, table)
			}
			var n uint64
			f.scalar("SELECT count() FROM system.tables WHERE database = '"+testDB+"' AND name = '"+table+"'", &n)
			if n != 0 {
				t.Fatalf("the dry run created %s", table)
			}
			f.load(r, idNameRecord(t, 1, "a", 2, "b"))
			f.exec(strings.Replace(ddl[0], qualified(testDB, table), qualified(testDB, table+"_planned"), 1))
			got, want := f.createQuery(table+"_planned"), f.createQuery(table)
			if got != want {
				t.Errorf("planned:\n%s\ncommitted:\n%s", got, want)
			}
		})
	}
}

// planSchema is the create_table schema dpone plan sends for req: the
// load's columns with keys NOT NULL, then the lineage columns and, for
// soft deletes, the deletion stamp (host/plan targetFields).
func planSchema(s *arrow.Schema, keys []string, req sdk.LoadRequest) *arrow.Schema {
	var fields []arrow.Field
	for _, fd := range s.Fields() {
		if slices.Contains(keys, fd.Name) {
			fd.Nullable = false
		}
		fields = append(fields, fd)
	}
	stamp := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	fields = append(fields, arrow.Field{Name: req.Load.Lineage.RunIDColumn, Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: req.Load.Lineage.LoadedAtColumn, Type: stamp, Nullable: true})
	if req.Load.Strategy.Deletes == "soft" {
		fields = append(fields, arrow.Field{Name: sdk.DeletedAtColumn, Type: stamp, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// tableComment is the table-level COMMENT of a create_table_query.
var tableComment = regexp.MustCompile(` COMMENT '[^']*'$`)

// createQuery is ClickHouse's create_table_query of table, with its name
// and table comment (the load marker) left out.
func (f *fixture) createQuery(table string) string {
	f.t.Helper()
	var q string
	f.scalar("SELECT create_table_query FROM system.tables WHERE database = '"+testDB+"' AND name = '"+table+"'", &q)
	q = strings.Replace(q, testDB+"."+table+" ", "T ", 1)
	return tableComment.ReplaceAllString(q, "")
}
