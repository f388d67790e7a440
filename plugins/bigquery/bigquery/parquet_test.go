package bigquery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/dpone-go/dpone/sdk"
	"github.com/google/go-cmp/cmp"
)

// memFile is a staged object kept in memory.
type memFile struct{ bytes.Buffer }

func (*memFile) Close() error { return nil }

// typesSchema has one column per BigQuery type the sink writes.
func typesSchema() *arrow.Schema {
	json := arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalJSON})
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "num", Type: &arrow.Decimal128Type{Precision: 38, Scale: 9}, Nullable: true},
		{Name: "bignum", Type: &arrow.Decimal128Type{Precision: 38, Scale: 20}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "t", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "dt", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "doc", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: json},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "addr", Type: arrow.StructOf(
			arrow.Field{Name: "city", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "zip", Type: arrow.PrimitiveTypes.Int32, Nullable: true}), Nullable: true},
	}, nil)
}

// typesRecord builds n rows; every 3rd row is NULL in each nullable column.
func typesRecord(t *testing.T, schema *arrow.Schema, start, n int) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := start; i < start+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%3 == 0 {
			for c := 1; c < len(b.Fields()); c++ {
				b.Field(c).AppendNull()
			}
			continue
		}
		b.Field(1).(*array.BooleanBuilder).Append(i%2 == 0)
		b.Field(2).(*array.Float64Builder).Append(float64(i) / 7)
		b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i)*1_000_000_001 - 5))
		big, _ := decimal128.FromString("-123456789012345678.12345678901234567891", 38, 20)
		b.Field(4).(*array.Decimal128Builder).Append(big)
		b.Field(5).(*array.StringBuilder).Append("héllo ✓ " + string(rune('a'+i%26)))
		b.Field(6).(*array.BinaryBuilder).Append([]byte{0, byte(i), 0xff})
		b.Field(7).(*array.Date32Builder).Append(arrow.Date32(19000 + i))
		b.Field(8).(*array.Time64Builder).Append(arrow.Time64(int64(i) * 1_000_001))
		b.Field(9).(*array.TimestampBuilder).Append(arrow.Timestamp(1_700_000_000_123_456 + int64(i)))
		b.Field(10).(*array.TimestampBuilder).Append(arrow.Timestamp(-62_135_596_800_000_000 + int64(i)))
		b.Field(11).(*array.StringBuilder).Append(`{"a": 22.00, "n": null}`)
		lb := b.Field(12).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"x", "y"}, nil)
		sb := b.Field(13).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.StringBuilder).Append("St. John's")
		sb.FieldBuilder(1).(*array.Int32Builder).Append(int32(i))
	}
	return b.NewRecordBatch()
}

// TestParquetRoundTrip writes records through partWriter, reads every file
// back and checks values and, through the type map, that each column reads
// back as the same BigQuery type.
func TestParquetRoundTrip(t *testing.T) {
	schema := typesSchema()
	var files []*memFile
	w := &partWriter{schema: schema, limit: 1, open: func(_ context.Context, n int) (io.WriteCloser, error) {
		if n != len(files) {
			t.Fatalf("open part %d, want %d", n, len(files))
		}
		f := &memFile{}
		files = append(files, f)
		return f, nil
	}}
	var want []arrow.RecordBatch
	for i := 0; i < 3; i++ {
		rec := typesRecord(t, schema, i*10, 10)
		defer rec.Release()
		want = append(want, rec)
		if err := w.Write(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := len(files); got != 3 {
		t.Fatalf("files: got %d, want 3 (limit 1 byte: one file per record)", got)
	}
	if w.rows != 30 {
		t.Errorf("rows: got %d, want 30", w.rows)
	}
	for i, f := range files {
		rdr, err := file.NewParquetReader(bytes.NewReader(f.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for c, field := range schema.Fields() {
			wantType, _ := bqType(field)
			gotType, err := bqType(tbl.Schema().Field(c))
			if err != nil || gotType != wantType {
				t.Errorf("part %d column %s: BigQuery type got %q (%v), want %q", i, field.Name, gotType, err, wantType)
			}
			got := tbl.Column(c).Data().Chunk(0)
			if diff := cmp.Diff(want[i].Column(c).String(), got.String()); diff != "" {
				t.Errorf("part %d column %s values (-want +got):\n%s", i, field.Name, diff)
			}
		}
		tbl.Release()
	}
}

// TestParquetTimestampsUTCMicros checks the Parquet logical types BigQuery
// reads: TIMESTAMP adjusted to UTC in microseconds, DATETIME not adjusted,
// nanoseconds truncated to microseconds.
func TestParquetTimestampsUTCMicros(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "America/St_Johns"}},
		{Name: "dt", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	b.Field(0).(*array.TimestampBuilder).Append(1_700_000_000_123_456_789)
	b.Field(1).(*array.TimestampBuilder).Append(1_700_000_000_123_456_789)
	rec := b.NewRecordBatch()
	var f memFile
	w := &partWriter{schema: schema, limit: 1 << 20, open: func(context.Context, int) (io.WriteCloser, error) { return &f, nil }}
	if err := w.Write(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rdr, err := file.NewParquetReader(bytes.NewReader(f.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"Timestamp(isAdjustedToUTC=true, timeUnit=microseconds, is_from_converted_type=false, force_set_converted_type=false)",
		"Timestamp(isAdjustedToUTC=false, timeUnit=microseconds, is_from_converted_type=false, force_set_converted_type=false)"} {
		if got := rdr.MetaData().Schema.Column(i).LogicalType().String(); got != want {
			t.Errorf("column %d logical type: got %s, want %s", i, got, want)
		}
	}
	col, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := col.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if got := tbl.Column(0).Data().Chunk(0).(*array.Timestamp).Value(0); got != 1_700_000_000_123_456 {
		t.Errorf("ts: got %d, want 1700000000123456 (UTC micros)", got)
	}
}

// nanoTimes is typesSchema with two nanosecond timestamp columns, one of
// them in a struct.
func nanoTimes() *arrow.Schema {
	fields := append(typesSchema().Fields(),
		arrow.Field{Name: "tsn", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
		arrow.Field{Name: "evt", Type: arrow.StructOf(arrow.Field{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true}), Nullable: true})
	return arrow.NewSchema(fields, nil)
}

// nanoBase is the nanosecond value of row 0; row i adds i*1001 ns.
const nanoBase = 1_700_000_000_123_456_789

// nanoRecord is typesRecord's rows with the two nanosecond columns (NULL
// where typesRecord's are).
func nanoRecord(t *testing.T, start, n int) arrow.RecordBatch {
	t.Helper()
	base := typesRecord(t, typesSchema(), start, n)
	defer base.Release()
	schema := nanoTimes()
	tb := array.NewTimestampBuilder(memory.DefaultAllocator, schema.Field(14).Type.(*arrow.TimestampType))
	defer tb.Release()
	sb := array.NewStructBuilder(memory.DefaultAllocator, schema.Field(15).Type.(*arrow.StructType))
	defer sb.Release()
	for i := start; i < start+n; i++ {
		if i%3 == 0 {
			tb.AppendNull()
			sb.AppendNull()
			continue
		}
		tb.Append(arrow.Timestamp(nanoBase + int64(i)*1001))
		sb.Append(true)
		sb.FieldBuilder(0).(*array.TimestampBuilder).Append(arrow.Timestamp(nanoBase + int64(i)*1001))
	}
	tsn, evt := tb.NewArray(), sb.NewArray()
	defer tsn.Release()
	defer evt.Release()
	cols := append(append([]arrow.Array{}, base.Columns()...), tsn, evt)
	return array.NewRecordBatch(schema, cols, int64(n))
}

// parquetColumns lists a Parquet file's leaf columns as BigQuery's loader
// sees them: path, physical and logical type.
func parquetColumns(t *testing.T, data []byte) []string {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	var out []string
	for i := 0; i < pf.MetaData().Schema.NumColumns(); i++ {
		c := pf.MetaData().Schema.Column(i)
		out = append(out, fmt.Sprintf("%s %s %s", c.Path(), c.PhysicalType(), c.LogicalType()))
	}
	return out
}

// int64Leaf reads the non-NULL values of an INT64 leaf column as stored.
func int64Leaf(t *testing.T, data []byte, path string) []int64 {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	idx := pf.MetaData().Schema.ColumnIndexByName(path)
	if idx < 0 {
		t.Fatalf("no column %s", path)
	}
	var out []int64
	for g := 0; g < pf.NumRowGroups(); g++ {
		cr, err := pf.RowGroup(g).Column(idx)
		if err != nil {
			t.Fatal(err)
		}
		n := pf.RowGroup(g).NumRows()
		vals, defs := make([]int64, n), make([]int16, n)
		_, got, err := cr.(*file.Int64ColumnChunkReader).ReadBatch(n, vals, defs, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, vals[:got]...)
	}
	return out
}

// TestObjectStagingParquet: Write with sink.staging stages Parquet parts
// that BigQuery reads as the type map says, with the same Parquet schema
// as config bucket's stager (decimals as DECIMAL, 3-level lists, structs,
// JSON as UTF8 strings) except that nanosecond timestamps, which the
// stager never gets, are microseconds too: a timestamp(9) column is not
// misread. testdata/write/staged_parquet.txt is that schema.
func TestObjectStagingParquet(t *testing.T) {
	ctx := context.Background()
	st := testStaging(t, false)
	schema := nanoTimes()
	req := stagedRequest(t, st, "run_2_orders", schema)
	var recs []arrow.RecordBatch
	for i := 0; i < 2; i++ {
		rec := nanoRecord(t, i*50, 50)
		defer rec.Release()
		recs = append(recs, rec)
	}
	res, err := (&Connector{}).Write(ctx, req, &sliceReader{schema: schema, recs: recs})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 100 || res.Bytes <= 0 {
		t.Fatalf("write: got %d rows, %d bytes; want 100 rows and their Arrow bytes", res.Rows, res.Bytes)
	}
	a := openArea(t, st)
	m, err := a.Verify(ctx, req.LoadID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != 100 || len(m.Files) != 1 {
		t.Fatalf("manifest: got %d rows in %d parts, want 100 in 1", m.Rows, len(m.Files))
	}
	data := partBytes(t, a, req.LoadID, m.Files[0].Name)
	cols := parquetColumns(t, data)
	golden(t, "write/staged_parquet.txt", strings.Join(cols, "\n")+"\n")

	// The config-bucket stager's Parquet of the same rows (the columns it
	// takes: it never gets nanoseconds) has the same columns.
	var bucketFile memFile
	pw := &partWriter{schema: typesSchema(), limit: 1 << 30, open: func(context.Context, int) (io.WriteCloser, error) { return &bucketFile, nil }}
	for i := 0; i < 2; i++ {
		rec := typesRecord(t, typesSchema(), i*50, 50)
		if err := pw.Write(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(parquetColumns(t, bucketFile.Bytes()), cols[:len(cols)-2]); diff != "" {
		t.Errorf("staged Parquet columns differ from config bucket's stager (-stager +staged):\n%s", diff)
	}

	// Every column reads back as its BigQuery type; the values are the
	// rows written, the nanosecond columns truncated to microseconds.
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	for c, f := range schema.Fields() {
		wt, _ := bqType(f)
		gt, err := bqType(tbl.Schema().Field(c))
		if err != nil || gt != wt {
			t.Errorf("column %s: BigQuery type got %q (%v), want %q", f.Name, gt, err, wt)
		}
		if f.Name == "tsn" || f.Name == "evt" {
			continue
		}
		if diff := cmp.Diff(joined(t, recs[0].Column(c), recs[1].Column(c)), joined(t, tbl.Column(c).Data().Chunks()...)); diff != "" {
			t.Errorf("column %s values (-want +got):\n%s", f.Name, diff)
		}
	}
	var micros []int64
	for i := 0; i < 100; i++ {
		if i%3 != 0 {
			micros = append(micros, (nanoBase+int64(i)*1001)/1000)
		}
	}
	for _, path := range []string{"tsn", "evt.at"} {
		if diff := cmp.Diff(micros, int64Leaf(t, data, path)); diff != "" {
			t.Errorf("%s as stored (-want UTC microseconds +got):\n%s", path, diff)
		}
	}
	if err := a.Remove(ctx, req.LoadID); err != nil {
		t.Fatal(err)
	}
}

// joined renders arrays as one.
func joined(t *testing.T, arrs ...arrow.Array) string {
	t.Helper()
	a, err := array.Concatenate(arrs, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	return a.String()
}
