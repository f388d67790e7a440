package bigquery

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// scd2Load is testLoad in mode scd2 on key id with the options given.
func scd2Load(t *testing.T, o sdk.SCD2) *load {
	t.Helper()
	return testLoad(t, sdk.ModeSCD2, sdk.Strategy{UniqueKey: []string{"id"}, SCD2: o}, "")
}

// TestSCD2PublishGolden renders scd2's publish scripts: every column
// tracked (the JSON, array and struct columns compared as JSON text),
// tracked columns with hard_deletes close and renamed history columns,
// and a load without lineage (the script's clock as load time).
func TestSCD2PublishGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    sdk.SCD2
		bare bool
	}{
		{"scd2", sdk.SCD2{}, false},
		{"scd2_close_tracked", sdk.SCD2{TrackedColumns: []string{"day", "doc"}, HardDeletes: sdk.HardDeletesClose,
			ValidFrom: "valid_from", ValidTo: "valid_to", IsCurrent: "current"}, false},
		{"scd2_no_lineage", sdk.SCD2{TrackedColumns: []string{"amount"}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := scd2Load(t, tc.o)
			if tc.bare {
				l.req.Load.Lineage = nil
			}
			sql, err := l.publishScript()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "publish/"+tc.name+".sql", sql)
			for _, want := range []string{"BEGIN TRANSACTION;", "INSERT INTO `dpone-test.landing._dpone_loads`", "COMMIT TRANSACTION;"} {
				if !strings.Contains(sql, want) {
					t.Errorf("script lacks %q: the history and the receipt commit together", want)
				}
			}
		})
	}
}

// TestSCD2CheckGolden renders the check query CommitLoad runs before the
// publish, and the DDL that adds the history columns to a table loaded
// before.
func TestSCD2CheckGolden(t *testing.T) {
	l := scd2Load(t, sdk.SCD2{})
	golden(t, "scd2/check.sql", l.scd2CheckSQL()+"\n")
	golden(t, "scd2/add_columns.sql", l.historyDDL()+"\n")
	bare := scd2Load(t, sdk.SCD2{})
	bare.req.Load.Lineage = nil
	if got := bare.scd2CheckSQL(); !strings.Contains(got, "> CURRENT_TIMESTAMP()") {
		t.Errorf("check without lineage: got\n%s\nwant the load time CURRENT_TIMESTAMP()", got)
	}
}

// row is a jobs.query row of strings (nil for NULL).
func row(cells ...any) []*bq.TableRow {
	r := &bq.TableRow{}
	for _, c := range cells {
		r.F = append(r.F, &bq.TableCell{V: c})
	}
	return []*bq.TableRow{r}
}

// TestSCD2CheckErrors: what the check query answers becomes a DATA error
// naming the fault and the fix, or nil; a committed load passes whatever
// its staging holds (its publish changes nothing).
func TestSCD2CheckErrors(t *testing.T) {
	l := scd2Load(t, sdk.SCD2{})
	const at = "2026-12-04T22:00:00.000000Z"
	for _, tc := range []struct {
		name  string
		rows  []*bq.TableRow
		fails bool
		code  sdk.Code
		names []string
	}{
		{"clean", row("0", "0", nil, "0", nil, at), false, 0, nil},
		{"duplicate key", row("0", "2", `{"id":1}`, "0", nil, at), true, sdk.CodeData, []string{"2 keys", `{"id":1}`, "one version per key", "deduplicate"}},
		{"null key", row("0", "0", nil, "3", nil, at), true, sdk.CodeData, []string{"3 rows", "NULL in unique_key id", "filter them out"}},
		{"load time before a current version", row("0", "0", nil, "0", "2026-12-05T01:00:00.000000Z", at), true, sdk.CodeData,
			[]string{"load time " + at, "_dpone_valid_from = 2026-12-05T01:00:00.000000Z", "run backwards"}},
		{"committed load", row("1", "2", `{"id":1}`, "1", "2026-12-05T01:00:00.000000Z", at), false, 0, nil},
		{"short row", row("0", "0"), true, sdk.CodeInternal, []string{"want one of 6 columns"}},
		{"not a count", row("x", "0", nil, "0", nil, at), true, sdk.CodeInternal, []string{"column 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := l.parseSCD2Check(tc.rows)
			if err == nil {
				err = c.err(l.req.LoadID)
			}
			if !tc.fails {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %v", tc.code)
			}
			if got := sdk.CodeOf(err); got != tc.code {
				t.Fatalf("code: got %v (%v), want %v", got, err, tc.code)
			}
			for _, n := range tc.names {
				if !strings.Contains(err.Error(), n) {
					t.Errorf("error %q lacks %q", err, n)
				}
			}
		})
	}
}

// TestSCD2RefusesBadOptions: options that cannot work are CONFIG errors
// before any I/O.
func TestSCD2RefusesBadOptions(t *testing.T) {
	t.Run("tracked column not loaded", func(t *testing.T) {
		_, err := scd2Load(t, sdk.SCD2{TrackedColumns: []string{"nope"}}).publishScript()
		if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "nope") {
			t.Errorf("got %v, want CONFIG naming nope", err)
		}
	})
	t.Run("key not loaded", func(t *testing.T) {
		l := testLoad(t, sdk.ModeSCD2, sdk.Strategy{UniqueKey: []string{"nope"}}, "")
		if _, err := l.publishScript(); sdk.CodeOf(err) != sdk.CodeConfig {
			t.Errorf("got %v, want CONFIG", err)
		}
	})
	t.Run("history column is the key", func(t *testing.T) {
		req := scd2Load(t, sdk.SCD2{}).req
		req.Load.Strategy.SCD2.IsCurrent = "id"
		if _, err := resolveLoad(req, true); sdk.CodeOf(err) != sdk.CodeConfig {
			t.Errorf("got %v, want CONFIG", err)
		}
	})
}

// TestSCD2HistoryColumnsOwned: a loaded column named like a history
// column is not staged into the history: the target has each history
// column once and the publish writes it only as scd2 does.
func TestSCD2HistoryColumnsOwned(t *testing.T) {
	l := scd2Load(t, sdk.SCD2{})
	fields := append(l.req.Schema.Fields(), arrow.Field{Name: sdk.DefaultIsCurrentColumn, Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
	l.req.Schema = arrow.NewSchema(fields, nil)
	ddl, err := l.targetDDL()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(ddl, "`"+sdk.DefaultIsCurrentColumn+"`"); n != 1 {
		t.Errorf("CREATE names %s %d times, want once:\n%s", sdk.DefaultIsCurrentColumn, n, ddl)
	}
	sql, err := l.publishScript()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sql, "S.`"+sdk.DefaultIsCurrentColumn+"`") {
		t.Errorf("publish reads the staged %s:\n%s", sdk.DefaultIsCurrentColumn, sql)
	}
}

// scd2CreateSchema is the table the host asks the sink to create for an
// scd2 load: hostCreateSchema and the three history columns.
func scd2CreateSchema(l *load) *arrow.Schema {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	o := l.strategy.SCD2
	return arrow.NewSchema(append(hostCreateSchema(l).Fields(),
		arrow.Field{Name: o.ValidFrom, Type: ts, Nullable: true}, arrow.Field{Name: o.ValidTo, Type: ts, Nullable: true},
		arrow.Field{Name: o.IsCurrent, Type: arrow.FixedWidthTypes.Boolean, Nullable: true}), nil)
}

// TestSCD2PlanGolden renders what plan shows for an absent scd2 target
// (the CREATE with the history columns, the load job, the publish), and
// checks that it is the CREATE BeginLoad runs.
func TestSCD2PlanGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       sdk.SCD2
		options string
	}{
		{"scd2", sdk.SCD2{}, ""},
		{"scd2_close_clustered", sdk.SCD2{HardDeletes: sdk.HardDeletesClose, ValidFrom: "vf", ValidTo: "vt", IsCurrent: "cur"},
			`{"partition":{"field":"day"},"cluster_by":["id"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := testLoad(t, sdk.ModeSCD2, sdk.Strategy{UniqueKey: []string{"id"}, SCD2: tc.o}, tc.options)
			lo := l.req.Load
			lo.Lineage = &sdk.Lineage{RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}
			got, err := planStatements(l.req.Config, l.req.Target, scd2CreateSchema(l), l.req.Mode, l.req.UniqueKey, lo, l.req.Options, l.req.Staging)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "plan/"+tc.name+".sql", strings.Join(got, ";\n")+"\n")
			run, err := l.targetDDL()
			if err != nil {
				t.Fatal(err)
			}
			if got[0] != run {
				t.Errorf("plan shows:\n%s\nrun creates:\n%s", got[0], run)
			}
			o := l.strategy.SCD2
			for _, c := range []string{o.ValidFrom + "` TIMESTAMP", o.ValidTo + "` TIMESTAMP", o.IsCurrent + "` BOOL"} {
				if strings.Count(run, "`"+c) != 1 {
					t.Errorf("CREATE lacks `%s once:\n%s", c, run)
				}
			}
		})
	}
}

// TestSCD2CommitParams: an scd2 load whose lineage has a load time but
// no loaded_at column still passes @loaded_at, the load time of its
// versions.
func TestSCD2CommitParams(t *testing.T) {
	l := scd2Load(t, sdk.SCD2{})
	lg := *l.req.Load.Lineage
	lg.LoadedAtColumn = ""
	l.req.Load.Lineage = &lg
	sql, err := l.publishScript()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sql, "DECLARE scd2_at TIMESTAMP DEFAULT TIMESTAMP(@loaded_at)") {
		t.Fatalf("script does not take the load time from @loaded_at:\n%s", sql)
	}
	p := l.params(json.RawMessage(`{}`))
	if diff := cmp.Diff(lg.LoadedAt, p["loaded_at"]); diff != "" {
		t.Errorf("@loaded_at (-want +got):\n%s", diff)
	}
}

// TestSCD2Declared: the sink declares scd2, so plan accepts it and the
// certification runs load/scd2 (TestLiveCertify).
func TestSCD2Declared(t *testing.T) {
	if modes := (&Connector{}).Spec().SinkModes; !slices.Contains(modes, sdk.ModeSCD2) {
		t.Errorf("sink modes %v lack %s", modes, sdk.ModeSCD2)
	}
}
