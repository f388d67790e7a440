package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/host/connector/v1convert"
)

// Preview formats.
const (
	formatTable = "table"
	formatJSONL = "jsonl"
)

// maxCell is the widest a table cell gets before it is cut with "…".
const maxCell = 40

// preview renders the first rows of Arrow records as a table (buffered,
// aligned) or as JSON lines (streamed).
type preview struct {
	out    io.Writer
	format string
	limit  int // 0: no limit
	fields []arrow.Field
	cells  [][]string // table rows
	rows   int
}

func newPreview(out io.Writer, format string, limit int) (*preview, error) {
	if format != formatTable && format != formatJSONL {
		return nil, usagef("--format %q: want %s or %s", format, formatTable, formatJSONL)
	}
	return &preview{out: out, format: format, limit: limit}, nil
}

// full reports whether the preview has its limit of rows.
func (p *preview) full() bool { return p.limit > 0 && p.rows >= p.limit }

// add renders rec's rows, up to the limit.
func (p *preview) add(rec arrow.RecordBatch) error {
	if p.fields == nil {
		p.fields = rec.Schema().Fields()
	}
	for i := 0; i < int(rec.NumRows()) && !p.full(); i++ {
		if p.format == formatJSONL {
			if err := p.writeJSON(rec, i); err != nil {
				return err
			}
		} else {
			row := make([]string, rec.NumCols())
			for c, col := range rec.Columns() {
				row[c] = cell(col, i)
			}
			p.cells = append(p.cells, row)
		}
		p.rows++
	}
	return nil
}

func (p *preview) writeJSON(rec arrow.RecordBatch, i int) error {
	var b bytes.Buffer
	b.WriteByte('{')
	for c, col := range rec.Columns() {
		if c > 0 {
			b.WriteByte(',')
		}
		k, _ := marshalJSON(rec.ColumnName(c))
		b.Write(k)
		b.WriteByte(':')
		v, err := jsonValue(rec.Schema().Field(c), col, i)
		if err != nil {
			return fmt.Errorf("column %s row %d: %w", rec.ColumnName(c), p.rows, err)
		}
		b.Write(v)
	}
	b.WriteString("}\n")
	_, err := p.out.Write(b.Bytes())
	return err
}

// flush writes the buffered table; schema gives the header when no rows came.
func (p *preview) flush(schema *arrow.Schema) error {
	if p.format != formatTable {
		return nil
	}
	fields := p.fields
	if fields == nil && schema != nil {
		fields = schema.Fields()
	}
	tw := tabwriter.NewWriter(p.out, 0, 4, 2, ' ', 0)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	fmt.Fprintln(tw, strings.Join(names, "\t"))
	for _, row := range p.cells {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// cell formats one value for the table: NULL, exact decimals, and text cut
// to maxCell runes with tabs and newlines escaped.
func cell(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return "NULL"
	}
	s := valueString(col, i)
	s = strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
	if utf8.RuneCountInString(s) > maxCell {
		r := []rune(s)
		s = string(r[:maxCell-1]) + "…"
	}
	return s
}

func valueString(col arrow.Array, i int) string {
	switch a := col.(type) {
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Decimal256:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale)
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	}
	return col.ValueStr(i)
}

// jsonValue encodes one value for JSON lines: decimals as exact strings,
// json-typed columns embedded as JSON, everything else as Arrow marshals it.
func jsonValue(f arrow.Field, col arrow.Array, i int) ([]byte, error) {
	if col.IsNull(i) {
		return []byte("null"), nil
	}
	switch col.(type) {
	case *array.Decimal128, *array.Decimal256:
		return marshalJSON(valueString(col, i))
	}
	if v1convert.IsJSON(f) {
		if s := valueString(col, i); json.Valid([]byte(s)) {
			return []byte(s), nil
		}
	}
	return marshalJSON(col.GetOneForMarshal(i))
}

// marshalJSON is json.Marshal without HTML escaping: previews show "<"
// as "<", not "\u003c".
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
