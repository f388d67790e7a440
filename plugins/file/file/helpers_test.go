package file

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// recorder is a RecordWriter that keeps everything a Read sends.
type recorder struct {
	batchBytes  int
	schema      *arrow.Schema
	rows        [][]string
	batches     int
	checkpoints []string
	progress    []int64
	onWrite     func()
}

func (r *recorder) Schema(s *arrow.Schema) error {
	if r.schema == nil {
		r.schema = s
	}
	return nil
}

func (r *recorder) Write(rec arrow.RecordBatch) error {
	if r.schema == nil {
		r.schema = rec.Schema()
	}
	if rec.NumRows() == 0 {
		return nil
	}
	r.batches++
	r.rows = append(r.rows, rowsOf(rec)...)
	if r.onWrite != nil {
		r.onWrite()
	}
	return nil
}

func (r *recorder) Checkpoint(state []byte) error {
	r.checkpoints = append(r.checkpoints, string(state))
	return nil
}

func (r *recorder) Progress(rows, _ int64) error {
	r.progress = append(r.progress, rows)
	return nil
}

func (r *recorder) Log(sdk.LogLevel, string) error { return nil }

func (r *recorder) BatchBytes() int {
	if r.batchBytes == 0 {
		return 1 << 20
	}
	return r.batchBytes
}

// rowsOf renders a record's values as text, NULL for nulls.
func rowsOf(rec arrow.RecordBatch) [][]string {
	out := make([][]string, rec.NumRows())
	for i := range out {
		row := make([]string, rec.NumCols())
		for j, col := range rec.Columns() {
			if col.IsNull(i) {
				row[j] = "NULL"
			} else {
				row[j] = col.ValueStr(i)
			}
		}
		out[i] = row
	}
	return out
}

// schemaText renders a schema as "name type[ logical]" lines.
func schemaText(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		line := f.Name + " " + typeName(colType{dt: f.Type})
		if v, ok := f.Metadata.GetValue(metaLogical); ok {
			line += " " + v
		}
		out = append(out, line)
	}
	return out
}

// writeFiles writes name -> content under a new temp dir and returns it.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func configJSON(root string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"root": root})
	return b
}

// read runs a full Read of stream with options (JSON, may be "").
func read(t testing.TB, root, stream, options string) (*recorder, error) {
	t.Helper()
	rec := &recorder{}
	err := New().(*Connector).Read(context.Background(), sdk.ReadRequest{
		Config: configJSON(root), Stream: stream, Mode: sdk.ReadFull, Options: json.RawMessage(options),
	}, rec)
	return rec, err
}

// mustRead is read that fails the test on error.
func mustRead(t testing.TB, root, stream, options string) *recorder {
	t.Helper()
	rec, err := read(t, root, stream, options)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return rec
}

// wantError checks err's code and that its message contains every part.
func wantError(t *testing.T, err error, code sdk.Code, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s error containing %q", code, parts)
	}
	var e *sdk.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error without code: %v", err)
	}
	if e.Code != code {
		t.Errorf("got code %s, want %s (%v)", e.Code, code, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("got error %q, want it to contain %q", err, p)
		}
	}
}

// decimalOf makes a decimal128 from an unscaled value.
func decimalOf(unscaled int64, _ int) decimal128.Num { return decimal128.FromI64(unscaled) }

func splitSlash(s string) []string { return strings.Split(s, "/") }

// convertOne converts one text value to type ct and renders it.
func convertOne(ct colType, s string) (string, error) {
	b := array.NewBuilder(memory.DefaultAllocator, ct.dt)
	defer b.Release()
	if err := newAppender(ct, b)(s); err != nil {
		return "", err
	}
	arr := b.NewArray()
	defer arr.Release()
	return arr.ValueStr(0), nil
}
