package kafka

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"

	"github.com/dpone-go/dpone/sdk"
)

// Message key styles of the sink (sink.options.key).
const (
	keyUniqueKey = "unique_key"
	keyHash      = "hash"
	keyNone      = "none"
)

// rowEncoder renders rows of a record as message values (one JSON object
// per row, the columns in schema order, then the lineage columns) and
// keys.
type rowEncoder struct {
	names   [][]byte // each column's `"name":` prefix
	isJSON  []bool
	keyCols []int
	keyMode string
	// keyFormat renders a unique_key (key.go); keyAvro writes avro keys.
	keyFormat string
	keyAvro   *avroWriter
	lineage   []byte // `,"_dpone_run_id":"...","_dpone_loaded_at":"..."` or nil
}

func newRowEncoder(schema *arrow.Schema, uniqueKey []string, keyMode string, lg *sdk.Lineage) (*rowEncoder, error) {
	e := &rowEncoder{keyMode: keyMode}
	for i, f := range schema.Fields() {
		name, _ := json.Marshal(f.Name)
		prefix := []byte{','}
		if i == 0 {
			prefix = nil
		}
		e.names = append(e.names, append(append(prefix, name...), ':'))
		v, _ := f.Metadata.GetValue(sdk.MetaLogical)
		e.isJSON = append(e.isJSON, v == sdk.LogicalJSON)
	}
	if keyMode == keyUniqueKey {
		for _, k := range uniqueKey {
			idx := schema.FieldIndices(k)
			if len(idx) == 0 {
				return nil, sdk.Errorf(sdk.CodeSchema, "unique_key column %q is not in the load's schema", k)
			}
			e.keyCols = append(e.keyCols, idx[0])
		}
	}
	if lg != nil {
		for _, kv := range [][2]string{{lg.RunIDColumn, lg.RunID}, {lg.LoadedAtColumn, lg.LoadedAt}} {
			if kv[0] == "" {
				continue
			}
			k, _ := json.Marshal(kv[0])
			v, _ := json.Marshal(kv[1])
			if len(e.names) > 0 || len(e.lineage) > 0 {
				e.lineage = append(e.lineage, ',')
			}
			e.lineage = append(append(append(e.lineage, k...), ':'), v...)
		}
	}
	return e, nil
}

// value appends row i's JSON object to dst.
func (e *rowEncoder) value(dst []byte, rec arrow.RecordBatch, i int) ([]byte, error) {
	dst = append(dst, '{')
	for c, col := range rec.Columns() {
		dst = append(dst, e.names[c]...)
		var err error
		if dst, err = appendValue(dst, col, i, e.isJSON[c]); err != nil {
			return nil, fmt.Errorf("column %s row %d: %w", rec.ColumnName(c), i, err)
		}
	}
	dst = append(dst, e.lineage...)
	return append(dst, '}'), nil
}

// key appends row i's message key to dst[:0]: the unique_key value (the
// text of a single string column, else the JSON array of the values), the
// hex SHA-256 of the value, or nil (no key; an empty key is not nil).
func (e *rowEncoder) key(dst []byte, rec arrow.RecordBatch, i int, value []byte) ([]byte, error) {
	if e.keyMode == keyNone || e.keyMode == keyUniqueKey && len(e.keyCols) == 0 {
		return nil, nil
	}
	dst = dst[:0]
	if dst == nil {
		dst = make([]byte, 0, 64)
	}
	switch e.keyMode {
	case keyHash:
		h := sha256.Sum256(value)
		return hex.AppendEncode(dst, h[:]), nil
	case keyUniqueKey:
		switch e.keyFormat {
		case keyFormatJSON:
			return e.appendKeyJSON(dst, rec, i)
		case keyFormatBytes:
			return e.appendKeyBytes(dst, rec, i)
		case keyFormatAvro:
			return e.keyAvro.append(dst, rec, i)
		}
		if len(e.keyCols) == 1 {
			col := rec.Column(e.keyCols[0])
			if s, ok := col.(*array.String); ok && s.IsValid(i) {
				return append(dst, s.Value(i)...), nil
			}
			return appendValue(dst, col, i, false)
		}
		k := append(dst, '[')
		for j, c := range e.keyCols {
			if j > 0 {
				k = append(k, ',')
			}
			var err error
			if k, err = appendValue(k, rec.Column(c), i, false); err != nil {
				return nil, err
			}
		}
		return append(k, ']'), nil
	}
	return nil, nil
}

// appendValue appends the JSON of col[i]: fast paths for the common
// types, Arrow's JSON form for the others (which the source's builders
// read back). NaN and infinities are strings, as JSON has no such numbers.
func appendValue(dst []byte, col arrow.Array, i int, isJSON bool) ([]byte, error) {
	if col.IsNull(i) {
		return append(dst, "null"...), nil
	}
	switch a := col.(type) {
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10), nil
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Float64:
		return appendFloat(dst, a.Value(i), 64), nil
	case *array.Float32:
		return appendFloat(dst, float64(a.Value(i)), 32), nil
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i)), nil
	case *array.String:
		if isJSON && validJSON(unsafe.Slice(unsafe.StringData(a.Value(i)), len(a.Value(i)))) {
			return append(dst, a.Value(i)...), nil
		}
		return appendString(dst, a.Value(i)), nil
	case *array.LargeString:
		return appendString(dst, a.Value(i)), nil
	case *array.Decimal128:
		return appendDecimal128(dst, a.Value(i), a.DataType().(*arrow.Decimal128Type).Scale), nil
	case *array.Timestamp:
		if out, ok := appendTimestamp(dst, a, i); ok {
			return out, nil
		}
	case *array.Date32:
		return appendDate32(dst, a.Value(i)), nil
	case *extensions.UUIDArray:
		return appendUUID(dst, a, i), nil
	}
	b, err := json.Marshal(col.GetOneForMarshal(i))
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.AppendQuote(dst, strconv.FormatFloat(f, 'g', -1, bits))
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}
