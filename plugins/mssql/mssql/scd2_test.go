package mssql

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// scd2Create is the create_table change plan sends for an scd2 target
// (host/plan targetFields): the loaded columns, then the history columns
// as timestamps with time zone (microseconds) and a boolean, all
// nullable, and no primary key (a key has many versions).
func scd2Create() sdk.SchemaChange {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	fields := append(testSchema().Fields(),
		arrow.Field{Name: sdk.DefaultValidFromColumn, Type: ts, Nullable: true},
		arrow.Field{Name: sdk.DefaultValidToColumn, Type: ts, Nullable: true},
		arrow.Field{Name: sdk.DefaultIsCurrentColumn, Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
	return sdk.SchemaChange{Op: sdk.OpCreateTable, Schema: arrow.NewSchema(fields, nil)}
}

// TestSCD2PlanDDLMatchesCommit: the history columns of a target plan
// creates (renderDDL of the host's create_table) are defined exactly as
// those of a target the commit creates, and neither has a primary key.
func TestSCD2PlanDDLMatchesCommit(t *testing.T) {
	s, err := schemaLoad(sdk.TableRef{Namespace: "sales", Name: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	ddl, err := s.renderDDL([]sdk.SchemaChange{scd2Create()}, targetInfo{})
	if err != nil {
		t.Fatal(err)
	}
	planned := strings.Join(ddl, "\n")
	l := testLoad(t, sdk.ModeSCD2, "sales", false)
	created, err := l.createTargetDDL()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range l.scd2Defs() {
		if !strings.Contains(planned, d) || !strings.Contains(created, d) {
			t.Errorf("history column %q: plan creates\n%s\nthe commit creates\n%s\nwant it in both", d, planned, created)
		}
	}
	if strings.Contains(planned, "PRIMARY KEY") || strings.Contains(created, "PRIMARY KEY") {
		t.Errorf("an scd2 target got a primary key:\n%s\n%s", planned, created)
	}
}

// TestSCD2GuardsBeforeChanges: the three DATA guards (a key staged twice,
// a NULL key, a load time before a current version) come before the
// batch's first change, so a refused load changes nothing; the counts
// come last.
func TestSCD2GuardsBeforeChanges(t *testing.T) {
	throw := regexp.MustCompile(`THROW 51001`)
	change := regexp.MustCompile(`(?m)^(UPDATE|INSERT|DELETE|MERGE) `)
	for _, mode := range []string{sdk.ModeSCD2, "scd2_close"} {
		for _, lineage := range []bool{false, true} {
			l := testLoad(t, mode, "sales", lineage)
			names := []string{"id", "name", "amount", "code", "at", "odd]name"}
			lcols, lvals, largs := l.lineage()
			s, err := l.scd2SQL(names, lcols, lvals, largs)
			if err != nil {
				t.Fatal(err)
			}
			guards := throw.FindAllStringIndex(s.SQL, -1)
			first := change.FindStringIndex(s.SQL)
			if len(guards) != 3 || first == nil || guards[2][0] > first[0] {
				t.Errorf("%s (lineage %v): %d guards, the last at %v, the first change at %v; want 3 guards before any change:\n%s",
					mode, lineage, len(guards), guards, first, s.SQL)
			}
			if !s.Counts || !strings.HasSuffix(s.SQL, "SELECT @ins, @upd, @del;") {
				t.Errorf("%s: the batch does not end with its counts:\n%s", mode, s.SQL)
			}
			// The load time: the lineage's (the run's start), else the server's clock.
			i := slices.IndexFunc(s.Args, func(a namedArg) bool { return a.Name == "load_time" })
			if lineage != (i >= 0) || lineage != !strings.Contains(s.SQL, "SYSDATETIMEOFFSET()") {
				t.Errorf("%s (lineage %v): load time args %v in\n%s", mode, lineage, s.Args, s.SQL)
			}
			if lineage && s.Args[i].Value != "2024-01-02T03:04:05Z" {
				t.Errorf("%s: load time %v, want 2024-01-02T03:04:05Z", mode, s.Args[i].Value)
			}
		}
	}
}

// TestSCD2LoadTime: the lineage load time is sent as a datetimeoffset
// literal of at most microseconds, in UTC (the host sends nanoseconds).
func TestSCD2LoadTime(t *testing.T) {
	for in, want := range map[string]string{
		"2026-12-05T01:02:03.000000123Z":      "2026-12-05T01:02:03Z",
		"2026-12-05T01:02:03.123456789Z":      "2026-12-05T01:02:03.123456Z",
		"2026-12-05T03:02:03.5+02:00":         "2026-12-05T01:02:03.5Z",
		"2026-12-05T01:02:03.000001000-00:00": "2026-12-05T01:02:03.000001Z",
	} {
		l := testLoad(t, sdk.ModeSCD2, "sales", true)
		l.req.Load.Lineage.LoadedAt = in
		s, err := l.scd2SQL([]string{"id", "name"}, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Args[len(s.Args)-1]; got.Name != "load_time" || got.Value != want {
			t.Errorf("loaded_at %s: got @%s = %v, want @load_time = %s", in, got.Name, got.Value, want)
		}
	}
}

// TestSCD2Refuses: scd2 options the sink cannot apply are CONFIG errors
// before any statement runs.
func TestSCD2Refuses(t *testing.T) {
	req := func(o sdk.SCD2, key ...string) sdk.LoadRequest {
		r := sdk.LoadRequest{LoadID: "L1", Target: sdk.TableRef{Namespace: "sales", Name: "orders"}, Schema: testSchema(),
			Mode: sdk.ModeSCD2, UniqueKey: key}
		r.Load.Strategy.SCD2 = o
		return r
	}
	for _, tc := range []struct {
		name string
		req  sdk.LoadRequest
	}{
		{"no unique_key", req(sdk.SCD2{})},
		{"key tracked", req(sdk.SCD2{TrackedColumns: []string{"id"}}, "id")},
		{"bad hard_deletes", req(sdk.SCD2{HardDeletes: "delete"}, "id")},
		{"history column is the key", req(sdk.SCD2{IsCurrent: "id"}, "id")},
		{"history column twice", req(sdk.SCD2{ValidFrom: "v", ValidTo: "v"}, "id")},
		{"tracked column not loaded", req(sdk.SCD2{TrackedColumns: []string{"tier"}}, "id")},
		{"load time not RFC 3339", func() sdk.LoadRequest {
			r := req(sdk.SCD2{}, "id")
			r.Load.Lineage = &sdk.Lineage{LoadedAt: "yesterday"}
			return r
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := resolveLoad(tc.req, true)
			if err == nil {
				_, err = l.publish(targetInfo{}, "{}")
			}
			if got := sdk.CodeOf(err); got != sdk.CodeConfig {
				t.Fatalf("got %v (%v), want CONFIG", got, err)
			}
		})
	}
}

// TestSCD2HistoryColumnFromSource: a loaded column named like a history
// column is not copied from the source: the created target defines it
// once, as the history column, and the load sets it.
func TestSCD2HistoryColumnFromSource(t *testing.T) {
	fields := append(testSchema().Fields(), arrow.Field{Name: sdk.DefaultValidFromColumn, Type: arrow.BinaryTypes.String, Nullable: true})
	l, err := resolveLoad(sdk.LoadRequest{LoadID: "L1", Target: sdk.TableRef{Namespace: "sales", Name: "orders"},
		Schema: arrow.NewSchema(fields, nil), Mode: sdk.ModeSCD2, UniqueKey: []string{"id"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := l.publish(targetInfo{}, "{}")
	if err != nil {
		t.Fatal(err)
	}
	col := ident(sdk.DefaultValidFromColumn)
	if got := strings.Count(stmts[0].SQL, col); got != 1 {
		t.Errorf("created target defines %s %d times, want once:\n%s", col, got, stmts[0].SQL)
	}
	var insert string
	for _, s := range stmts {
		if i := strings.Index(s.SQL, "INSERT INTO [sales].[orders]"); i >= 0 {
			insert = s.SQL[i:]
		}
	}
	want := "INSERT INTO [sales].[orders] ([id], [name], [amount], [code], [at], [odd]]name], [_dpone_valid_from], [_dpone_valid_to], [_dpone_is_current])\n" +
		"SELECT s.[id], s.[name], s.[amount], s.[code], s.[at], s.[odd]]name], @at, NULL, 1 FROM"
	if diff := cmp.Diff(want, insert[:min(len(insert), len(want))]); diff != "" {
		t.Errorf("insert (-want +got):\n%s", diff)
	}
}
