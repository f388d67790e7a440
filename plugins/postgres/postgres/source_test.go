package postgres

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

const typesDDL = `
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE public.types_t (
  id int PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
  n numeric(38,10), nu numeric, t text, vc varchar(20), ch char(3), by bytea,
  d date, tm time, ts timestamp, tstz timestamptz, iv interval, u uuid, j json, jb jsonb,
  ai int[], at text[], e mood, n2 numeric(10,2)[]
);
INSERT INTO public.types_t VALUES
 (1, true, 32767, 2147483647, 9223372036854775807, 1.5, 3.141592653589793,
  9999999999999999999999999999.9999999999, 123.4500, 'héllo 🎉 ünïcode', '', 'ab', '\x00ff10',
  '1969-12-31', '23:59:59.999999', '1900-01-01 00:00:00.000001', '2024-03-10 12:34:56.789012+05:30',
  '1 year 2 mons 3 days 04:05:06.000007', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"a": 22.00,  "b":[1, 2]}', '{"a": 22.00}', '{1,NULL,3}', '{"x","",NULL}', 'happy', '{1.50,-2.25}'),
 (2, false, -32768, -2147483648, -9223372036854775808, -0.25, -1e300,
  -9999999999999999999999999999.9999999999, -0.000001, repeat('x', 100000), 'twenty chars exactly', 'abc', '',
  '0001-01-01', '00:00:00', '1066-10-14 09:00:00.5', '1950-06-01 00:00:00+00',
  '-3 days -00:00:01', '00000000-0000-0000-0000-000000000000',
  '[]', '[]', '{}', '{}', 'sad', '{}'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (4, true, 0, 0, 0, 0, 0, 0.0000000001, 'NaN', 'tab	and ''quote''', NULL, NULL, NULL,
  '2000-01-01', '12:00:00', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00',
  '0', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'null', '"s"', '{NULL}', '{NULL}', NULL, '{NULL}'),
 (5, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, '', NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`

func utc(y int, mo time.Month, d, h, mi, s, us int) time.Time {
	return time.Date(y, mo, d, h, mi, s, us*1000, time.UTC)
}

func TestReadAllTypes(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, typesDDL)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.types_t; DROP TYPE mood") })

	w := &memWriter{}
	defer w.release()
	c := New().(*Connector)
	err := c.Read(context.Background(), sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "types_t", Mode: sdk.ReadFull}, w)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{int32(1), true, int16(32767), int32(2147483647), int64(math.MaxInt64), float32(1.5), 3.141592653589793,
			"9999999999999999999999999999.9999999999", "123.4500", "héllo 🎉 ünïcode", "", "ab ", []byte{0, 0xff, 0x10},
			"1969-12-31", 24*time.Hour - time.Microsecond, utc(1900, 1, 1, 0, 0, 0, 1), utc(2024, 3, 10, 7, 4, 56, 789012),
			arrow.MonthDayNanoInterval{Months: 14, Days: 3, Nanoseconds: (4*3600+5*60+6)*1e9 + 7000},
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"a": 22.00,  "b":[1, 2]}`, `{"a": 22.00}`,
			[]any{int32(1), nil, int32(3)}, []any{"x", "", nil}, "happy", []any{"1.50", "-2.25"}},
		{int32(2), false, int16(-32768), int32(math.MinInt32), int64(math.MinInt64), float32(-0.25), -1e300,
			"-9999999999999999999999999999.9999999999", "-0.000001", strings.Repeat("x", 100000), "twenty chars exactly", "abc", []byte{},
			"0001-01-01", time.Duration(0), time.Date(1066, 10, 14, 9, 0, 0, 5e8, time.UTC), utc(1950, 6, 1, 0, 0, 0, 0),
			arrow.MonthDayNanoInterval{Days: -3, Nanoseconds: -1e9},
			"00000000-0000-0000-0000-000000000000", `[]`, `[]`, []any{}, []any{}, "sad", []any{}},
		{int32(3), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
		{int32(4), true, int16(0), int32(0), int64(0), float32(0), float64(0), "0.0000000001", "NaN", "tab\tand 'quote'", nil, nil, nil,
			"2000-01-01", 12 * time.Hour, utc(1970, 1, 1, 0, 0, 0, 0), utc(1970, 1, 1, 0, 0, 0, 0),
			arrow.MonthDayNanoInterval{}, "ffffffff-ffff-ffff-ffff-ffffffffffff", "null", `"s"`, []any{nil}, []any{nil}, nil, []any{nil}},
		{int32(5), nil, nil, nil, nil, nil, nil, "0.0000000000", nil, "", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
	got := w.rows()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	meta := func(name, key string) string {
		f, _ := w.schema.FieldsByName(name)
		v, _ := f[0].Metadata.GetValue(key)
		return v
	}
	for _, tc := range []struct{ col, key, want string }{
		{"u", metaLogical, logicalUUID},
		{"j", metaLogical, logicalJSON},
		{"jb", metaLogical, logicalJSON},
		{"jb", metaNative, "jsonb"},
		{"nu", metaNative, "numeric"},
		{"n", metaNative, "numeric(38,10)"},
		{"vc", metaMaxLength, "20"},
		{"ch", metaMaxLength, "3"},
		{"e", metaNative, "mood"},
		{"tstz", metaNative, "timestamp with time zone"},
	} {
		if got := meta(tc.col, tc.key); got != tc.want {
			t.Errorf("column %s %s: got %q, want %q", tc.col, tc.key, got, tc.want)
		}
	}
	if f, _ := w.schema.FieldsByName("id"); f[0].Nullable {
		t.Errorf("id: got nullable, want NOT NULL")
	}
	if f, _ := w.schema.FieldsByName("tstz"); f[0].Type.(*arrow.TimestampType).TimeZone != "UTC" {
		t.Errorf("tstz: got %s, want timestamp[us, tz=UTC]", f[0].Type)
	}
}

func TestReadQueryAndColumns(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.q (id int PRIMARY KEY, name text, amount numeric(12,2));
		INSERT INTO public.q SELECT g, 'n' || g, g * 1.25 FROM generate_series(1, 1000) g`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.q") })
	c := New().(*Connector)

	tests := []struct {
		name string
		req  sdk.ReadRequest
		rows int
		cols []string
		last []any
	}{
		{"query", sdk.ReadRequest{Options: json.RawMessage(`{"query": "select id, amount * 2 as twice from public.q where id > 990"}`)},
			10, []string{"id", "twice"}, []any{int32(1000), "2500.00"}},
		{"columns", sdk.ReadRequest{Namespace: "public", Stream: "q", Columns: []string{"name", "id"}},
			1000, []string{"name", "id"}, []any{"n1000", int32(1000)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &memWriter{batchBytes: 4096}
			defer w.release()
			tc.req.Config, tc.req.Mode = cfg, sdk.ReadFull
			if err := c.Read(context.Background(), tc.req, w); err != nil {
				t.Fatal(err)
			}
			rows := w.rows()
			if len(rows) != tc.rows {
				t.Fatalf("got %d rows, want %d", len(rows), tc.rows)
			}
			var names []string
			for _, f := range w.schema.Fields() {
				names = append(names, f.Name)
			}
			if diff := cmp.Diff(tc.cols, names); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if tc.name == "columns" && len(w.recs) < 2 {
				t.Errorf("got %d records, want several (batch_bytes 4096)", len(w.recs))
			}
			last := rows[len(rows)-1]
			if diff := cmp.Diff(tc.last, last); diff != "" {
				t.Errorf("last row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	cfg, _ := testDB(t)
	c := New().(*Connector)
	tests := []struct {
		name string
		req  sdk.ReadRequest
		want sdk.Code
	}{
		{"missing table", sdk.ReadRequest{Namespace: "public", Stream: "nope"}, sdk.CodeNotFound},
		{"unknown option", sdk.ReadRequest{Stream: "x", Options: json.RawMessage(`{"qurey": "select 1"}`)}, sdk.CodeConfig},
		{"bad strategy", sdk.ReadRequest{Stream: "x", Options: json.RawMessage(`{"incremental_strategy": "cdc"}`)}, sdk.CodeUnsupported},
		{"bad query", sdk.ReadRequest{Options: json.RawMessage(`{"query": "selec 1"}`)}, sdk.CodeConfig},
		{"missing column", sdk.ReadRequest{Options: json.RawMessage(`{"query": "select 1 as a"}`), Columns: []string{"b"}}, sdk.CodeSchema},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Config, tc.req.Mode = cfg, sdk.ReadFull
			err := c.Read(context.Background(), tc.req, &memWriter{})
			if got := sdk.CodeOf(err); got != tc.want {
				t.Errorf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}
