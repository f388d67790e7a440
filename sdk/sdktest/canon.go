package sdktest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"

	"github.com/dpone-go/dpone/proto/logical"
)

// A row is canonical when every value is a string that two systems agree
// on exactly when they hold the same value of the column's type: decimals
// at the column's scale, timestamps as UTC instants at the column's
// precision, JSON re-encoded with sorted keys, NULL distinct from "".
type row map[string]string

const nullValue = "\x00NULL"

// decimalValue is a decimal read from Arrow, as exact text.
type decimalValue string

// canon renders v as the canonical text of a value of type dt (with field
// metadata md). v is a Go value: from Arrow (valueAt), from a fixture's
// JSON (json.Number, string, bool, nil, map, slice) or from a Go reader.
func canon(dt arrow.DataType, md arrow.Metadata, v any) (string, error) {
	if v == nil {
		return nullValue, nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nullValue, nil
		}
		return canon(dt, md, rv.Elem().Interface())
	}
	switch t := dt.(type) {
	case *arrow.BooleanType:
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x), nil
		case string:
			b, err := strconv.ParseBool(x)
			return strconv.FormatBool(b), err
		}
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type:
		r, err := toRat(v)
		if err != nil {
			return "", err
		}
		if !r.IsInt() {
			return "", fmt.Errorf("%v is not an integer", v)
		}
		return r.Num().String(), nil
	case *arrow.Float16Type, *arrow.Float32Type, *arrow.Float64Type:
		bits := 64
		if dt.ID() != arrow.FLOAT64 {
			bits = 32
		}
		return canonFloat(v, bits)
	case arrow.DecimalType:
		r, err := toRat(v)
		if err != nil {
			return "", err
		}
		return decimalText(r, int(t.GetScale())), nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		switch metaLogical(md) {
		case logical.LogicalJSON:
			return canonJSON(v)
		case logical.LogicalUUID:
			s, err := toText(v)
			return strings.ToLower(s), err
		}
		return toText(v)
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		switch x := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(x), nil
		case string:
			if metaLogical(md) == logical.LogicalUUID {
				return strings.ToLower(x), nil
			}
			if _, err := base64.StdEncoding.DecodeString(x); err != nil {
				return "", fmt.Errorf("binary value %q is not base64", x)
			}
			return x, nil
		}
	case *arrow.Date32Type, *arrow.Date64Type:
		tm, err := toTime(v, false)
		if err != nil {
			return "", err
		}
		return tm.Format(time.DateOnly), nil
	case *arrow.TimestampType:
		tm, err := toTime(v, t.TimeZone != "")
		if err != nil {
			return "", err
		}
		// Never truncated to the column's unit: a value read from Arrow is
		// exact at its unit already, and a fixture value finer than the
		// unit the plugin exposes is precision the plugin lost.
		tm = tm.UTC()
		s := tm.Format("2006-01-02T15:04:05.000000000")
		if t.TimeZone != "" {
			s += "Z"
		}
		return s, nil
	case *arrow.Time32Type, *arrow.Time64Type:
		switch x := v.(type) {
		case time.Duration:
			return (time.Time{}).Add(x).Format("15:04:05.000000000"), nil
		case string:
			tm, err := time.Parse("15:04:05.999999999", x)
			if err != nil {
				return "", err
			}
			return tm.Format("15:04:05.000000000"), nil
		case time.Time:
			return x.Format("15:04:05.000000000"), nil
		}
	}
	return canonJSON(v)
}

func metaLogical(md arrow.Metadata) string {
	if i := md.FindKey(logical.MetaLogical); i >= 0 {
		return md.Values()[i]
	}
	return ""
}

func unitDuration(u arrow.TimeUnit) time.Duration {
	switch u {
	case arrow.Second:
		return time.Second
	case arrow.Millisecond:
		return time.Millisecond
	case arrow.Microsecond:
		return time.Microsecond
	}
	return time.Nanosecond
}

func toText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case json.Number:
		return x.String(), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return fmt.Sprint(v), nil
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	time.DateOnly,
}

// toTime reads a date or timestamp. Text without a zone is UTC.
func toTime(v any, _ bool) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		s := strings.TrimSpace(x)
		for _, l := range timeLayouts {
			if tm, err := time.Parse(l, s); err == nil {
				return tm, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a date or timestamp", s)
	}
	return time.Time{}, fmt.Errorf("%v (%T) is not a date or timestamp", v, v)
}

// canonJSON re-encodes a JSON value (text or Go value) with sorted keys and
// exact numbers.
func canonJSON(v any) (string, error) {
	var raw []byte
	switch x := v.(type) {
	case string:
		raw = []byte(x)
	case []byte:
		raw = x
	case json.RawMessage:
		raw = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		raw = b
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var any any
	if err := dec.Decode(&any); err != nil {
		if s, ok := v.(string); ok {
			return "", fmt.Errorf("json value %q: %w", s, err)
		}
		return "", err
	}
	b, err := json.Marshal(any) // maps marshal with sorted keys
	return string(b), err
}

// valueAt returns the Go value of arr[i] (nil for NULL) for canon.
func valueAt(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		t := a.DataType().(*arrow.Decimal128Type)
		return decimalValue(decimal128.Num(a.Value(i)).ToString(t.Scale))
	case *array.Decimal256:
		t := a.DataType().(*arrow.Decimal256Type)
		return decimalValue(decimal256.Num(a.Value(i)).ToString(t.Scale))
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return a.Value(i)
	case *array.LargeBinary:
		return a.Value(i)
	case *array.BinaryView:
		return a.Value(i)
	case *array.FixedSizeBinary:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime()
	case *array.Date64:
		return a.Value(i).ToTime()
	case *array.Timestamp:
		t := a.DataType().(*arrow.TimestampType)
		return a.Value(i).ToTime(t.Unit)
	case *array.Time32:
		t := a.DataType().(*arrow.Time32Type)
		return time.Duration(a.Value(i)) * unitDuration(t.Unit)
	case *array.Time64:
		t := a.DataType().(*arrow.Time64Type)
		return time.Duration(a.Value(i)) * unitDuration(t.Unit)
	}
	v := arr.GetOneForMarshal(i)
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return json.RawMessage(b)
}

// recordRows appends the canonical rows of rec.
func recordRows(rec arrow.RecordBatch, out []row) ([]row, error) {
	s := rec.Schema()
	for i := 0; i < int(rec.NumRows()); i++ {
		r := make(row, s.NumFields())
		for j, f := range s.Fields() {
			c, err := canon(f.Type, f.Metadata, valueAt(rec.Column(j), i))
			if err != nil {
				return out, fmt.Errorf("row %d column %q: %w", i, f.Name, err)
			}
			r[f.Name] = c
		}
		out = append(out, r)
	}
	return out, nil
}

// fixtureRows canonicalizes rows given as Go/JSON values against schema.
func fixtureRows(schema *arrow.Schema, in []map[string]any) ([]row, error) {
	out := make([]row, 0, len(in))
	for i, m := range in {
		r := make(row, len(m))
		for k, v := range m {
			idx := schema.FieldIndices(k)
			if len(idx) == 0 {
				return nil, fmt.Errorf("row %d: column %q is not in the schema (%s)", i, k, strings.Join(fieldNames(schema), ", "))
			}
			f := schema.Field(idx[0])
			c, err := canon(f.Type, f.Metadata, v)
			if err != nil {
				return nil, fmt.Errorf("row %d column %q: %w", i, k, err)
			}
			r[k] = c
		}
		out = append(out, r)
	}
	return out, nil
}

func fieldNames(s *arrow.Schema) []string {
	out := make([]string, 0, s.NumFields())
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}

// key renders a row restricted to cols as one comparable string.
func (r row) key(cols []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		v, ok := r[c]
		switch {
		case !ok:
			v = "<missing>"
		case v == nullValue:
			v = "NULL"
		default:
			v = strconv.Quote(v)
		}
		b.WriteString(c + ": " + v)
	}
	b.WriteByte('}')
	return b.String()
}

// columnsOf lists the columns named by any row in rows, sorted.
func columnsOf(rows []row) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		for k := range r {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// diffRows compares two multisets of rows on cols and describes the
// differences (at most limit lines per side); nil when equal.
func diffRows(want, got []row, cols []string, limit int) []string {
	count := map[string]int{}
	for _, r := range want {
		count[r.key(cols)]++
	}
	for _, r := range got {
		count[r.key(cols)]--
	}
	var missing, extra []string
	for k, n := range count {
		for ; n > 0; n-- {
			missing = append(missing, k)
		}
		for ; n < 0; n++ {
			extra = append(extra, k)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return nil
	}
	sort.Strings(missing)
	sort.Strings(extra)
	out := []string{fmt.Sprintf("got %d rows, want %d: %d missing, %d unexpected (or duplicated)", len(got), len(want), len(missing), len(extra))}
	for i, k := range missing {
		if i == limit {
			out = append(out, fmt.Sprintf("  ... %d more missing", len(missing)-limit))
			break
		}
		out = append(out, "  missing    "+k)
	}
	for i, k := range extra {
		if i == limit {
			out = append(out, fmt.Sprintf("  ... %d more unexpected", len(extra)-limit))
			break
		}
		out = append(out, "  unexpected "+k)
	}
	return out
}

// Checksum is the order-independent SHA-256 of rows over every column of
// their schema, as the Report prints it and StreamFixture.Checksum expects.
func checksum(rows []row, cols []string) string {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.key(cols)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}
