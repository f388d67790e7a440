package file

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// jsonlStream reads JSON Lines files: one object per line, keys are
// columns. Blank lines are skipped.
type jsonlStream struct {
	opts        Options
	all         []column
	cols        []column
	index       map[string]int // every column name -> projected index, -1 if not projected
	sampleRows  int
	sampleBytes int64
	schema      *arrow.Schema
}

func newJSONLStream(ctx context.Context, files []fileEntry, opts Options, columns []string) (*jsonlStream, error) {
	s := &jsonlStream{opts: opts}
	in, err := s.sample(ctx, files)
	if err != nil {
		return nil, err
	}
	if s.all, err = in.columns(opts.Columns, true); err != nil {
		return nil, err
	}
	if len(s.all) == 0 {
		return nil, sdk.Errorf(sdk.CodeSchema, "%s: no JSON object with keys in the first %d rows: nothing names the columns (set options.columns)",
			files[0].label(), opts.SampleRows)
	}
	if s.cols, err = project(s.all, columns); err != nil {
		return nil, err
	}
	s.index = make(map[string]int, len(s.all))
	for _, c := range s.all {
		s.index[c.name] = -1
	}
	for j, c := range s.cols {
		s.index[c.name] = j
	}
	s.schema = arrowSchema(s.cols)
	return s, nil
}

func (s *jsonlStream) Schema() *arrow.Schema { return s.schema }

func (s *jsonlStream) RowEstimate(files []fileEntry) int64 {
	return sampleEstimate(s.sampleRows, s.sampleBytes, files)
}

// classifyJSON infers the kind of one raw JSON value.
func classifyJSON(raw []byte) (kind, int) {
	switch raw[0] {
	case 'n':
		return kindNull, 0
	case 't', 'f':
		return kindBool, 0
	case '{', '[':
		return kindJSON, 0
	case '"':
		str, err := decodeString(raw)
		if err != nil {
			return kindString, 0
		}
		if k, frac := classifyTemporal(string(str)); k != kindString {
			return k, frac
		}
		return kindString, 0
	}
	if isInt(string(raw)) {
		return kindInt, 0
	}
	return kindFloat, 0
}

// sample infers columns from the first sample_rows objects.
func (s *jsonlStream) sample(ctx context.Context, files []fileEntry) (*inference, error) {
	in := newInference()
	var buf []byte
	for fi, f := range files {
		if in.rows >= s.opts.SampleRows {
			break
		}
		t, err := openText(ctx, f)
		if err != nil {
			return nil, err
		}
		var consumed int64
		for lineNo := 1; in.rows < s.opts.SampleRows; lineNo++ {
			var line []byte
			line, buf, err = readLine(t.Reader, buf)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Close()
				return nil, textError(f, err)
			}
			consumed += int64(len(line)) + 1
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			err = scanObject(line, func(key, raw []byte) error {
				k, frac := classifyJSON(raw)
				in.observe(in.column(string(key)), k, frac)
				return nil
			})
			if err != nil {
				t.Close()
				return nil, dataError(f, lineNo, "%v", err)
			}
			in.rows++
		}
		if fi == 0 && !f.gzip {
			s.sampleRows, s.sampleBytes = in.rows, consumed
		}
		t.Close()
	}
	return in, nil
}

// jsonColumn converts raw JSON values of one column.
type jsonColumn struct {
	name   string
	typ    colType
	b      array.Builder
	text   appendText
	str    *array.StringBuilder // set for string and json columns
	isJSON bool
	isBool bool
}

// append converts one raw JSON value.
func (c *jsonColumn) append(raw []byte) error {
	switch raw[0] {
	case 'n':
		c.b.AppendNull()
		return nil
	case '"':
		if c.isJSON {
			if !utf8.Valid(raw) {
				return invalidUTF8Value(raw)
			}
			c.str.BinaryBuilder.Append(raw)
			return nil
		}
		s, err := decodeString(raw)
		if err != nil {
			return err
		}
		if !utf8.Valid(s) {
			return invalidUTF8Value(s)
		}
		if c.str != nil {
			c.str.BinaryBuilder.Append(s)
			return nil
		}
		return c.text(string(s))
	case '{', '[':
		if c.str == nil {
			return fmt.Errorf("%s is not %s", kindWord(raw[0]), withArticle(typeName(c.typ)))
		}
		if !json.Valid(raw) {
			return fmt.Errorf("invalid JSON %s", shorten(raw))
		}
		c.str.BinaryBuilder.Append(raw)
		return nil
	case 't', 'f':
		if c.isBool {
			c.b.(*array.BooleanBuilder).Append(raw[0] == 't')
			return nil
		}
		if c.str != nil {
			c.str.BinaryBuilder.Append(raw)
			return nil
		}
		return fmt.Errorf("%s is not %s", raw, withArticle(typeName(c.typ)))
	}
	if c.isBool {
		return fmt.Errorf("%s is not a bool", raw)
	}
	if c.str != nil {
		c.str.BinaryBuilder.Append(raw)
		return nil
	}
	return c.text(string(raw))
}

func kindWord(c byte) string {
	if c == '{' {
		return "an object"
	}
	return "an array"
}

func shorten(b []byte) string {
	if len(b) > 64 {
		return string(b[:61]) + "..."
	}
	return string(b)
}

// Read reads every file into byte-sized records.
func (s *jsonlStream) Read(ctx context.Context, files []fileEntry, out sdk.RecordWriter) error {
	b := sdk.NewBatchBuilder(memory.DefaultAllocator, s.schema, out)
	defer b.Release()
	cols := make([]*jsonColumn, len(s.cols))
	for j, c := range s.cols {
		jc := &jsonColumn{name: c.name, typ: c.typ, b: b.Field(j), isJSON: c.typ.logical == "json"}
		jc.text = newAppender(c.typ, jc.b)
		_, jc.isBool = c.typ.dt.(*arrow.BooleanType)
		if sb, ok := jc.b.(*array.StringBuilder); ok && c.typ.logical != "uuid" {
			jc.str = sb
		}
		cols[j] = jc
	}
	seen := make([]int, len(cols))
	var buf []byte
	gen := 0
	for _, f := range files {
		t, err := openText(ctx, f)
		if err != nil {
			return err
		}
		for lineNo := 1; ; lineNo++ {
			var line []byte
			line, buf, err = readLine(t.Reader, buf)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Close()
				return textError(f, err)
			}
			if lineNo%cancelCheckRows == 0 && ctx.Err() != nil {
				t.Close()
				return ctx.Err()
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			gen++
			err = scanObject(line, func(key, raw []byte) error {
				j, ok := s.index[string(key)]
				if !ok {
					return fmt.Errorf("key %q is not in the stream's columns (%s) inferred from the first %d rows: add it to options.columns or raise options.sample_rows",
						key, columnNames(s.all), s.opts.SampleRows)
				}
				if j < 0 {
					return nil
				}
				if seen[j] == gen {
					return fmt.Errorf("key %q appears twice", key)
				}
				seen[j] = gen
				if err := cols[j].append(raw); err != nil {
					return fmt.Errorf("column %q: %w", key, err)
				}
				return nil
			})
			if err != nil {
				t.Close()
				return dataError(f, lineNo, "%v", err)
			}
			for j, c := range cols {
				if seen[j] != gen {
					c.b.AppendNull()
				}
			}
			if err := b.RowDone(); err != nil {
				t.Close()
				return err
			}
		}
		t.Close()
	}
	return b.Flush()
}

// textError classifies an error reading a text file.
func textError(f fileEntry, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return sdk.Errorf(sdk.CodeData, "%s: %w", f.label(), err)
}

// invalidUTF8Value reports the first invalid UTF-8 byte of a string value
// (latin1 text, say), which a sink would refuse with no file or line.
func invalidUTF8Value(v []byte) error {
	at := 0
	for at < len(v) {
		c, size := utf8.DecodeRune(v[at:])
		if c == utf8.RuneError && size <= 1 {
			break
		}
		at += size
	}
	if at >= len(v) {
		at = len(v) - 1
	}
	return fmt.Errorf("invalid UTF-8 (byte 0x%02x at byte %d of the value): the file is not UTF-8; convert it, e.g. iconv -f latin1 -t utf-8", v[at], at+1)
}
