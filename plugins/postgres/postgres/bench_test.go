package postgres

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// benchPlans is a mixed row: bigint, text, numeric(18,4), timestamptz,
// bool, double precision, uuid.
var benchPlans = []colPlan{
	planColumn(pgColumn{Name: "id", OID: oidInt8, Typmod: -1, Native: "bigint"}),
	planColumn(pgColumn{Name: "name", OID: oidText, Typmod: -1, Native: "text"}),
	planColumn(pgColumn{Name: "amount", OID: oidNumeric, Typmod: (18<<16 | 4) + 4, Native: "numeric(18,4)"}),
	planColumn(pgColumn{Name: "at", OID: oidTimestamptz, Typmod: -1, Native: "timestamp with time zone"}),
	planColumn(pgColumn{Name: "flag", OID: oidBool, Typmod: -1, Native: "boolean"}),
	planColumn(pgColumn{Name: "score", OID: oidFloat8, Typmod: -1, Native: "double precision"}),
	planColumn(pgColumn{Name: "ref", OID: oidUUID, Typmod: -1, Native: "uuid"}),
}

func benchSchema() *arrow.Schema {
	fields := make([]arrow.Field, len(benchPlans))
	for i, p := range benchPlans {
		fields[i] = p.field
	}
	return arrow.NewSchema(fields, nil)
}

func benchRecord(n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema())
	defer b.Release()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("customer name %06d", i))
		b.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i)*12345 - 5000000))
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(base + int64(i)*1000003))
		b.Field(4).(*array.BooleanBuilder).Append(i%3 == 0)
		if i%10 == 0 {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.Float64Builder).Append(float64(i) / 7)
		}
		b.Field(6).(*array.StringBuilder).Append(fmt.Sprintf("a0eebc99-9c0b-4ef8-bb6d-%012x", i))
	}
	return b.NewRecordBatch()
}

// encodeStream encodes records into one binary COPY stream.
func encodeStream(tb testing.TB, recs ...arrow.RecordBatch) []byte {
	enc := newCopyEncoder(&sliceReader{recs: recs}, nil)
	out, err := io.ReadAll(enc)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// discard is a RecordWriter that drops records.
type discard struct{ rows int64 }

func (d *discard) Schema(*arrow.Schema) error      { return nil }
func (d *discard) Write(r arrow.RecordBatch) error { d.rows += r.NumRows(); return nil }
func (d *discard) Checkpoint([]byte) error         { return nil }
func (d *discard) Progress(int64, int64) error     { return nil }
func (d *discard) Log(sdk.LogLevel, string) error  { return nil }
func (d *discard) BatchBytes() int                 { return 1 << 20 }

// TestCodecRoundTrip: encoder output decodes to the same values.
func TestCodecRoundTrip(t *testing.T) {
	rec := benchRecord(5000)
	defer rec.Release()
	stream := encodeStream(t, rec)
	w := &memWriter{}
	defer w.release()
	bb := sdk.NewBatchBuilder(memory.DefaultAllocator, benchSchema(), w)
	defer bb.Release()
	dec := newCopyDecoder(benchPlans, bb)
	for off := 0; off < len(stream); off += 777 { // odd chunks split tuples
		if _, err := dec.Write(stream[off:min(off+777, len(stream))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := dec.finish(); err != nil {
		t.Fatal(err)
	}
	if err := bb.Flush(); err != nil {
		t.Fatal(err)
	}
	want := recordRows(rec)
	got := w.rows()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if fmt.Sprint(want[i]) != fmt.Sprint(got[i]) {
			t.Fatalf("row %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// BenchmarkDecode measures the binary COPY → Arrow decoder (ns/row).
func BenchmarkDecode(b *testing.B) { benchDecode(b, 10000) }

// benchDecode decodes a COPY stream of rows rows fed in 64 KiB chunks.
func benchDecode(b *testing.B, rows int) {
	rec := benchRecord(rows)
	defer rec.Release()
	stream := encodeStream(b, rec)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bb := sdk.NewBatchBuilder(memory.DefaultAllocator, benchSchema(), &discard{})
		dec := newCopyDecoder(benchPlans, bb)
		for off := 0; off < len(stream); off += 64 << 10 {
			if _, err := dec.Write(stream[off:min(off+64<<10, len(stream))]); err != nil {
				b.Fatal(err)
			}
		}
		if err := bb.Flush(); err != nil {
			b.Fatal(err)
		}
		bb.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}

// BenchmarkEncode measures the Arrow → binary COPY encoder (ns/row).
func BenchmarkEncode(b *testing.B) {
	const rows = 10000
	rec := benchRecord(rows)
	defer rec.Release()
	b.SetBytes(int64(len(encodeStream(b, rec))))
	b.ReportAllocs()
	buf := make([]byte, 64<<10)
	b.ResetTimer()
	for b.Loop() {
		enc := newCopyEncoder(&sliceReader{recs: []arrow.RecordBatch{rec}}, nil)
		for {
			_, err := enc.Read(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}
