package file

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

var parquetTestSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

// writeParquet writes rows [from, to) of a test table to path.
func writeParquet(t testing.TB, path string, from, to int, rowGroup int64) {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, parquetTestSchema)
	defer b.Release()
	for i := from; i < to; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%3 == 2 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append("name-" + string(rune('a'+i%26)))
		}
		b.Field(2).(*array.Decimal128Builder).Append(decimalOf(int64(i)*12345, 0))
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i) * 1_000_000))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(rowGroup))
	w, err := pqarrow.NewFileWriter(parquetTestSchema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestParquetReadFull(t *testing.T) {
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "items_1.parquet"), 0, 3, 2)
	writeParquet(t, filepath.Join(root, "items_2.parquet"), 3, 4, 2)
	rec := mustRead(t, root, "items", "")
	if diff := cmp.Diff([]string{"id int64", "name string", "price decimal(18,4)", "at timestamp(6, tz)"}, schemaText(rec.schema)); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	want := [][]string{
		{"0", "name-a", "0", "1970-01-01T00:00:00Z"},
		{"1", "name-b", "1.2345", "1970-01-01T00:00:01Z"},
		{"2", "NULL", "2.469", "1970-01-01T00:00:02Z"},
		{"3", "name-d", "3.7035", "1970-01-01T00:00:03Z"},
	}
	if diff := cmp.Diff(want, rec.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestParquetProjection(t *testing.T) {
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "items.parquet"), 0, 2, 10)
	rec := &recorder{}
	err := New().(*Connector).Read(t.Context(), sdk.ReadRequest{Config: configJSON(root), Stream: "items", Columns: []string{"name", "id"}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"name-a", "0"}, {"name-b", "1"}}, rec.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	err = New().(*Connector).Read(t.Context(), sdk.ReadRequest{Config: configJSON(root), Stream: "items", Columns: []string{"nope"}}, &recorder{})
	wantError(t, err, sdk.CodeNotFound, `column "nope" not found in items.parquet (columns: id, name, price, at)`)
}

func TestParquetBatchesBySize(t *testing.T) {
	root := t.TempDir()
	writeParquet(t, filepath.Join(root, "big.parquet"), 0, 100000, 30000)
	rec := &recorder{batchBytes: 256 << 10}
	err := New().(*Connector).Read(t.Context(), sdk.ReadRequest{Config: configJSON(root), Stream: "big"}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.rows) != 100000 {
		t.Fatalf("got %d rows, want 100000", len(rec.rows))
	}
	if rec.batches < 5 {
		t.Errorf("got %d batches of ~256KiB for ~3.5MB of data, want at least 5", rec.batches)
	}
}

func TestParquetBadFiles(t *testing.T) {
	t.Run("corrupt", func(t *testing.T) {
		root := writeFiles(t, map[string]string{"bad.parquet": "PAR1 this is not parquet at all PAR1"})
		_, err := read(t, root, "bad", "")
		wantError(t, err, sdk.CodeData, "bad.parquet: not a readable Parquet file")
	})
	t.Run("truncated", func(t *testing.T) {
		root := t.TempDir()
		p := filepath.Join(root, "cut.parquet")
		writeParquet(t, p, 0, 1000, 100)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:len(b)/2], 0o644)
		_, err := read(t, root, "cut", "")
		wantError(t, err, sdk.CodeData, "cut.parquet")
	})
	t.Run("different schema", func(t *testing.T) {
		root := writeFiles(t, map[string]string{})
		writeParquet(t, filepath.Join(root, "m_1.parquet"), 0, 1, 10)
		other := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, nil)
		f, _ := os.Create(filepath.Join(root, "m_2.parquet"))
		w, err := pqarrow.NewFileWriter(other, f, nil, pqarrow.DefaultWriterProps())
		if err != nil {
			t.Fatal(err)
		}
		w.Close()
		_, err = read(t, root, "m", "")
		wantError(t, err, sdk.CodeSchema, "m_2.parquet: columns id differ from id, name, price, at")
	})
	t.Run("overrides refused", func(t *testing.T) {
		root := t.TempDir()
		writeParquet(t, filepath.Join(root, "o.parquet"), 0, 1, 10)
		_, err := read(t, root, "o", `{"columns": {"id": "string"}}`)
		wantError(t, err, sdk.CodeConfig, "Parquet files carry their own types")
	})
}
