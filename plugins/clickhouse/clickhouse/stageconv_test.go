package clickhouse

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// stagedTypesRecord is roundTripRecord's columns and one more per Arrow
// type the sink maps (times, binaries, date64, timestamps in seconds and
// in a zone, uuid in other forms, decimals of every storage width and one
// stored as text, lists, a map and a struct, with NULLs at every level),
// with edge values: dates and instants at the ends of what the block path
// stores.
func stagedTypesRecord(t *testing.T) arrow.RecordBatch {
	t.Helper()
	uuidMeta := meta(sdk.MetaLogical, sdk.LogicalUUID)
	extra := arrow.NewSchema([]arrow.Field{
		{Name: "t32", Type: arrow.FixedWidthTypes.Time32ms, Nullable: true},
		{Name: "t64", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
		{Name: "t64ns", Type: arrow.FixedWidthTypes.Time64ns, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "fixed", Type: &arrow.FixedSizeBinaryType{ByteWidth: 4}, Nullable: true},
		{Name: "lstr", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "d64", Type: arrow.FixedWidthTypes.Date64, Nullable: true},
		{Name: "dfar", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "tss", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "Europe/Paris"}, Nullable: true},
		{Name: "tsfar", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "uuidx", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: uuidMeta},
		{Name: "dec9", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}, Nullable: true},
		{Name: "dec18", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
		{Name: "dectext", Type: &arrow.Decimal128Type{Precision: 10, Scale: -2}, Nullable: true},
		{Name: "nums", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "times", Type: arrow.ListOf(arrow.FixedWidthTypes.Time64us), Nullable: true},
		{Name: "ids", Type: arrow.ListOfField(arrow.Field{Name: "item", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: uuidMeta}), Nullable: true},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32), Nullable: true},
		{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "at", Type: arrow.FixedWidthTypes.Time32s, Nullable: true}), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, extra)
	defer b.Release()
	valid := []bool{true, true, false}
	tod := func(s string) time.Duration {
		v, err := time.Parse("15:04:05.999999999", s)
		if err != nil {
			t.Fatal(err)
		}
		return v.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	day := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	b.Field(0).(*array.Time32Builder).AppendValues([]arrow.Time32{arrow.Time32(tod("12:34:56.789").Milliseconds()), arrow.Time32(tod("23:59:59.999").Milliseconds()), 0}, valid)
	b.Field(1).(*array.Time64Builder).AppendValues([]arrow.Time64{arrow.Time64(tod("00:00:00.000001").Microseconds()), arrow.Time64(tod("12:00:00").Microseconds()), 0}, valid)
	b.Field(2).(*array.Time64Builder).AppendValues([]arrow.Time64{arrow.Time64(tod("01:02:03.123456789").Nanoseconds()), 0, 0}, valid)
	b.Field(3).(*array.BinaryBuilder).AppendValues([][]byte{{0, 0xff, '\''}, {}, nil}, valid)
	b.Field(4).(*array.FixedSizeBinaryBuilder).AppendValues([][]byte{[]byte("abcd"), {0, 1, 2, 3}, {0, 0, 0, 0}}, valid)
	b.Field(5).(*array.LargeStringBuilder).AppendValues([]string{"large 🦆", "", ""}, valid)
	b.Field(6).(*array.Date64Builder).AppendValues([]arrow.Date64{arrow.Date64FromTime(day("2024-02-29")), arrow.Date64FromTime(day("1900-01-01")), 0}, valid)
	b.Field(7).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(day("1900-01-01")), arrow.Date32FromTime(day("2299-12-31")), 0}, valid)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	b.Field(8).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(time.Date(2024, 6, 30, 12, 0, 0, 0, paris).Unix()), arrow.Timestamp(time.Date(1901, 1, 1, 0, 0, 0, 0, time.UTC).Unix()), 0}, valid)
	b.Field(9).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(time.Date(1677, 9, 22, 0, 0, 0, 0, time.UTC).UnixMicro()), arrow.Timestamp(time.Date(2262, 4, 10, 0, 0, 0, 0, time.UTC).UnixMicro()), 0}, valid)
	b.Field(10).(*array.StringBuilder).AppendValues([]string{"{123E4567-E89B-12D3-A456-426614174000}", "urn:uuid:00000000-0000-0000-0000-000000000001", ""}, valid)
	b.Field(11).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(999999999), decimal128.FromI64(-1), {}}, valid)
	b.Field(12).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(999999999999999999), decimal128.FromI64(-999999999999999999), {}}, valid)
	b.Field(13).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(12345), decimal128.FromI64(-7), {}}, valid)
	nums := b.Field(14).(*array.ListBuilder)
	nv := nums.ValueBuilder().(*array.Int64Builder)
	nums.Append(true)
	nv.AppendValues([]int64{1, math.MaxInt64}, nil)
	nv.AppendNull()
	nums.Append(true)
	nums.AppendNull()
	tags := b.Field(15).(*array.ListBuilder)
	tv := tags.ValueBuilder().(*array.StringBuilder)
	tags.Append(true)
	tv.AppendValues([]string{"a", "b'c"}, nil)
	tags.AppendNull()
	tags.Append(true)
	tv.AppendNull()
	times := b.Field(16).(*array.ListBuilder)
	tmv := times.ValueBuilder().(*array.Time64Builder)
	times.Append(true)
	tmv.Append(arrow.Time64(tod("08:30:00.5").Microseconds()))
	tmv.AppendNull()
	times.Append(true)
	times.AppendNull()
	ids := b.Field(17).(*array.ListBuilder)
	iv := ids.ValueBuilder().(*array.StringBuilder)
	ids.Append(true)
	iv.AppendValues([]string{"{FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}", "123e4567e89b12d3a456426614174000"}, nil)
	iv.AppendNull()
	ids.AppendNull()
	ids.Append(true)
	m := b.Field(18).(*array.MapBuilder)
	mk, mv := m.KeyBuilder().(*array.StringBuilder), m.ItemBuilder().(*array.Int32Builder)
	m.Append(true)
	mk.AppendValues([]string{"z", "y'q", "a"}, nil)
	mv.Append(1)
	mv.AppendNull()
	mv.Append(math.MinInt32)
	m.Append(true)
	m.AppendNull()
	s := b.Field(19).(*array.StructBuilder)
	sa, sb, sat := s.FieldBuilder(0).(*array.Int64Builder), s.FieldBuilder(1).(*array.StringBuilder), s.FieldBuilder(2).(*array.Time32Builder)
	s.Append(true)
	sa.Append(1)
	sb.Append("hi")
	sat.Append(arrow.Time32(tod("23:59:59").Seconds()))
	s.Append(true)
	sa.Append(2)
	sb.AppendNull()
	sat.AppendNull()
	s.AppendNull()
	more := b.NewRecordBatch()
	defer more.Release()

	base := roundTripRecord(t)
	defer base.Release()
	fields := append(append([]arrow.Field(nil), base.Schema().Fields()...), extra.Fields()...)
	cols := append(append([]arrow.Array(nil), base.Columns()...), more.Columns()...)
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, base.NumRows())
}

// TestStagedTypes loads every mapped type through native blocks and
// through s3 staging (Parquet, read with s3()) and finds the same values
// stored: the staged path converts as the block path does, and the
// server reads the Parquet parts losslessly into staging's types.
func TestStagedTypes(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	rec := stagedTypesRecord(t)
	defer rec.Release()
	for _, path := range []string{"blocks", "s3"} {
		r := f.req("sttypes-"+path, "staged_types_"+path, sdk.ModeAppend, rec.Schema())
		r.Options = json.RawMessage(`{"low_cardinality": ["str", "lstr"]}`)
		if path == "s3" {
			r.Staging = st
		}
		f.load(r, rec)
	}
	var types string
	f.scalar(fmt.Sprintf("SELECT arrayStringConcat(groupArray(concat(name, ' ', type)), ', ') FROM system.columns WHERE database = %s AND table = 'staged_types_s3'", literal(testDB)), &types)
	t.Logf("column types: %s", types)
	blocks, staged := f.snapshot("staged_types_blocks"), f.snapshot("staged_types_s3")
	if blocks != staged {
		t.Errorf("stored values differ:\nthrough blocks: %s\nthrough s3:     %s", blocks, staged)
	}
	var edges string
	f.scalar("SELECT toString(groupArray((toInt32(dfar), toUnixTimestamp64Micro(tsfar)))) FROM (SELECT dfar, tsfar FROM "+qualified(testDB, "staged_types_s3")+" WHERE k < 3 ORDER BY k)", &edges)
	want := fmt.Sprintf("[(%d,%d),(%d,%d)]", minParquetDate, time.Date(1677, 9, 22, 0, 0, 0, 0, time.UTC).UnixMicro(), maxParquetDate, time.Date(2262, 4, 10, 0, 0, 0, 0, time.UTC).UnixMicro())
	if edges != want {
		t.Errorf("edge dates (days) and instants (µs) through s3: got %s, want %s", edges, want)
	}
}

// TestStagedRefusesFarDates: a date outside 1900-01-01..2299-12-31 (which
// native blocks store exactly, but the server does not read from
// Parquet) fails a staged Write with a DATA error naming the column and
// the way out, at any depth, before any file is written.
func TestStagedRefusesFarDates(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	far := arrow.Date32FromTime(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name string
		fld  arrow.Field
		add  func(b array.Builder)
	}{
		{"date32", arrow.Field{Name: "v", Type: arrow.FixedWidthTypes.Date32}, func(b array.Builder) { b.(*array.Date32Builder).Append(far) }},
		{"date64", arrow.Field{Name: "v", Type: arrow.FixedWidthTypes.Date64}, func(b array.Builder) {
			b.(*array.Date64Builder).Append(arrow.Date64FromTime(time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)))
		}},
		{"list", arrow.Field{Name: "v", Type: arrow.ListOf(arrow.FixedWidthTypes.Date32)}, func(b array.Builder) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			lb.ValueBuilder().(*array.Date32Builder).AppendValues([]arrow.Date32{minParquetDate, far}, nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, tc.fld}, nil)
			b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			defer b.Release()
			b.Field(0).(*array.Int64Builder).Append(1)
			tc.add(b.Field(1))
			rec := b.NewRecordBatch()
			defer rec.Release()
			r := f.req("stfar-"+tc.name, "staged_far_"+tc.name, sdk.ModeAppend, schema)
			r.Staging = st
			if _, err := f.c.BeginLoad(f.ctx, r); err != nil {
				t.Fatal(err)
			}
			_, err := f.c.Write(f.ctx, r, &sliceReader{schema: schema, recs: []arrow.RecordBatch{rec}})
			if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), `column "v"`) || !strings.Contains(err.Error(), "without sink.staging") {
				t.Errorf("got %v, want a DATA error naming column v and saying to load without sink.staging", err)
			}
			if got := stagedFiles(t, st, r.LoadID); len(got) != 0 {
				t.Errorf("a refused Write left files: %v", got)
			}
		})
	}
}

// TestStagedRefusesLikeBlocks: the values the block path refuses (a NULL
// in a column that is not Nullable, an instant outside int64
// nanoseconds, text that is no uuid) fail a staged Write with the same
// DATA error, before any file is written.
func TestStagedRefusesLikeBlocks(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	one := func(fld arrow.Field, appendTo func(b array.Builder)) arrow.RecordBatch {
		schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, fld}, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).Append(1)
		appendTo(b.Field(1))
		return b.NewRecordBatch()
	}
	late := arrow.Timestamp(time.Date(2299, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli())
	for _, tc := range []struct {
		name string
		rec  arrow.RecordBatch
		opts string
	}{
		{"null_in_key", one(arrow.Field{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, func(b array.Builder) { b.AppendNull() }), `{"order_by":["v"]}`},
		{"instant", one(arrow.Field{Name: "v", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}}, func(b array.Builder) { b.(*array.TimestampBuilder).Append(late) }), ""},
		{"uuid", one(arrow.Field{Name: "v", Type: arrow.BinaryTypes.String, Metadata: meta(sdk.MetaLogical, sdk.LogicalUUID)}, func(b array.Builder) { b.(*array.StringBuilder).Append("not-a-uuid") }), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.rec.Release()
			errs := map[string]error{}
			for _, path := range []string{"blocks", "s3"} {
				r := f.req("strefuse-"+tc.name+"-"+path, "staged_refused_"+tc.name+"_"+path, sdk.ModeAppend, tc.rec.Schema())
				r.Options = json.RawMessage(tc.opts)
				if path == "s3" {
					r.Staging = st
				}
				if _, err := f.c.BeginLoad(f.ctx, r); err != nil {
					t.Fatal(err)
				}
				_, errs[path] = f.c.Write(f.ctx, r, &sliceReader{schema: r.Schema, recs: []arrow.RecordBatch{tc.rec}})
				if sdk.CodeOf(errs[path]) != sdk.CodeData {
					t.Errorf("%s: got %v, want a DATA error", path, errs[path])
				}
				if path == "s3" {
					if got := stagedFiles(t, st, r.LoadID); len(got) != 0 {
						t.Errorf("a refused Write left files: %v", got)
					}
				}
			}
			if errs["blocks"] != nil && errs["s3"] != nil && errs["blocks"].Error() != errs["s3"].Error() {
				t.Errorf("errors differ:\nblocks: %v\ns3:     %v", errs["blocks"], errs["s3"])
			}
		})
	}
}
