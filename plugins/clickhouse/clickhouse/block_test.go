package clickhouse

import (
	"slices"
	"strings"
	"testing"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/dpone-go/dpone/sdk"
)

// TestBlockInput: the ch-go block path takes the common landing types
// (integers, strings, decimals, timestamps, Nullable or not) and leaves
// the rest to clickhouse-go; a NULL in a non-Nullable column is DATA.
func TestBlockInput(t *testing.T) {
	recs := benchRecords(20, 20)
	rec := recs[0]
	defer rec.Release()
	names := []string{"id", "name", "amount", "ts"}
	for _, tc := range []struct {
		types []string
		fast  bool
		code  sdk.Code
	}{
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(12, 2))", "DateTime64(6)"}, true, 0},
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(38, 2))", "DateTime64(6, 'UTC')"}, true, 0},
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(9, 2))", "DateTime64(6)"}, false, 0},
		{[]string{"Int64", "LowCardinality(Nullable(String))", "Nullable(Decimal(12, 2))", "DateTime64(6)"}, true, 0},
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(12, 3))", "DateTime64(6)"}, false, 0},
		{[]string{"Int64", "Nullable(String)", "Nullable(Decimal(12, 2))", "DateTime64(3)"}, false, 0},
		{[]string{"Int32", "Nullable(String)", "Nullable(Decimal(12, 2))", "DateTime64(6)"}, false, 0},
		{[]string{"Int64", "String", "Nullable(Decimal(12, 2))", "DateTime64(6)"}, false, sdk.CodeData},
	} {
		input, fast, err := blockInput(rec, names, tc.types)
		if sdk.CodeOf(err) != tc.code || (err == nil) != (tc.code == 0) {
			t.Errorf("%v: got error %v, want code %v", tc.types, err, tc.code)
			continue
		}
		if fast != tc.fast {
			t.Errorf("%v: got fast %v, want %v", tc.types, fast, tc.fast)
		}
		if fast {
			for i, c := range input {
				// LowCardinality(T) is sent as T (the server converts).
				want := tc.types[i]
				if lc, ok := strings.CutPrefix(want, "LowCardinality("); ok {
					want = strings.TrimSuffix(lc, ")")
				}
				if got := string(c.Data.Type()); got != want && got != "Nullable("+want+")" {
					t.Errorf("%v: column %s has block type %s", tc.types, c.Name, got)
				}
				if c.Data.Rows() != 20 {
					t.Errorf("%v: column %s has %d rows, want 20", tc.types, c.Name, c.Data.Rows())
				}
			}
		}
	}
}

// TestBlockInputUUID: uuid text (sdk.LogicalUUID) goes to a UUID column
// through the block path, each value parsed to its 16 bytes; NULLs stay
// NULL and text that is no uuid is a DATA error naming the column.
func TestBlockInputUUID(t *testing.T) {
	want := []string{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "", "00000000-0000-0000-0000-000000000000", "FFFFFFFF-ffff-4FFF-8fff-0123456789AB"}
	rec := uuidRecord(t, want...)
	defer rec.Release()
	for _, typ := range []string{"Nullable(UUID)", "UUID"} {
		input, fast, err := blockInput(rec, []string{"ref"}, []string{typ})
		if typ == "UUID" {
			if sdk.CodeOf(err) != sdk.CodeData {
				t.Errorf("UUID (not Nullable) with a NULL: got error %v, want a DATA error", err)
			}
			continue
		}
		if err != nil || !fast {
			t.Fatalf("%s: got fast %v, error %v; want the block path", typ, fast, err)
		}
		col := input[0].Data.(*proto.ColNullable[uuid.UUID])
		for i, w := range want {
			if w == "" {
				if col.Nulls[i] != 1 {
					t.Errorf("row %d: got %v, want NULL", i, col.Values.Row(i))
				}
				continue
			}
			if got := col.Values.Row(i); col.Nulls[i] != 0 || got != uuid.MustParse(w) {
				t.Errorf("row %d: got %v (null %d), want %s", i, got, col.Nulls[i], w)
			}
		}
	}
	for _, bad := range []string{"6ba7b810-9dad-11d1-80b4-00c04fd430cx", "6ba7b810x9dad-11d1-80b4-00c04fd430c8", "short"} {
		rec := uuidRecord(t, bad)
		_, _, err := blockInput(rec, []string{"ref"}, []string{"Nullable(UUID)"})
		rec.Release()
		if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), `"ref"`) {
			t.Errorf("%q: got error %v, want a DATA error naming column ref", bad, err)
		}
	}
}

// uuidRecord is a record of one uuid text column "ref" ("" is NULL).
func uuidRecord(t *testing.T, vals ...string) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "ref", Type: arrow.BinaryTypes.String, Nullable: true,
		Metadata: arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalUUID})}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, v := range vals {
		if v == "" {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.StringBuilder).Append(v)
		}
	}
	return b.NewRecordBatch()
}

// TestUUIDBlockRoundTrip: uuids sent through the block path are the
// uuids ClickHouse stores (byte order), NULLs included.
func TestUUIDBlockRoundTrip(t *testing.T) {
	f := newFixture(t)
	want := []string{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "", "01234567-89ab-cdef-0123-456789abcdef"}
	rec := uuidRecord(t, want...)
	defer rec.Release()
	f.load(f.req("uuid-1", "uuids", sdk.ModeAppend, rec.Schema()), rec)
	var got []string
	for _, row := range f.read("uuids", "") {
		if row[0] == nil {
			got = append(got, "")
		} else {
			got = append(got, row[0].(string))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLowCardinalityBlocks: strings go to LowCardinality(String) and
// LowCardinality(Nullable(String)) columns through the block path (sent
// as String, which the server converts), and read back unchanged.
func TestLowCardinalityBlocks(t *testing.T) {
	rec := idNameRecord(t, 1, "a", 2, nil, 3, "a")
	defer rec.Release()
	for _, typ := range []string{"LowCardinality(Nullable(String))", "LowCardinality(String)"} {
		_, fast, err := blockInput(rec, []string{"id", "name"}, []string{"Int64", typ})
		if typ == "LowCardinality(String)" {
			if sdk.CodeOf(err) != sdk.CodeData {
				t.Errorf("%s with a NULL: got error %v, want DATA", typ, err)
			}
			continue
		}
		if err != nil || !fast {
			t.Errorf("%s: got fast %v, error %v; want the block path", typ, fast, err)
		}
	}
	f := newFixture(t)
	r := f.req("lowcard-1", "lowcard", sdk.ModeAppend, idNameSchema)
	r.Options = []byte(`{"low_cardinality":["name"]}`)
	f.load(r, rec)
	var typ string
	f.scalar("SELECT type FROM system.columns WHERE database = '"+testDB+"' AND table = 'lowcard' AND name = 'name'", &typ)
	if typ != "LowCardinality(Nullable(String))" {
		t.Errorf("column name: got %s, want LowCardinality(Nullable(String))", typ)
	}
	if d := cmp.Diff([][]any{row(1, "a"), row(2, nil), row(3, "a")}, f.idNames("lowcard")); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
}
