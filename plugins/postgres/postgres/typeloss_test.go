package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func TestTypeLoss(t *testing.T) {
	tests := []struct {
		dt   arrow.DataType
		want string // substring; "" = lossless
	}{
		{arrow.PrimitiveTypes.Uint64, ""},
		{&arrow.Decimal128Type{Precision: 38, Scale: 10}, ""},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, ""},
		{&arrow.TimestampType{Unit: arrow.Nanosecond}, "nanoseconds"},
		{&arrow.Time64Type{Unit: arrow.Nanosecond}, "nanoseconds"},
		{arrow.FixedWidthTypes.MonthDayNanoInterval, "sub-microsecond"},
		{arrow.ListOf(&arrow.TimestampType{Unit: arrow.Nanosecond}), "[]; element: "},
	}
	for _, tt := range tests {
		got := (&Connector{}).TypeLoss(arrow.Field{Name: "c", Type: tt.dt})
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.dt, got, tt.want)
		}
	}
}

// sourceTypes is a table of PostgreSQL source columns: what a PostgreSQL
// target created from them must be, and whether the lossy note must say
// something (it must exactly when the created type differs).
var sourceTypes = []struct {
	col, decl, value string
	want             string // format_type of the created target column
	lossy            bool
}{
	{"id", "integer", "1", "integer", false},
	{"c3", "char(3)", "'ab'", "character(3)", false},
	{"vc16", "varchar(16)", "'sixteen chars ok'", "character varying(16)", false},
	{"txt", "text", "'t '", "text", false},
	{"jb", "jsonb", `'{"b": 1, "a": [1, 22.00]}'`, "jsonb", false},
	{"js", "json", `'{"b":1,  "a":2, "a":3}'`, "json", false},
	{"num", "numeric", "'-123456789012345678901234567890123456789012.000100'", "numeric", false},
	{"num_nan", "numeric", "'NaN'", "numeric", false},
	{"num_inf", "numeric", "'-Infinity'", "numeric", false},
	{"num122", "numeric(12,2)", "1234567890.12", "numeric(12,2)", false},
	{"num50", "numeric(50,2)", "'123456789012345678901234567890123456789012345678.99'", "numeric(50,2)", false},
	{"m", "money", "12.34", "text", true},
	{"ttz", "timetz", "'12:34:56.789+05:30'", "time with time zone", false},
	{"ttz0", "timetz(0)", "'00:00:00-12:00:59'", "time(0) with time zone", false},
	{"ttz24", "timetz", "'24:00:00+14:59'", "time with time zone", false},
	{"ttzs", "timetz[]", "'{10:00+01}'", "text[]", true},
	{"iv", "interval", "'1 year 2 mons 3 days 04:05:06.789012'", "interval", false},
	{"ts3", "timestamp(3)", "'2024-01-02 03:04:05.678'", "timestamp(3) without time zone", false},
	{"ts", "timestamp", "'0001-01-01 00:00:00'", "timestamp without time zone", false},
	{"tstz", "timestamptz", "'1969-07-20 20:17:40.123456+00'", "timestamp with time zone", false},
	{"tm", "time", "'23:59:59.999999'", "time without time zone", false},
	{"u", "uuid", "'123e4567-e89b-12d3-a456-426614174000'", "uuid", false},
	{"b", "bytea", `'\x00ff'`, "bytea", false},
	{"ok", "boolean", "true", "boolean", false},
	{"d", "date", "'9999-12-31'", "date", false},
	{"f8", "double precision", "'Infinity'", "double precision", false},
	{"ints", "integer[]", "'{1,NULL,3}'", "integer[]", false},
	{"tags", "varchar(8)[]", "'{a,b}'", "character varying(8)[]", false},
	{"nums", "numeric[]", "'{1.5,NaN,NULL}'", "numeric[]", false},
	{"c2s", "char(2)[]", "'{a,bb}'", "character(2)[]", false},
	{"ms", "money[]", "'{1,2}'", "text[]", true},
}

// TestCreatedTypesMatchLossyNotes reads a table of PostgreSQL types,
// loads it into new PostgreSQL targets by every mode that creates one, and
// compares each created column type with the source's and with the lossy
// note the plan shows for it (TypeLoss, the map that renders the DDL).
func TestCreatedTypesMatchLossyNotes(t *testing.T) {
	cfg, conn := testDB(t)
	ctx := context.Background()
	var defs, vals []string
	for _, c := range sourceTypes {
		defs = append(defs, c.col+" "+c.decl)
		vals = append(vals, c.value)
	}
	mustExec(t, conn, "DROP SCHEMA IF EXISTS typesrc CASCADE; CREATE SCHEMA typesrc; DROP SCHEMA IF EXISTS typedst CASCADE")
	mustExec(t, conn, "CREATE TABLE typesrc.src ("+strings.Join(defs, ", ")+", PRIMARY KEY (id))")
	mustExec(t, conn, "INSERT INTO typesrc.src VALUES ("+strings.Join(vals, ", ")+")")

	c := New().(*Connector)
	w := &memWriter{}
	defer w.release()
	if err := c.Read(ctx, sdk.ReadRequest{Config: cfg, Namespace: "typesrc", Stream: "src"}, w); err != nil {
		t.Fatal(err)
	}
	notes := map[string]string{}
	for _, f := range w.schema.Fields() {
		notes[f.Name] = c.TypeLoss(f)
	}
	for _, mode := range []struct {
		mode   string
		keys   []string
		wantPK []string
	}{
		{sdk.ModeFullRefresh, nil, []string{"id"}},
		{sdk.ModeMerge, []string{"id"}, []string{"id"}},
		{sdk.ModeAppend, nil, nil},
	} {
		t.Run(mode.mode, func(t *testing.T) {
			table := "t_" + mode.mode
			req := sdk.LoadRequest{Config: cfg, LoadID: "types-" + mode.mode, Target: sdk.TableRef{Namespace: "typedst", Name: table},
				Schema: w.schema, Mode: mode.mode, UniqueKey: mode.keys}
			if _, err := c.BeginLoad(ctx, req); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write(ctx, req, &sliceReader{schema: w.schema, recs: w.recs}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CommitLoad(ctx, req, json.RawMessage(`{}`)); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			rows, _ := conn.Query(ctx, `SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
				WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`, "typedst."+table)
			var name, typ string
			for rows.Next() {
				if err := rows.Scan(&name, &typ); err != nil {
					t.Fatal(err)
				}
				got[name] = typ
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			for _, sc := range sourceTypes {
				var srcType string
				if err := conn.QueryRow(ctx, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'typesrc.src'::regclass AND attname = $1", sc.col).Scan(&srcType); err != nil {
					t.Fatal(err)
				}
				note := notes[sc.col]
				if got[sc.col] != sc.want {
					t.Errorf("column %s (%s): created %q, want %q", sc.col, sc.decl, got[sc.col], sc.want)
				}
				if changed := got[sc.col] != srcType; changed != (note != "") {
					t.Errorf("column %s: source %s, created %s, but the lossy note is %q", sc.col, srcType, got[sc.col], note)
				}
				if note != "" && !strings.Contains(note, got[sc.col]) {
					t.Errorf("column %s: the lossy note %q does not name the created type %s", sc.col, note, got[sc.col])
				}
				if note != "" != sc.lossy {
					t.Errorf("column %s: lossy note %q, want lossy=%v", sc.col, note, sc.lossy)
				}
			}
			var pk []string
			rows, _ = conn.Query(ctx, `SELECT a.attname FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(n, o)
				JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
				WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY k.o`, "typedst."+table)
			for rows.Next() {
				if err := rows.Scan(&name); err != nil {
					t.Fatal(err)
				}
				pk = append(pk, name)
			}
			if diff := cmp.Diff(mode.wantPK, pk); diff != "" {
				t.Errorf("primary key of the created table (-want +got):\n%s", diff)
			}
			// Values: every column whose type was kept reads back as in the source.
			for _, sc := range sourceTypes {
				if sc.lossy {
					continue
				}
				var same bool
				q := fmt.Sprintf("SELECT (SELECT %[1]s::text FROM typesrc.src) IS NOT DISTINCT FROM (SELECT %[1]s::text FROM typedst.%[2]s)", sc.col, table)
				if err := conn.QueryRow(ctx, q).Scan(&same); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				if !same {
					t.Errorf("column %s: the target's value differs from the source's", sc.col)
				}
			}
		})
	}
	if !slices.Contains(w.schema.Field(0).Metadata.Keys(), metaNative) {
		t.Errorf("the read schema lost dpone.native")
	}
	// What other sinks need to know reaches them on the read schema.
	for _, m := range []struct{ col, key, want string }{
		{"id", metaPrimaryKey, "1"},
		{"c3", metaFixedLength, "true"},
		{"c3", metaMaxLength, "3"},
		{"jb", metaJSONBinary, "true"},
		{"num", metaDecimalText, "0,0"},
		{"num50", metaDecimalText, "50,2"},
		{"m", metaTextForm, "true"},
		{"iv", metaFractionDigits, "6"},
		{"ts3", metaFractionDigits, "3"},
	} {
		fs, _ := w.schema.FieldsByName(m.col)
		if got, _ := fs[0].Metadata.GetValue(m.key); got != m.want {
			t.Errorf("column %s: %s = %q, want %q", m.col, m.key, got, m.want)
		}
	}
}
