package file

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	pqfile "github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/dpone-go/dpone/sdk"
)

// parquetStream reads Parquet files with pqarrow: the schema is the first
// file's own, and every file must have the same columns and types.
type parquetStream struct {
	columns []string
	full    *arrow.Schema // the first file's schema
	schema  *arrow.Schema // after projection
	rows    map[string]int64
}

// parquetFile is an open Parquet file.
type parquetFile struct {
	osf *os.File
	pf  *pqfile.Reader
	fr  *pqarrow.FileReader
}

func (p *parquetFile) Close() {
	p.pf.Close()
	p.osf.Close()
}

// openParquet opens f; a file that is not valid Parquet is a DATA error.
func openParquet(f fileEntry, batchRows int64) (*parquetFile, error) {
	osf, err := os.Open(f.abs)
	if err != nil {
		return nil, openError(f, err)
	}
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	pf, err := pqfile.NewParquetReader(osf, pqfile.WithReadProps(props))
	if err != nil {
		osf.Close()
		return nil, sdk.Errorf(sdk.CodeData, "%s: not a readable Parquet file: %w", f.label(), err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batchRows, Parallel: true}, memory.DefaultAllocator)
	if err != nil {
		pf.Close()
		osf.Close()
		return nil, sdk.Errorf(sdk.CodeData, "%s: not a readable Parquet file: %w", f.label(), err)
	}
	return &parquetFile{osf: osf, pf: pf, fr: fr}, nil
}

func newParquetStream(files []fileEntry, opts Options, columns []string) (*parquetStream, error) {
	if len(opts.Columns) > 0 {
		return nil, sdk.Errorf(sdk.CodeConfig, "source options: columns overrides apply to csv and jsonl files; Parquet files carry their own types")
	}
	p, err := openParquet(files[0], 0)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	full, err := p.fr.Schema()
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeSchema, "%s: %w", files[0].label(), err)
	}
	s := &parquetStream{columns: columns, full: arrow.NewSchema(full.Fields(), nil), rows: map[string]int64{}}
	s.schema = s.full
	if len(columns) > 0 {
		fields := make([]arrow.Field, 0, len(columns))
		for _, c := range columns {
			idx := full.FieldIndices(c)
			if len(idx) == 0 {
				return nil, sdk.Errorf(sdk.CodeNotFound, "column %q not found in %s (columns: %s)", c, files[0].label(), fieldNames(full))
			}
			fields = append(fields, full.Field(idx[0]))
		}
		s.schema = arrow.NewSchema(fields, nil)
	}
	s.rows[files[0].rel] = p.pf.NumRows()
	return s, nil
}

func (s *parquetStream) Schema() *arrow.Schema { return s.schema }

// RowEstimate reads the row counts from the footers: exact.
func (s *parquetStream) RowEstimate(files []fileEntry) int64 {
	var n int64
	for _, f := range files {
		rows, ok := s.rows[f.rel]
		if !ok {
			p, err := openParquet(f, 0)
			if err != nil {
				continue
			}
			rows = p.pf.NumRows()
			p.Close()
			s.rows[f.rel] = rows
		}
		n += rows
	}
	return n
}

func fieldNames(s *arrow.Schema) string {
	n := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		n[i] = f.Name
	}
	return strings.Join(n, ", ")
}

// Read reads every file, row group by row group, in records of about
// out.BatchBytes.
func (s *parquetStream) Read(ctx context.Context, files []fileEntry, out sdk.RecordWriter) error {
	for _, f := range files {
		if err := s.readFile(ctx, f, out); err != nil {
			return err
		}
	}
	return nil
}

func (s *parquetStream) readFile(ctx context.Context, f fileEntry, out sdk.RecordWriter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := openParquet(f, 0)
	if err != nil {
		return err
	}
	defer p.Close()
	got, err := p.fr.Schema()
	if err != nil {
		return sdk.Errorf(sdk.CodeSchema, "%s: %w", f.label(), err)
	}
	if err := sameFields(s.full, got); err != nil {
		return sdk.Errorf(sdk.CodeSchema, "%s: %v (the stream's schema comes from its first file): read it as its own stream or set options.path", f.label(), err)
	}
	if p.pf.NumRows() == 0 {
		return nil
	}
	p.fr.Props.BatchSize = batchRows(p.pf, out.BatchBytes())
	leaves, err := s.leaves(p.fr)
	if err != nil {
		return err
	}
	rr, err := p.fr.GetRecordReader(ctx, leaves, nil)
	if err != nil {
		return sdk.Errorf(sdk.CodeData, "%s: %w", f.label(), err)
	}
	defer rr.Release()
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := s.reorder(rr.RecordBatch())
		err = out.Write(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, context.Canceled) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return sdk.Errorf(sdk.CodeData, "%s: corrupt Parquet data: %w", f.label(), err)
	}
	return ctx.Err()
}

// batchRows is how many rows make about batchBytes, from the row groups'
// uncompressed sizes.
func batchRows(pf *pqfile.Reader, batchBytes int) int64 {
	var size, rows int64
	for i := 0; i < pf.NumRowGroups(); i++ {
		rg := pf.MetaData().RowGroup(i)
		size += rg.TotalByteSize()
		rows += rg.NumRows()
	}
	if size <= 0 || rows <= 0 {
		return 64 << 10
	}
	per := max(size/rows, 1)
	return min(max(int64(batchBytes)/per, 1), 1<<20)
}

// leaves returns the Parquet leaf columns of the projected fields, nil for
// all.
func (s *parquetStream) leaves(fr *pqarrow.FileReader) ([]int, error) {
	if len(s.columns) == 0 {
		return nil, nil
	}
	var out []int
	var walk func(f pqarrow.SchemaField)
	walk = func(f pqarrow.SchemaField) {
		if f.IsLeaf() {
			out = append(out, f.ColIndex)
		}
		for _, c := range f.Children {
			walk(c)
		}
	}
	for _, name := range s.columns {
		for _, f := range fr.Manifest.Fields {
			if f.Field.Name == name {
				walk(f)
			}
		}
	}
	return out, nil
}

// reorder returns rec's columns in the requested order (pqarrow returns
// them in file order) under the stream's schema (without file metadata).
func (s *parquetStream) reorder(rec arrow.RecordBatch) arrow.RecordBatch {
	if len(s.columns) == 0 {
		return arrowRecord(s.schema, rec.Columns(), rec.NumRows())
	}
	cols := make([]arrow.Array, len(s.columns))
	for i, name := range s.columns {
		cols[i] = rec.Column(rec.Schema().FieldIndices(name)[0])
	}
	return arrowRecord(s.schema, cols, rec.NumRows())
}

// sameFields reports how got differs from want, ignoring metadata.
func sameFields(want, got *arrow.Schema) error {
	if want.NumFields() != got.NumFields() {
		return errors.New("columns " + fieldNames(got) + " differ from " + fieldNames(want))
	}
	for i, w := range want.Fields() {
		g := got.Field(i)
		if w.Name != g.Name || !arrow.TypeEqual(w.Type, g.Type) {
			return errors.New("column " + g.Name + " " + g.Type.String() + " differs from " + w.Name + " " + w.Type.String())
		}
	}
	return nil
}
