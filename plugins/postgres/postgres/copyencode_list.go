package postgres

import (
	"encoding/binary"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/sdk"
)

// listEncoder writes a one-dimensional array of the list's element type.
func listEncoder(ddl string, a *array.List) (fieldEncoder, error) {
	elemDDL := ddl[:len(ddl)-2]
	f := a.DataType().(*arrow.ListType).ElemField()
	k, ok := elemKind(f)
	if !ok {
		return nil, sdk.Errorf(sdk.CodeSchema, "postgres sink: no array encoder for %s", f.Type)
	}
	if elemDDL == "jsonb" {
		k = kJSONB
	}
	if elemDDL == "uuid" {
		k = kUUID
	}
	values := a.ListValues()
	enc, err := encoder(elemDDL, values)
	if err != nil {
		return nil, err
	}
	oid := oidOf[k]
	switch { // the declared element type of text-like values
	case strings.HasPrefix(elemDDL, "varchar("):
		oid = oidVarchar
	case strings.HasPrefix(elemDDL, "char("):
		oid = oidBpchar
	case elemDDL == "numeric" || strings.HasPrefix(elemDDL, "numeric("):
		oid = oidNumeric
	}
	return func(b []byte, i int) ([]byte, error) {
		start, end := a.ValueOffsets(i)
		lenAt := len(b)
		b = appendLen(b, 0) // patched below
		if end == start {
			b = binary.BigEndian.AppendUint32(b, 0) // ndim 0
			b = binary.BigEndian.AppendUint32(b, 0)
			b = binary.BigEndian.AppendUint32(b, oid)
		} else {
			hasNull := uint32(0)
			if values.NullN() > 0 {
				hasNull = 1
			}
			b = binary.BigEndian.AppendUint32(b, 1)
			b = binary.BigEndian.AppendUint32(b, hasNull)
			b = binary.BigEndian.AppendUint32(b, oid)
			b = binary.BigEndian.AppendUint32(b, uint32(end-start))
			b = binary.BigEndian.AppendUint32(b, 1) // lower bound
			var err error
			for j := int(start); j < int(end); j++ {
				if values.IsNull(j) {
					b = append(b, 0xff, 0xff, 0xff, 0xff)
					continue
				}
				if b, err = enc(b, j); err != nil {
					return b, err
				}
			}
		}
		binary.BigEndian.PutUint32(b[lenAt:], uint32(len(b)-lenAt-4))
		return b, nil
	}, nil
}

// elemKind is the array element kind of a list's element field.
func elemKind(f arrow.Field) (kind, bool) {
	switch f.Type.(type) {
	case *arrow.BooleanType:
		return kBool, true
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		return kInt2, true
	case *arrow.Int32Type, *arrow.Uint16Type:
		return kInt4, true
	case *arrow.Int64Type, *arrow.Uint32Type:
		return kInt8, true
	case *arrow.Uint64Type, *arrow.Decimal128Type:
		return kNumeric, true
	case *arrow.Float32Type:
		return kFloat4, true
	case *arrow.Float64Type:
		return kFloat8, true
	case *arrow.StringType, *arrow.LargeStringType:
		if v, _ := f.Metadata.GetValue(metaLogical); v == logicalJSON {
			return kJSON, true
		}
		return kText, true
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType:
		return kBytea, true
	case *arrow.Date32Type, *arrow.Date64Type:
		return kDate, true
	case *arrow.Time32Type, *arrow.Time64Type:
		return kTime, true
	case *arrow.TimestampType:
		if f.Type.(*arrow.TimestampType).TimeZone != "" {
			return kTimestamptz, true
		}
		return kTimestamp, true
	case *arrow.MonthDayNanoIntervalType, *arrow.DurationType:
		return kInterval, true
	}
	return 0, false
}
