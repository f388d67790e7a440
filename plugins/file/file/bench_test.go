package file

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// countWriter is a RecordWriter that only counts, so benchmarks measure
// reading and conversion.
type countWriter struct{ rows int64 }

func (w *countWriter) Schema(*arrow.Schema) error        { return nil }
func (w *countWriter) Write(rec arrow.RecordBatch) error { w.rows += rec.NumRows(); return nil }
func (w *countWriter) Checkpoint([]byte) error           { return nil }
func (w *countWriter) Progress(int64, int64) error       { return nil }
func (w *countWriter) Log(sdk.LogLevel, string) error    { return nil }
func (w *countWriter) BatchBytes() int                   { return 1 << 20 }

const benchRows = 500_000

// benchRead reads stream under root b.N times and reports rows/s and MB/s
// (of file bytes).
func benchRead(b *testing.B, root, stream, options string, size int64) {
	b.Helper()
	b.SetBytes(size)
	b.ResetTimer()
	var rows int64
	for b.Loop() {
		w := &countWriter{}
		err := New().(*Connector).Read(b.Context(), sdk.ReadRequest{Config: configJSON(root), Stream: stream,
			Options: []byte(options)}, w)
		if err != nil {
			b.Fatal(err)
		}
		rows += w.rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// mixedCSV writes benchRows rows of mixed types: int, string, float,
// timestamp with zone, bool.
func mixedCSV(b *testing.B) (string, int64) {
	root := b.TempDir()
	var sb strings.Builder
	sb.WriteString("id,name,amount,created_at,active\n")
	for i := 0; i < benchRows; i++ {
		fmt.Fprintf(&sb, "%d,customer-%d,%d.%02d,2024-01-%02dT10:%02d:%02dZ,%t\n", i, i, i%10000, i%100, i%28+1, i%60, i%60, i%2 == 0)
	}
	p := filepath.Join(root, "bench.csv")
	os.WriteFile(p, []byte(sb.String()), 0o644)
	return root, int64(sb.Len())
}

func BenchmarkReadCSV(b *testing.B) {
	root, size := mixedCSV(b)
	benchRead(b, root, "bench", "", size)
}

func BenchmarkReadCSVDecimal(b *testing.B) {
	root, size := mixedCSV(b)
	benchRead(b, root, "bench", `{"columns": {"amount": "decimal(18,2)"}}`, size)
}

func BenchmarkReadJSONL(b *testing.B) {
	root := b.TempDir()
	var sb strings.Builder
	for i := 0; i < benchRows; i++ {
		fmt.Fprintf(&sb, `{"id": %d, "name": "customer-%d", "amount": %d.%02d, "created_at": "2024-01-%02dT10:%02d:%02dZ", "active": %t}`+"\n",
			i, i, i%10000, i%100, i%28+1, i%60, i%60, i%2 == 0)
	}
	os.WriteFile(filepath.Join(root, "bench.jsonl"), []byte(sb.String()), 0o644)
	benchRead(b, root, "bench", "", int64(sb.Len()))
}

func BenchmarkReadParquet(b *testing.B) {
	root := b.TempDir()
	p := filepath.Join(root, "bench.parquet")
	writeParquet(b, p, 0, benchRows, 128<<10)
	fi, _ := os.Stat(p)
	benchRead(b, root, "bench", "", fi.Size())
}
