package logical

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func testRecord(t testing.TB, n int) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: arrow.NewMetadata([]string{"dpone.logical"}, []string{"json"})},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	for i := 0; i < n; i++ {
		rb.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%5 == 0 {
			rb.Field(1).AppendNull()
			rb.Field(2).AppendNull()
			rb.Field(3).AppendNull()
			continue
		}
		rb.Field(1).(*array.StringBuilder).Append(strings.Repeat("é", i%7))
		rb.Field(2).(*array.BooleanBuilder).Append(i%2 == 0)
		lb := rb.Field(3).(*array.ListBuilder)
		lb.Append(true)
		for j := 0; j < i%3; j++ {
			lb.ValueBuilder().(*array.Int32Builder).Append(int32(j))
		}
	}
	return rb.NewRecordBatch()
}

func TestDecodeBatchRoundTrip(t *testing.T) {
	full := testRecord(t, 1000)
	defer full.Release()
	tests := []struct {
		name string
		rec  arrow.RecordBatch
	}{
		{"whole", full},
		{"slice with offset", full.NewSlice(333, 777)},
		{"empty", full.NewSlice(0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeBatch(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeBatch(b, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer got.Release()
			if !array.RecordEqual(got, tt.rec) {
				t.Errorf("got %v, want %v", got, tt.rec)
			}
			if !got.Schema().Equal(tt.rec.Schema()) || !got.Schema().Field(1).Metadata.Equal(tt.rec.Schema().Field(1).Metadata) {
				t.Errorf("got schema %v, want %v", got.Schema(), tt.rec.Schema())
			}
		})
	}
}

// The decoded record aliases the input bytes: no copy of the batch.
func TestDecodeBatchAliasesInput(t *testing.T) {
	rec := testRecord(t, 10)
	defer rec.Release()
	b, err := EncodeBatch(rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBatch(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	ids := got.Column(0).(*array.Int64).Int64Values()
	for i := range b {
		if b[i] == 7 && len(b)-i >= 8 && b[i+1] == 0 && b[i+2] == 0 && b[i+3] == 0 && b[i+4] == 0 && b[i+5] == 0 && b[i+6] == 0 && b[i+7] == 0 && ids[7] == 7 {
			b[i] = 99
			if ids[7] == 99 {
				return
			}
			b[i] = 7
		}
	}
	t.Errorf("decoded id column does not alias the input bytes")
}

func TestDecodeBatchMalformed(t *testing.T) {
	rec := testRecord(t, 100)
	defer rec.Release()
	b, err := EncodeBatch(rec)
	if err != nil {
		t.Fatal(err)
	}
	schemaOnly, err := SchemaMessage(rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"schema only", schemaOnly.GetArrowSchema()},
		{"truncated body", b[:len(b)-200]},
		{"truncated metadata", b[:12]},
		{"garbage", []byte("\xff\xff\xff\xff\x10\x00\x00\x00garbage garbage!")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeBatch(tt.b, nil)
			if err == nil {
				got.Release()
				t.Fatalf("got a record, want an error")
			}
		})
	}
}

// BenchmarkDecodeBatch decodes a ~1 MiB batch (the protocol's batch size).
func BenchmarkDecodeBatch(b *testing.B) {
	rec := testRecord(b, 40000)
	defer rec.Release()
	buf, err := EncodeBatch(rec)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := DecodeBatch(buf, nil)
		if err != nil {
			b.Fatal(err)
		}
		got.Release()
	}
}
