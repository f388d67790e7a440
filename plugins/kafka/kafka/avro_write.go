package kafka

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/dpone-go/dpone/sdk"
)

// avroWriter writes rows straight from Arrow to Confluent-framed binary
// Avro (magic byte, schema id, the record) into a reused buffer, the
// bytes the avrov2 serializer writes for the same row
// (TestAvroWriterMatchesSerializer) without its per-row map and
// reflection. It covers the column types of avroType except lists,
// Date64, times and uint64, for which the encoder keeps the serializer.
type avroWriter struct {
	prefix []byte
	cols   []avroCol
	// tail is the lineage fields' encoding, the same in every row.
	tail    []byte
	scratch []byte
	// idx are the record's columns written (a key's), all when nil.
	idx []int
}

type avroKind int

const (
	avroBool avroKind = iota
	avroInt
	avroLong
	avroFloat
	avroDouble
	avroString
	avroBytes
	avroTimestamp
	avroDate
	avroDecimal
	avroJSONText // a type without an Avro counterpart: its JSON text
)

type avroCol struct {
	kind     avroKind
	nullable bool
	prec     int32
	scale    int32
	unit     arrow.TimeUnit
}

// newAvroWriter is the writer of rows of schema under schema id id, nil
// when a column's type needs the serializer.
func newAvroWriter(id int, schema *arrow.Schema, lg *sdk.Lineage, loadedAt time.Time) *avroWriter {
	w := &avroWriter{prefix: binary.BigEndian.AppendUint32([]byte{0}, uint32(id))}
	for _, f := range schema.Fields() {
		c := avroCol{nullable: f.Nullable}
		switch t := f.Type.(type) {
		case *arrow.BooleanType:
			c.kind = avroBool
		case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Uint8Type, *arrow.Uint16Type:
			c.kind = avroInt
		case *arrow.Int64Type, *arrow.Uint32Type:
			c.kind = avroLong
		case *arrow.Float32Type:
			c.kind = avroFloat
		case *arrow.Float64Type:
			c.kind = avroDouble
		case *arrow.StringType, *arrow.LargeStringType:
			c.kind = avroString
		case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType:
			c.kind = avroBytes
		case *arrow.TimestampType:
			c.kind, c.unit = avroTimestamp, t.Unit
		case *arrow.Date32Type:
			c.kind = avroDate
		case *arrow.Decimal128Type:
			c.kind, c.prec, c.scale = avroDecimal, t.Precision, t.Scale
		case *arrow.Uint64Type, *arrow.Date64Type, *arrow.Time32Type, *arrow.Time64Type, *arrow.ListType:
			return nil
		default:
			c.kind = avroJSONText
		}
		w.cols = append(w.cols, c)
	}
	if lg != nil {
		if lg.RunIDColumn != "" {
			w.tail = appendAvroString(append(w.tail, 2), lg.RunID)
		}
		if lg.LoadedAtColumn != "" {
			w.tail = binary.AppendVarint(append(w.tail, 2), loadedAt.Unix()*1e6+int64(loadedAt.Nanosecond()/1e3))
		}
	}
	return w
}

func appendAvroString(dst []byte, s string) []byte {
	return append(binary.AppendVarint(dst, int64(len(s))), s...)
}

// append appends row i of rec (of its columns idx, when set).
func (w *avroWriter) append(dst []byte, rec arrow.RecordBatch, i int) ([]byte, error) {
	dst = append(dst, w.prefix...)
	for j, cd := range w.cols {
		c := j
		if w.idx != nil {
			c = w.idx[j]
		}
		col := rec.Column(c)
		if col.IsNull(i) {
			if !cd.nullable {
				return nil, fmt.Errorf("column %s row %d: null in a column that is not nullable", rec.ColumnName(c), i)
			}
			dst = append(dst, 0)
			continue
		}
		if cd.nullable {
			dst = append(dst, 2)
		}
		var err error
		if cd.kind == avroJSONText {
			// As the serializer path writes it: appendValue's output is
			// json.Marshal of GetOneForMarshal (TestAppendValueMatchesArrow).
			if w.scratch, err = appendValue(w.scratch[:0], col, i, false); err != nil {
				return nil, fmt.Errorf("column %s row %d: %w", rec.ColumnName(c), i, err)
			}
			dst = append(binary.AppendVarint(dst, int64(len(w.scratch))), w.scratch...)
			continue
		}
		if dst, err = cd.appendValue(dst, col, i); err != nil {
			return nil, fmt.Errorf("column %s row %d: %w", rec.ColumnName(c), i, err)
		}
	}
	return append(dst, w.tail...), nil
}

func (cd avroCol) appendValue(dst []byte, col arrow.Array, i int) ([]byte, error) {
	switch cd.kind {
	case avroBool:
		if col.(*array.Boolean).Value(i) {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case avroInt, avroLong:
		return binary.AppendVarint(dst, intValue(col, i)), nil
	case avroFloat:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(col.(*array.Float32).Value(i))), nil
	case avroDouble:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(col.(*array.Float64).Value(i))), nil
	case avroString:
		if s, ok := col.(*array.String); ok {
			return appendAvroString(dst, s.Value(i)), nil
		}
		return appendAvroString(dst, col.(*array.LargeString).Value(i)), nil
	case avroBytes:
		var b []byte
		switch a := col.(type) {
		case *array.Binary:
			b = a.Value(i)
		case *array.LargeBinary:
			b = a.Value(i)
		case *array.FixedSizeBinary:
			b = a.Value(i)
		}
		return append(binary.AppendVarint(dst, int64(len(b))), b...), nil
	case avroTimestamp:
		v := int64(col.(*array.Timestamp).Value(i))
		switch cd.unit {
		case arrow.Second:
			v *= 1e6
		case arrow.Millisecond:
			v *= 1e3
		case arrow.Nanosecond:
			v = floorDiv(v, 1e3)
		}
		return binary.AppendVarint(dst, v), nil
	case avroDate:
		return binary.AppendVarint(dst, int64(col.(*array.Date32).Value(i))), nil
	case avroDecimal:
		return appendAvroDecimal(dst, col.(*array.Decimal128).Value(i), cd.prec)
	}
	return dst, nil
}

func intValue(col arrow.Array, i int) int64 {
	switch a := col.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	}
	return col.(*array.Int64).Value(i)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// appendAvroDecimal appends an Avro bytes decimal: the unscaled value's
// big-endian two's complement, as hamba/avro writes it (positive values
// minimal with a 0 byte before a high bit; negative ones in bitlen/8+1
// bytes).
func appendAvroDecimal(dst []byte, n decimal128.Num, prec int32) ([]byte, error) {
	hi, lo := n.HighBits(), n.LowBits()
	v := int64(lo)
	if !(hi == 0 && v >= 0 || hi == -1 && v < 0) || v == math.MinInt64 {
		return appendAvroBigDecimal(dst, n.BigInt(), prec)
	}
	mag := uint64(v)
	if v < 0 {
		mag = uint64(-v)
	}
	if d := decimalDigits(mag); d > int(prec) {
		return nil, fmt.Errorf("cannot encode %s as Avro bytes.decimal with precision=%d, has %d significant digits", n.BigInt(), prec, d)
	}
	var buf [9]byte
	var b []byte
	switch {
	case v == 0:
		b = append(buf[:0], 0)
	case v > 0:
		nb := (bits.Len64(mag) + 7) / 8
		binary.BigEndian.PutUint64(buf[1:], mag)
		b = buf[9-nb:]
		if b[0]&0x80 != 0 {
			b = buf[8-nb:]
		}
	default:
		nb := bits.Len64(mag)/8 + 1
		binary.BigEndian.PutUint64(buf[1:], uint64(v))
		b = buf[9-nb:]
	}
	return append(binary.AppendVarint(dst, int64(len(b))), b...), nil
}

func decimalDigits(u uint64) int {
	d := 1
	for u >= 10 {
		u /= 10
		d++
	}
	return d
}

var bigOne = big.NewInt(1)

func appendAvroBigDecimal(dst []byte, i *big.Int, prec int32) ([]byte, error) {
	if d := len(new(big.Int).Abs(i).String()); d > int(prec) {
		return nil, fmt.Errorf("cannot encode %s as Avro bytes.decimal with precision=%d, has %d significant digits", i, prec, d)
	}
	var b []byte
	switch i.Sign() {
	case 0:
		b = []byte{0}
	case 1:
		b = i.Bytes()
		if b[0]&0x80 > 0 {
			b = append([]byte{0}, b...)
		}
	case -1:
		length := uint(i.BitLen()/8+1) * 8
		b = new(big.Int).Add(i, new(big.Int).Lsh(bigOne, length)).Bytes()
	}
	return append(binary.AppendVarint(dst, int64(len(b))), b...), nil
}
