package duckdb

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func TestTypeLoss(t *testing.T) {
	tests := []struct {
		dt   arrow.DataType
		want string // substring; "" = lossless
	}{
		{arrow.PrimitiveTypes.Int64, ""},
		{&arrow.Decimal128Type{Precision: 38, Scale: 10}, ""},
		{&arrow.Decimal256Type{Precision: 50, Scale: 2}, "VARCHAR"},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, ""},
		{&arrow.TimestampType{Unit: arrow.Nanosecond}, ""},
		{&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, "nanoseconds"},
		{&arrow.Time64Type{Unit: arrow.Nanosecond}, "nanoseconds"},
		{arrow.FixedWidthTypes.MonthDayNanoInterval, "sub-microsecond"},
		{arrow.ListOf(&arrow.Time64Type{Unit: arrow.Nanosecond}), "[]; element: "},
	}
	for _, tt := range tests {
		got := (&Connector{}).TypeLoss(arrow.Field{Name: "c", Type: tt.dt})
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.dt, got, tt.want)
		}
	}
}

// pgSourceTypes are columns as the PostgreSQL source describes them (the
// Arrow type and metadata its Read sends), the DuckDB type a target
// created from them gets, and whether the lossy note must say something.
var pgSourceTypes = []struct {
	field arrow.Field
	value string // JSON value of the one row loaded
	want  string // duckdb_columns().data_type of the created column
	lossy bool
}{
	{arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int32, Metadata: meta(metaNative, "integer", metaPrimaryKey, "1")}, `1`, "INTEGER", false},
	{arrow.Field{Name: "c3", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "character(3)", metaMaxLength, "3", metaFixedLength, "true")}, `"ab "`, "VARCHAR", true},
	{arrow.Field{Name: "vc16", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "character varying(16)", metaMaxLength, "16")}, `"x"`, "VARCHAR", true},
	{arrow.Field{Name: "txt", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "text")}, `"t "`, "VARCHAR", false},
	{arrow.Field{Name: "jb", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "jsonb", metaLogical, logicalJSON, metaJSONBinary, "true")}, `"{\"a\": 1}"`, "JSON", true},
	{arrow.Field{Name: "js", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "json", metaLogical, logicalJSON)}, `"{\"a\":1}"`, "JSON", false},
	{arrow.Field{Name: "num", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "numeric", metaDecimalText, "0,0")}, `"-1.000100"`, "VARCHAR", true},
	{arrow.Field{Name: "num50", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "numeric(50,2)", metaDecimalText, "50,2")}, `"1.50"`, "VARCHAR", true},
	{arrow.Field{Name: "num122", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true, Metadata: meta(metaNative, "numeric(12,2)")}, `"1.25"`, "DECIMAL(12,2)", false},
	{arrow.Field{Name: "m", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "money", metaTextForm, "true")}, `"$12.34"`, "VARCHAR", true},
	{arrow.Field{Name: "ttz", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "time with time zone", metaTextForm, "true")}, `"12:34:56+05:30"`, "VARCHAR", true},
	{arrow.Field{Name: "iv", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Nullable: true, Metadata: meta(metaNative, "interval", metaFractionDigits, "6")}, `null`, "INTERVAL", false},
	{arrow.Field{Name: "ts3", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true, Metadata: meta(metaNative, "timestamp(3) without time zone", metaFractionDigits, "3")}, `null`, "TIMESTAMP", false},
	{arrow.Field{Name: "tstz", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true, Metadata: meta(metaNative, "timestamp with time zone")}, `null`, "TIMESTAMP WITH TIME ZONE", false},
	{arrow.Field{Name: "u", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaNative, "uuid", metaLogical, logicalUUID)}, `"123e4567-e89b-12d3-a456-426614174000"`, "UUID", false},
	{arrow.Field{Name: "ints", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true, Metadata: meta(metaNative, "integer[]")}, `[1, null]`, "INTEGER[]", false},
	{arrow.Field{Name: "tags", Type: arrow.ListOfField(arrow.Field{Name: "item", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaMaxLength, "8")}), Nullable: true, Metadata: meta(metaNative, "character varying(8)[]")}, `["a"]`, "VARCHAR[]", true},
	// Not from PostgreSQL: a source that does produce nanoseconds.
	{arrow.Field{Name: "ivns", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Nullable: true}, `null`, "INTERVAL", true},
}

// TestCreatedTypesMatchLossyNotes loads one row of every source type into
// new DuckDB targets by each mode that creates one, then compares each
// created column type (described after the run) with the expected type and
// with the lossy note (TypeLoss, the map that renders the DDL): a note
// exactly where the type changes, naming the type created.
func TestCreatedTypesMatchLossyNotes(t *testing.T) {
	fields := make([]arrow.Field, len(pgSourceTypes))
	vals := make([]string, len(pgSourceTypes))
	for i, c := range pgSourceTypes {
		fields[i] = c.field
		vals[i] = `"` + c.field.Name + `": ` + c.value
	}
	schema := arrow.NewSchema(fields, nil)
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, schema, strings.NewReader("[{"+strings.Join(vals, ", ")+"}]"))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	f := newFixture(t)
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
			f.t = t
			table := "t_" + mode.mode
			f.load(f.req("types-"+mode.mode, table, mode.mode, schema, mode.keys...), rec)
			got := map[string]string{}
			for _, r := range f.rows("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'landing' AND table_name = '" + table + "'") {
				got[r[0].(string)] = r[1].(string)
			}
			for _, c := range pgSourceTypes {
				note := f.c.TypeLoss(c.field)
				if got[c.field.Name] != c.want {
					t.Errorf("column %s (%s): created %q, want %q", c.field.Name, c.field.Type, got[c.field.Name], c.want)
				}
				if (note != "") != c.lossy {
					t.Errorf("column %s: lossy note %q, want lossy=%v", c.field.Name, note, c.lossy)
				}
				if note != "" && !strings.Contains(note, got[c.field.Name]) {
					t.Errorf("column %s: the lossy note %q does not name the created type %s", c.field.Name, note, got[c.field.Name])
				}
			}
			var pk []string
			if rows := f.rows("SELECT unnest(constraint_column_names) FROM duckdb_constraints() WHERE schema_name = 'landing' AND table_name = '" + table + "' AND constraint_type = 'PRIMARY KEY'"); len(rows) > 0 {
				for _, r := range rows {
					pk = append(pk, r[0].(string))
				}
			}
			if diff := cmp.Diff(mode.wantPK, pk); diff != "" {
				t.Errorf("primary key of the created table (-want +got):\n%s", diff)
			}
			// Values kept exactly, trailing blanks of char(3) included.
			v := f.rows("SELECT c3, length(c3), num, num50, jb::VARCHAR FROM landing." + table)
			if diff := cmp.Diff([][]any{{"ab ", int64(3), "-1.000100", "1.50", `{"a": 1}`}}, v); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}
