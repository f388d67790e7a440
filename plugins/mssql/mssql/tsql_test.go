package mssql

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
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
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func testSchema() *arrow.Schema {
	uuid := arrow.MetadataFrom(map[string]string{sdk.MetaLogical: sdk.LogicalUUID})
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
		{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: uuid},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "odd]name", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
}

func testLoad(t *testing.T, mode, namespace string, lineage bool) *load {
	t.Helper()
	req := sdk.LoadRequest{LoadID: "L1", Target: sdk.TableRef{Namespace: namespace, Name: "orders"},
		Schema: testSchema(), Mode: mode}
	switch mode {
	case sdk.ModeMerge, sdk.ModeSnapshotDiff, sdk.ModeSCD2:
		req.UniqueKey = []string{"id"}
	case sdk.ModeReplace:
		req.Load.Strategy.Where = "[at] >= '2024-01-01'"
	case sdk.ModePartitionReplace:
		req.Load.Strategy.PartitionBy = []string{"code", "odd]name"}
	case "snapshot_diff_soft":
		req.Mode, req.UniqueKey = sdk.ModeSnapshotDiff, []string{"id"}
		req.Load.Strategy.Deletes = "soft"
	case "scd2_close":
		// A composite key, tracked columns and history columns of its own.
		req.Mode, req.UniqueKey = sdk.ModeSCD2, []string{"id", "code"}
		req.Load.Strategy.SCD2 = sdk.SCD2{TrackedColumns: []string{"name", "odd]name"}, ValidFrom: "from", ValidTo: "to",
			IsCurrent: "is current", HardDeletes: sdk.HardDeletesClose}
	}
	if lineage {
		req.Load.Lineage = &sdk.Lineage{RunID: "run-1", RunIDColumn: "_dpone_run_id", LoadedAt: "2024-01-02T03:04:05Z", LoadedAtColumn: "_dpone_loaded_at"}
	}
	l, err := resolveLoad(req, true)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func render(stmts []stmt) string {
	parts := make([]string, len(stmts))
	for i, s := range stmts {
		parts[i] = s.String()
	}
	return strings.Join(parts, "\n\n") + "\n"
}

// TestBeginLoadSQL pins the schema, receipts and staging DDL, for a
// schema and for a three-part (database.schema) name.
func TestBeginLoadSQL(t *testing.T) {
	for _, tc := range []struct{ name, ns string }{{"begin", "sales"}, {"begin_threepart", "crm.sales"}, {"begin_dbo", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			l := testLoad(t, sdk.ModeAppend, tc.ns, false)
			stg, err := l.stagingDDL()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".sql", strings.Join([]string{l.ensureSchemaSQL(), l.receiptsDDL(), stg, l.dropStagingSQL(), l.loadStatusSQL().String()}, "\n\n")+"\n")
		})
	}
}

// TestPublishSQL pins every mode's publish against an absent target, an
// existing one, one referenced by foreign keys and one with identity,
// computed and rowversion columns.
func TestPublishSQL(t *testing.T) {
	existing := targetInfo{Exists: true, Columns: []column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "nvarchar"},
		{Name: "amount", Type: "decimal"}, {Name: "code", Type: "uniqueidentifier"}, {Name: "at", Type: "datetimeoffset"}, {Name: "odd]name", Type: "bit"}}}
	referenced := existing
	referenced.Referenced = true
	special := targetInfo{Exists: true, Columns: []column{{Name: "id", Type: "bigint", Identity: true}, {Name: "name", Type: "nvarchar"},
		{Name: "amount", Type: "decimal", Computed: true}, {Name: "code", Type: "uniqueidentifier"}, {Name: "at", Type: "timestamp"}, {Name: "odd]name", Type: "bit"},
		{Name: "_dpone_run_id", Type: "nvarchar"}}}
	codepage := targetInfo{Exists: true, Columns: slices.Clone(existing.Columns)}
	codepage.Columns[1] = column{Name: "name", Type: "varchar", MaxLength: 50, Collation: "SQL_Latin1_General_CP1_CI_AS"}
	codepage.Columns = append(codepage.Columns, column{Name: "note", Type: "varchar", MaxLength: -1, Collation: "Latin1_General_100_CI_AS_SC_UTF8"})
	targets := map[string]targetInfo{"absent": {}, "existing": existing, "referenced": referenced, "identity": special, "codepage": codepage}
	for _, mode := range append(slices.Clone(sinkModes), "snapshot_diff_soft", "scd2_close") {
		for tname, ti := range targets {
			for _, lineage := range []bool{false, true} {
				name := mode + "_" + tname
				if lineage {
					name += "_lineage"
				}
				t.Run(name, func(t *testing.T) {
					l := testLoad(t, mode, "sales", lineage)
					stmts, err := l.publish(ti, `{"k":"v"}`)
					if err != nil {
						t.Fatal(err)
					}
					pre := []stmt{{SQL: l.lockSQL()}, l.receiptExistsSQL(), {SQL: l.targetInfoSQL()}}
					golden(t, "publish_"+name+".sql", render(append(pre, stmts...)))
				})
			}
		}
	}
}

// TestPublishRefusesMissingColumn: a loaded column the target lacks is a
// SCHEMA error, not a silent drop.
func TestPublishRefusesMissingColumn(t *testing.T) {
	l := testLoad(t, sdk.ModeAppend, "sales", false)
	_, err := l.publish(targetInfo{Exists: true, Columns: []column{{Name: "id", Type: "bigint"}}}, "{}")
	if got := sdk.CodeOf(err); got != sdk.CodeSchema {
		t.Fatalf("got %v (%v), want SCHEMA", got, err)
	}
}

// TestResolveLoadRefuses checks the load requests the sink refuses before
// any I/O.
func TestResolveLoadRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  sdk.LoadRequest
		want sdk.Code
	}{
		{"no table", sdk.LoadRequest{Mode: sdk.ModeAppend}, sdk.CodeConfig},
		{"undeclared mode", sdk.LoadRequest{Mode: "upsert_delete", Target: sdk.TableRef{Name: "t"}}, sdk.CodeUnsupported},
		{"scd2 without key", sdk.LoadRequest{Mode: sdk.ModeSCD2, Target: sdk.TableRef{Name: "t"}}, sdk.CodeConfig},
		{"merge without key", sdk.LoadRequest{Mode: sdk.ModeMerge, Target: sdk.TableRef{Name: "t"}}, sdk.CodeConfig},
		{"snapshot_diff without key", sdk.LoadRequest{Mode: sdk.ModeSnapshotDiff, Target: sdk.TableRef{Name: "t"}}, sdk.CodeConfig},
		{"replace without where", sdk.LoadRequest{Mode: sdk.ModeReplace, Target: sdk.TableRef{Name: "t"}}, sdk.CodeConfig},
		{"partition_replace without columns", sdk.LoadRequest{Mode: sdk.ModePartitionReplace, Target: sdk.TableRef{Name: "t"}}, sdk.CodeConfig},
		{"four parts", sdk.LoadRequest{Mode: sdk.ModeAppend, Target: sdk.TableRef{Namespace: "srv.db.s", Name: "t"}}, sdk.CodeConfig},
		{"unknown option", sdk.LoadRequest{Mode: sdk.ModeAppend, Target: sdk.TableRef{Name: "t"}, Options: []byte(`{"tablok":true}`)}, sdk.CodeConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resolveLoad(tc.req, true)
			if got := sdk.CodeOf(err); got != tc.want {
				t.Fatalf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

// TestSourceSQL pins the catalog query (row estimates from
// sys.dm_db_partition_stats) and a full read's SELECT.
func TestSourceSQL(t *testing.T) {
	cols := []column{{Name: "id", Type: "int"}, {Name: "doc", Type: "xml", MaxLength: -1, Nullable: true}, {Name: "geo", Type: "geography"}}
	fields, err := projectFields(cols, nil)
	if err != nil {
		t.Fatal(err)
	}
	q, err := selectSQL("sales", "orders", fields)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "source.sql", catalogSQL+"\n\n"+q+"\n")
	if _, err := projectFields(cols, []string{"geo"}); sdk.CodeOf(err) != sdk.CodeSchema {
		t.Errorf("asking for a geography column: got %v, want SCHEMA", err)
	}
}

// TestNoAggregateOverSubquery: SQL Server refuses an aggregate whose
// argument holds a subquery (error 130), so no statement the sink runs
// may have one. It checks every golden file.
func TestNoAggregateOverSubquery(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if arg := aggregateOverSubquery(string(b)); arg != "" {
			t.Errorf("%s: aggregate over a subquery (SQL Server error 130): %s", f, arg)
		}
	}
}

// aggregateOverSubquery returns the first aggregate argument that holds
// a SELECT, "" when none.
func aggregateOverSubquery(q string) string {
	up := strings.ToUpper(q)
	for _, agg := range []string{"SUM(", "COUNT(", "COUNT_BIG(", "MIN(", "MAX(", "AVG("} {
		for i := 0; ; {
			j := strings.Index(up[i:], agg)
			if j < 0 {
				break
			}
			start := i + j + len(agg)
			if k := i + j; k > 0 && (up[k-1] == '_' || up[k-1] >= 'A' && up[k-1] <= 'Z') {
				i = start
				continue
			}
			depth, end := 1, start
			for ; end < len(up) && depth > 0; end++ {
				switch up[end] {
				case '(':
					depth++
				case ')':
					depth--
				}
			}
			if arg := up[start:end]; strings.Contains(arg, "SELECT ") {
				return q[start:end]
			}
			i = start
		}
	}
	return ""
}

// TestLoadedAtFitsDatetimeoffset: the host sends the lineage load time
// with up to nine fractional digits; SQL Server's datetimeoffset literal
// takes at most seven (yyyy-MM-ddTHH:mm:ss[.nnnnnnn]), so every statement
// of a load gets it at 100 ns, the column type's own precision.
func TestLoadedAtFitsDatetimeoffset(t *testing.T) {
	req := sdk.LoadRequest{Mode: sdk.ModeAppend, Target: sdk.TableRef{Name: "t"},
		Load: sdk.LoadOptions{Lineage: &sdk.Lineage{RunID: "r", LoadedAt: "2026-12-05T22:00:00.123456789Z",
			RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}}}
	l, err := resolveLoad(req, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := l.req.Load.Lineage.LoadedAt, "2026-12-05T22:00:00.1234567Z"; got != want {
		t.Fatalf("loaded_at sent as %q, want %q", got, want)
	}
	if req.Load.Lineage.LoadedAt != "2026-12-05T22:00:00.123456789Z" {
		t.Fatalf("the caller's request was changed: %q", req.Load.Lineage.LoadedAt)
	}
	l, err = resolveLoad(sdk.LoadRequest{Mode: sdk.ModeAppend, Target: sdk.TableRef{Name: "t"},
		Load: sdk.LoadOptions{Lineage: &sdk.Lineage{LoadedAt: "yesterday", LoadedAtColumn: "_dpone_loaded_at"}}}, true)
	if sdk.CodeOf(err) != sdk.CodeConfig {
		t.Fatalf("a load time that is no RFC 3339 time: got %v (%v), want CONFIG", sdk.CodeOf(err), err)
	}
}
