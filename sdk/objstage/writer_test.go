package objstage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// nanoSchema has nanosecond timestamps at the top level, in a struct and
// in a list.
var nanoSchema = arrow.NewSchema([]arrow.Field{
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "dt", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
	{Name: "rec", Type: arrow.StructOf(arrow.Field{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true}), Nullable: true},
	{Name: "seen", Type: arrow.ListOf(&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}), Nullable: true},
}, nil)

const nanoValue = 1_700_000_000_123_456_789

// nanoBatch is one row of nanoValue in every column and one of NULLs.
func nanoBatch() arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, nanoSchema)
	defer b.Release()
	b.Field(0).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{nanoValue, 0}, []bool{true, false})
	b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{nanoValue, 0}, []bool{true, false})
	sb := b.Field(2).(*array.StructBuilder)
	sb.Append(true)
	sb.FieldBuilder(0).(*array.TimestampBuilder).Append(nanoValue)
	sb.AppendNull()
	lb := b.Field(3).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{nanoValue, nanoValue + 1000}, nil)
	lb.AppendNull()
	return b.NewRecordBatch()
}

// stagedParquet writes nanoBatch through a Writer with opts into a local
// area and returns the one part's bytes.
func stagedParquet(t *testing.T, opts ...WriterOption) []byte {
	t.Helper()
	ctx := context.Background()
	a, err := Open(ctx, &Config{Type: TypeLocal, Prefix: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	l := a.Load("load-ts")
	w, err := l.NewWriterWith(nanoSchema, 0, opts...)
	if err != nil {
		t.Fatal(err)
	}
	rec := nanoBatch()
	defer rec.Release()
	if err := w.Write(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.WriteManifest(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := a.Verify(ctx, "load-ts")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 1 || m.Rows != 2 {
		t.Fatalf("got %d rows in %d files, want 2 rows in 1", m.Rows, len(m.Files))
	}
	r, err := a.OpenFile(ctx, "load-ts", m.Files[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// leaves are the Parquet leaf columns of data: path, logical type and
// the non-NULL values as the file stores them (int64 in the column's
// unit, what a loader that reads Parquet types sees).
func leaves(t *testing.T, data []byte) (types []string, values [][]int64) {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	for i := 0; i < pf.MetaData().Schema.NumColumns(); i++ {
		c := pf.MetaData().Schema.Column(i)
		types = append(types, c.Path()+" "+c.LogicalType().String())
		cr, err := pf.RowGroup(0).Column(i)
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]int64, 16)
		defs, reps := make([]int16, 16), make([]int16, 16)
		_, n, err := cr.(*file.Int64ColumnChunkReader).ReadBatch(16, vals, defs, reps)
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, vals[:n])
	}
	return types, values
}

// TestWithCoerceTimestamps: the option writes every timestamp, nested
// ones too, as microseconds (adjusted to UTC where the Arrow type has a
// zone), truncating the nanoseconds; without it nanoseconds stay.
func TestWithCoerceTimestamps(t *testing.T) {
	micros := func(utc string) string {
		return "Timestamp(isAdjustedToUTC=" + utc + ", timeUnit=microseconds, is_from_converted_type=false, force_set_converted_type=false)"
	}
	types, values := leaves(t, stagedParquet(t, WithCoerceTimestamps(arrow.Microsecond)))
	want := []string{"ts " + micros("true"), "dt " + micros("false"), "rec.at " + micros("false"), "seen.list.element " + micros("true")}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("coerced Parquet types:\n got %q\nwant %q", types, want)
	}
	const us = nanoValue / 1000 // 1700000000123456: the nanoseconds truncated
	wantVals := [][]int64{{us}, {us}, {us}, {us, us + 1}}
	if fmt.Sprint(values) != fmt.Sprint(wantVals) {
		t.Errorf("coerced values: got %v, want %v", values, wantVals)
	}
	types, values = leaves(t, stagedParquet(t))
	if !strings.Contains(types[0], "timeUnit=nanoseconds") || values[0][0] != nanoValue {
		t.Errorf("without the option: got %s %v, want nanoseconds %d kept", types[0], values[0], int64(nanoValue))
	}
}

// ownedReader is a Write stream's reader as the SDK's: it owns each
// record and releases it at the next Next. It keeps one more reference
// of its own to every record, so the test can tell whether the consumer
// released a record it did not own (its buffers would be freed while the
// reader still holds it).
type ownedReader struct {
	recs []arrow.RecordBatch
	i    int
}

func (r *ownedReader) Schema() *arrow.Schema { return r.recs[0].Schema() }
func (r *ownedReader) Next() (arrow.RecordBatch, error) {
	if r.i > 0 {
		r.recs[r.i-1].Release() // the reader's own release, as the SDK does
	}
	if r.i == len(r.recs) {
		return nil, io.EOF
	}
	r.i++
	return r.recs[r.i-1], nil
}

// TestWriteAllLeavesRecordsToTheReader: WriteAll writes every record,
// skips empty ones, converts through convert (releasing what convert
// made), and never releases a record of the reader's.
func TestWriteAllLeavesRecordsToTheReader(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	batch := func(vals ...int64) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).AppendValues(vals, nil)
		rec := b.NewRecordBatch()
		rec.Retain() // the test's own reference
		return rec
	}
	for _, convert := range []bool{false, true} {
		t.Run(fmt.Sprintf("convert=%v", convert), func(t *testing.T) {
			r := &ownedReader{recs: []arrow.RecordBatch{batch(1, 2, 3), batch(), batch(4, 5)}}
			a, err := Open(context.Background(), &Config{Type: TypeLocal, Prefix: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			l := a.Load("load-all")
			w, err := l.NewWriter(schema, 0)
			if err != nil {
				t.Fatal(err)
			}
			var conv func(arrow.RecordBatch) (arrow.RecordBatch, error)
			if convert {
				conv = func(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
					return array.NewRecordBatch(rec.Schema(), rec.Columns(), rec.NumRows()), nil // retains the columns
				}
			}
			rows, size, err := w.WriteAll(context.Background(), r, conv)
			if err != nil || rows != 5 || size <= 0 {
				t.Fatalf("WriteAll: %d rows, %d bytes, %v; want 5 rows", rows, size, err)
			}
			if mem.CurrentAlloc() == 0 {
				t.Fatal("the records' buffers were freed while the test still holds them: WriteAll released records it does not own")
			}
			for _, rec := range r.recs {
				rec.Release()
			}
			mem.AssertSize(t, 0)
			if err := l.WriteManifest(context.Background()); err != nil {
				t.Fatal(err)
			}
			m, err := a.Verify(context.Background(), "load-all")
			if err != nil || m.Rows != 5 {
				t.Fatalf("manifest: %+v, %v; want 5 rows", m, err)
			}
		})
	}
}

// TestLoadsFinishAndAbort: Finish forgets a load and removes its files
// unless the area keeps them; Abort removes them kept or not.
func TestLoadsFinishAndAbort(t *testing.T) {
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	for _, tc := range []struct {
		name      string
		keep      bool
		abort     bool
		wantFiles bool
	}{
		{"finish", false, false, false},
		{"finish, keep", true, false, true},
		{"abort, keep", true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &Config{Type: TypeLocal, Prefix: t.TempDir(), Keep: tc.keep}
			a, err := Open(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			var loads Loads
			l := loads.Get(a, "load-1")
			w, err := l.NewWriter(schema, 0)
			if err != nil {
				t.Fatal(err)
			}
			b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
			rec := b.NewRecordBatch()
			b.Release()
			if err := w.Write(ctx, rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := l.WriteManifest(ctx); err != nil {
				t.Fatal(err)
			}
			if tc.abort {
				err = loads.Abort(ctx, st, "load-1")
			} else {
				err = loads.Finish(ctx, st, "load-1")
			}
			if err != nil {
				t.Fatal(err)
			}
			if loads.Len() != 0 {
				t.Errorf("%d loads still held", loads.Len())
			}
			ids, err := a.Loads(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(ids) > 0; got != tc.wantFiles {
				t.Errorf("files left: %v (%v), want %v", got, ids, tc.wantFiles)
			}
		})
	}
}
