package bigquery

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// rowDecoder turns the REST API's rows (tabledata.list and
// jobs.getQueryResults, JSON cells of text) into Arrow records of the
// schema the Storage Read API gives the same columns (arrowField), so a
// stream has one schema whichever API read it. Timestamps are asked for
// as int64 microseconds (formatOptions.useInt64Timestamp).
type rowDecoder struct {
	fields []*bq.TableFieldSchema
	// pick maps an output column to its cell in a row (nil: in order).
	pick   []int
	schema *arrow.Schema
	b      *array.RecordBuilder
	rows   int
	bytes  int
	cells  cells
}

// cells parses REST cells; emulator is set when the server is an
// emulator (an endpoint override), whose TIMESTAMP text differs.
type cells struct {
	emulator bool
}

// newRowDecoder decodes rows of fields.
func newRowDecoder(fields []*bq.TableFieldSchema) *rowDecoder {
	schema := arrowSchema(&bq.TableSchema{Fields: fields})
	return &rowDecoder{fields: fields, schema: schema, b: array.NewRecordBuilder(memory.DefaultAllocator, schema)}
}

// release frees the builder.
func (d *rowDecoder) release() { d.b.Release() }

// append adds one row.
func (d *rowDecoder) append(r *bq.TableRow) error {
	for i, f := range d.fields {
		j := i
		if d.pick != nil {
			j = d.pick[i]
		}
		if j >= len(r.F) {
			return sdk.Errorf(sdk.CodeData, "bigquery rows: a row has %d cells, want at least %d", len(r.F), j+1)
		}
		n, err := d.cells.appendCell(d.b.Field(i), f, r.F[j].V)
		if err != nil {
			return sdk.Errorf(sdk.CodeData, "bigquery rows: column %s: %w", f.Name, err)
		}
		d.bytes += n
	}
	d.rows++
	return nil
}

// flush returns the rows appended since the last flush as a record.
func (d *rowDecoder) flush() arrow.RecordBatch {
	d.rows, d.bytes = 0, 0
	return d.b.NewRecordBatch()
}

// appendCell appends one cell (a REPEATED field's list, a RECORD's
// struct, or a scalar) and returns about how many bytes it held.
func (c cells) appendCell(b array.Builder, f *bq.TableFieldSchema, v any) (int, error) {
	if f.Mode != "REPEATED" {
		return c.appendValue(b, f, v)
	}
	lb := b.(*array.ListBuilder)
	items, ok := v.([]any)
	if v != nil && !ok {
		return 0, fmt.Errorf("a REPEATED cell is %T, want a list", v)
	}
	lb.Append(true) // BigQuery has no NULL arrays: NULL reads as []
	n := 8
	for _, it := range items {
		m, _ := it.(map[string]any)
		k, err := c.appendValue(lb.ValueBuilder(), f, m["v"])
		if err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}

// appendValue appends one non-repeated value.
func (c cells) appendValue(b array.Builder, f *bq.TableFieldSchema, v any) (int, error) {
	if v == nil {
		b.AppendNull()
		return 1, nil
	}
	if f.Type == "RECORD" || f.Type == "STRUCT" {
		return c.appendRecord(b.(*array.StructBuilder), f, v)
	}
	s, ok := v.(string)
	if !ok {
		if f.Type != "JSON" {
			return 0, fmt.Errorf("a %s cell is %T, want text", f.Type, v)
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		s = string(raw)
	}
	return len(s) + 8, c.appendText(b, f.Type, s)
}

// appendRecord appends a RECORD cell ({"f": [{"v": …}, …]}).
func (c cells) appendRecord(sb *array.StructBuilder, f *bq.TableFieldSchema, v any) (int, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return 0, fmt.Errorf("a RECORD cell is %T, want an object", v)
	}
	cells, _ := m["f"].([]any)
	if len(cells) != len(f.Fields) {
		return 0, fmt.Errorf("a RECORD cell has %d fields, want %d", len(cells), len(f.Fields))
	}
	sb.Append(true)
	n := 0
	for i, cf := range f.Fields {
		cell, _ := cells[i].(map[string]any)
		k, err := c.appendCell(sb.FieldBuilder(i), cf, cell["v"])
		if err != nil {
			return 0, fmt.Errorf("%s: %w", cf.Name, err)
		}
		n += k
	}
	return n, nil
}

// appendText parses one value of a BigQuery type from its REST text.
func (c cells) appendText(b array.Builder, typ, s string) error {
	switch typ {
	case "INTEGER", "INT64":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		b.(*array.Int64Builder).Append(n)
	case "FLOAT", "FLOAT64":
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		b.(*array.Float64Builder).Append(x)
	case "BOOLEAN", "BOOL":
		x, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		b.(*array.BooleanBuilder).Append(x)
	case "BYTES":
		x, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return err
		}
		b.(*array.BinaryBuilder).Append(x)
	case "DATE":
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return err
		}
		b.(*array.Date32Builder).Append(arrow.Date32FromTime(t))
	case "TIME":
		t, err := time.Parse("15:04:05.999999", s)
		if err != nil {
			return err
		}
		b.(*array.Time64Builder).Append(arrow.Time64(t.Sub(t.Truncate(24*time.Hour)) / time.Microsecond))
	case "DATETIME":
		t, err := time.Parse("2006-01-02T15:04:05.999999", strings.Replace(s, " ", "T", 1))
		if err != nil {
			return err
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMicro()))
	case "TIMESTAMP":
		us, err := timestampMicros(s)
		if c.emulator {
			us, err = emulatorTimestamp(s)
		}
		if err != nil {
			return err
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(us))
	case "NUMERIC":
		x, err := decimal128.FromString(s, 38, 9)
		if err != nil {
			return err
		}
		b.(*array.Decimal128Builder).Append(x)
	case "BIGNUMERIC", "BIGDECIMAL":
		x, err := decimal256.FromString(s, 76, 38)
		if err != nil {
			return err
		}
		b.(*array.Decimal256Builder).Append(x)
	default: // STRING, JSON, GEOGRAPHY, INTERVAL, RANGE
		b.(*array.StringBuilder).Append(s)
	}
	return nil
}

// int64Timestamps reports whether REST reads ask for TIMESTAMP cells as
// int64 microseconds (formatOptions.useInt64Timestamp): always against
// BigQuery; not with an endpoint override, because goccy/bigquery-emulator
// v0.6.6 mangles them, while its own text is exact (emulatorTimestamp).
func int64Timestamps(cfg Config) bool { return cfg.Endpoint == "" }

// timestampMicros reads a TIMESTAMP cell: int64 microseconds (what
// useInt64Timestamp asks for), "seconds.fraction" text (exact, truncated
// to microseconds), else float seconds in exponent form ("1.7E9").
func timestampMicros(s string) (int64, error) {
	if us, err := strconv.ParseInt(s, 10, 64); err == nil {
		return us, nil
	}
	if sec, frac, ok := strings.Cut(s, "."); ok && !strings.ContainsAny(s, "eE") {
		n, err1 := strconv.ParseInt(sec, 10, 64)
		f, err2 := strconv.ParseInt((frac + "000000")[:6], 10, 64)
		if err1 == nil && err2 == nil && f >= 0 {
			if strings.HasPrefix(sec, "-") {
				return n*1e6 - f, nil
			}
			return n*1e6 + f, nil
		}
	}
	if sec, err := strconv.ParseFloat(s, 64); err == nil {
		return int64(math.Round(sec * 1e6)), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("timestamp %q: want microseconds, seconds or RFC 3339", s)
	}
	return t.UnixMicro(), nil
}

// emulatorTimestamp reads goccy/bigquery-emulator's TIMESTAMP text,
// "seconds.microseconds" with the microseconds an integer ("1.1" is one
// second and one microsecond; "-1.-500000" is -1.5 s).
func emulatorTimestamp(s string) (int64, error) {
	sec, us, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("timestamp %q: want the emulator's seconds.microseconds", s)
	}
	var m int64
	if us != "" {
		if m, err = strconv.ParseInt(us, 10, 64); err != nil {
			return 0, fmt.Errorf("timestamp %q: want the emulator's seconds.microseconds", s)
		}
	}
	return n*1e6 + m, nil
}
