package file

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// csvStream reads CSV files (encoding/csv, as arrow/csv does, converting
// fields straight into Arrow builders so errors can name line and column).
type csvStream struct {
	opts        Options
	all         []column // every column of the stream
	cols        []column // the projected columns
	nulls       map[string]bool
	onlyEmpty   bool // null_values is [""]: a fast path
	sampleRows  int
	sampleBytes int64
	schema      *arrow.Schema
}

func newCSVStream(ctx context.Context, files []fileEntry, opts Options, columns []string) (*csvStream, error) {
	s := &csvStream{opts: opts, nulls: map[string]bool{}}
	for _, v := range opts.NullValues {
		s.nulls[v] = true
	}
	s.onlyEmpty = len(opts.NullValues) == 1 && opts.NullValues[0] == ""
	in, err := s.sample(ctx, files)
	if err != nil {
		return nil, err
	}
	if s.all, err = in.columns(opts.Columns, false); err != nil {
		return nil, err
	}
	if s.cols, err = project(s.all, columns); err != nil {
		return nil, err
	}
	s.schema = arrowSchema(s.cols)
	return s, nil
}

func (s *csvStream) Schema() *arrow.Schema { return s.schema }

func (s *csvStream) RowEstimate(files []fileEntry) int64 {
	return sampleEstimate(s.sampleRows, s.sampleBytes, files)
}

func (s *csvStream) isNull(v string) bool {
	if s.onlyEmpty {
		return v == ""
	}
	return s.nulls[v]
}

// comma is the field delimiter of file f.
func (s *csvStream) comma(f fileEntry) rune {
	if s.opts.Delimiter != "" {
		return []rune(s.opts.Delimiter)[0]
	}
	return f.delim
}

// reader opens a CSV reader on a file.
func (s *csvStream) reader(t *textFile, f fileEntry) *csv.Reader {
	r := csv.NewReader(t)
	r.Comma = s.comma(f)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	return r
}

// header reads or makes the column names of a file: the first record when
// options.header is true, else column1..columnN.
func (s *csvStream) header(r *csv.Reader, f fileEntry) ([]string, []string, error) {
	first, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, s.csvError(f, err)
	}
	first = slices.Clone(first)
	if *s.opts.Header {
		seen := make(map[string]bool, len(first))
		for i, n := range first {
			if n == "" {
				first[i] = fmt.Sprintf("column%d", i+1)
			}
			if seen[first[i]] {
				return nil, nil, sdk.Errorf(sdk.CodeSchema, "%s:1: column %q appears twice in the header", f.label(), first[i])
			}
			seen[first[i]] = true
		}
		return first, nil, nil
	}
	names := make([]string, len(first))
	for i := range first {
		names[i] = fmt.Sprintf("column%d", i+1)
	}
	return names, first, nil
}

// sample infers the column kinds from the first sample_rows rows.
func (s *csvStream) sample(ctx context.Context, files []fileEntry) (*inference, error) {
	in := newInference()
	observe := func(rec []string) {
		for i, v := range rec {
			if i < len(in.names) && !s.isNull(v) {
				k, frac := classifyText(v)
				in.observe(i, k, frac)
			}
		}
		in.rows++
	}
	for fi, f := range files {
		if in.rows >= s.opts.SampleRows {
			break
		}
		t, err := openText(ctx, f)
		if err != nil {
			return nil, err
		}
		r := s.reader(t, f)
		names, firstRow, err := s.header(r, f)
		if err != nil {
			t.Close()
			return nil, err
		}
		for _, n := range names {
			in.column(n)
		}
		if firstRow != nil {
			observe(firstRow)
		}
		for in.rows < s.opts.SampleRows {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Close()
				return nil, s.csvError(f, err)
			}
			observe(rec)
		}
		if fi == 0 && !f.gzip { // compressed sizes do not extrapolate
			s.sampleRows, s.sampleBytes = in.rows, r.InputOffset()
		}
		t.Close()
	}
	if len(in.names) == 0 {
		return nil, sdk.Errorf(sdk.CodeSchema, "%s: empty CSV file: no header to name the columns", files[0].label())
	}
	return in, nil
}

// Read reads every file into byte-sized records.
func (s *csvStream) Read(ctx context.Context, files []fileEntry, out sdk.RecordWriter) error {
	b := sdk.NewBatchBuilder(memory.DefaultAllocator, s.schema, out)
	defer b.Release()
	appenders := make([]appendText, len(s.cols))
	builders := make([]array.Builder, len(s.cols))
	for j, c := range s.cols {
		builders[j] = b.Field(j)
		appenders[j] = newAppender(c.typ, builders[j])
	}
	for _, f := range files {
		if err := s.readFile(ctx, f, b, appenders, builders); err != nil {
			return err
		}
	}
	return b.Flush()
}

func (s *csvStream) readFile(ctx context.Context, f fileEntry, b *sdk.BatchBuilder, appenders []appendText, builders []array.Builder) error {
	t, err := openText(ctx, f)
	if err != nil {
		return err
	}
	defer t.Close()
	r := s.reader(t, f)
	names, firstRow, err := s.header(r, f)
	if err != nil || names == nil {
		return err
	}
	// src[j] is the field index in this file of projected column j, -1
	// when the file lacks the column (read as NULL).
	pos := make(map[string]int, len(names))
	for i, n := range names {
		pos[n] = i
	}
	for _, n := range names {
		if !slices.ContainsFunc(s.all, func(c column) bool { return c.name == n }) {
			return sdk.Errorf(sdk.CodeSchema, "%s: column %q is not in the stream's columns (%s) inferred from the first %d rows: raise options.sample_rows or read this file as its own stream",
				f.label(), n, columnNames(s.all), s.opts.SampleRows)
		}
	}
	src := make([]int, len(s.cols))
	for j, c := range s.cols {
		src[j] = -1
		if i, ok := pos[c.name]; ok {
			src[j] = i
		}
	}
	row := func(rec []string) error {
		if len(rec) != len(names) {
			line, _ := r.FieldPos(0)
			return dataError(f, line, "has %d fields, the header has %d", len(rec), len(names))
		}
		for j, i := range src {
			if i < 0 || s.isNull(rec[i]) {
				builders[j].AppendNull()
				continue
			}
			if !utf8.ValidString(rec[i]) {
				return invalidUTF8(f, r, i, s.cols[j].name, rec[i])
			}
			if err := appenders[j](rec[i]); err != nil {
				line, _ := r.FieldPos(i)
				return dataError(f, line, "column %q: %v", s.cols[j].name, err)
			}
		}
		return b.RowDone()
	}
	if firstRow != nil {
		if err := row(firstRow); err != nil {
			return err
		}
	}
	for n := 1; ; n++ {
		if n%cancelCheckRows == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return s.csvError(f, err)
		}
		if err := row(rec); err != nil {
			return err
		}
	}
}

// csvError turns a CSV syntax error into a DATA error with file and line.
func (s *csvStream) csvError(f fileEntry, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine < pe.Line {
			// The reader only notices at the end of the file (or of the
			// next quote): the news is where the quote opened.
			if line, col, ok := s.unclosedQuote(f, pe.StartLine); ok {
				return sdk.Errorf(sdk.CodeData, "%s:%d:%d: this quote opens a field that is never closed "+
					"(a quote inside a quoted field must be doubled; parsing gave up at line %d, column %d)",
					f.label(), line, col, pe.Line, pe.Column)
			}
			return dataError(f, pe.StartLine, "a quoted field opened in the record starting on this line is never closed "+
				"(a quote inside a quoted field must be doubled; parsing gave up at line %d, column %d)", pe.Line, pe.Column)
		}
		return dataError(f, pe.Line, "column %d: %v", pe.Column, pe.Err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return sdk.Errorf(sdk.CodeData, "%s: %w", f.label(), err)
}

func columnNames(cols []column) string {
	n := make([]string, len(cols))
	for i, c := range cols {
		n[i] = c.name
	}
	return strings.Join(n, ", ")
}

// invalidUTF8 reports the first invalid UTF-8 byte of field i as
// file:line:column (the column counts bytes from the field's start, which
// is exact for unquoted fields), so a latin1 file fails here, naming the
// place, instead of at the sink with no file or line.
func invalidUTF8(f fileEntry, r *csv.Reader, i int, name, v string) error {
	at := 0
	for at < len(v) {
		c, size := utf8.DecodeRuneInString(v[at:])
		if c == utf8.RuneError && size <= 1 {
			break
		}
		at += size
	}
	line, col := r.FieldPos(i)
	return sdk.Errorf(sdk.CodeData, "%s:%d:%d: column %q: invalid UTF-8 (byte 0x%02x): the file is not UTF-8; convert it, e.g. iconv -f latin1 -t utf-8",
		f.label(), line, col+at, name, v[at])
}
