package bigquery

import (
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/dpone-go/dpone/sdk"
)

// The Storage Write API takes rows as serialized protocol buffer messages
// of a descriptor the writer sends. protoRows renders Arrow records as
// such rows for the staging table's schema (stagingSchema): INT64 as
// int64, FLOAT64 as double, BOOL, STRING and JSON (STRING in staging) as
// string, BYTES as bytes, DATE as int32 days, TIMESTAMP as int64
// microseconds, DATETIME, TIME, NUMERIC and BIGNUMERIC as their canonical
// text, lists as repeated fields, structs and map entries as nested
// messages.

// protoFieldRe is what a proto field name (and so a column written
// through the Storage Write API) may be.
var protoFieldRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// rowDescriptor is the proto2 descriptor of one staging row.
func rowDescriptor(s *arrow.Schema) (*descriptorpb.DescriptorProto, error) {
	return messageDescriptor("dpone_row", s.Fields())
}

func messageDescriptor(name string, fields []arrow.Field) (*descriptorpb.DescriptorProto, error) {
	d := &descriptorpb.DescriptorProto{Name: proto.String(name)}
	for i, f := range fields {
		if !protoFieldRe.MatchString(f.Name) {
			return nil, sdk.Errorf(sdk.CodeConfig, "bigquery sink: write_api storage_write: column %q is not a protocol buffer field name (letters, digits, _): use write_api: load_job", f.Name)
		}
		fd := &descriptorpb.FieldDescriptorProto{Name: proto.String(f.Name), Number: proto.Int32(int32(i + 1)),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()}
		t := f.Type
		if l, ok := t.(arrow.ListLikeType); ok {
			fd.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
			t = l.Elem()
			if m, ok := f.Type.(*arrow.MapType); ok {
				t = arrow.StructOf(arrow.Field{Name: "key", Type: m.KeyType()}, arrow.Field{Name: "value", Type: m.ItemType(), Nullable: true})
			} else if _, nested := t.(arrow.ListLikeType); nested {
				return nil, sdk.Errorf(sdk.CodeSchema, "bigquery sink: column %q is a list of lists: BigQuery has no ARRAY of ARRAY", f.Name)
			}
		}
		if st, ok := t.(*arrow.StructType); ok {
			sub, err := messageDescriptor(fmt.Sprintf("%s_%d", name, i+1), st.Fields())
			if err != nil {
				return nil, err
			}
			d.NestedType = append(d.NestedType, sub)
			fd.Type = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
			fd.TypeName = proto.String(sub.GetName())
			d.Field = append(d.Field, fd)
			continue
		}
		pt, err := protoType(f.Name, t)
		if err != nil {
			return nil, err
		}
		fd.Type = pt.Enum()
		d.Field = append(d.Field, fd)
	}
	return d, nil
}

// protoType is the proto scalar type of a non-nested Arrow type.
func protoType(name string, t arrow.DataType) (descriptorpb.FieldDescriptorProto_Type, error) {
	switch t.(type) {
	case *arrow.BooleanType:
		return descriptorpb.FieldDescriptorProto_TYPE_BOOL, nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.TimestampType:
		if ts, ok := t.(*arrow.TimestampType); ok && ts.TimeZone == "" {
			return descriptorpb.FieldDescriptorProto_TYPE_STRING, nil // DATETIME text
		}
		return descriptorpb.FieldDescriptorProto_TYPE_INT64, nil
	case *arrow.Float16Type, *arrow.Float32Type, *arrow.Float64Type:
		return descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return descriptorpb.FieldDescriptorProto_TYPE_INT32, nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType, *arrow.BinaryViewType:
		return descriptorpb.FieldDescriptorProto_TYPE_BYTES, nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType, *arrow.Uint64Type,
		*arrow.Decimal128Type, *arrow.Decimal256Type, *arrow.Time32Type, *arrow.Time64Type:
		return descriptorpb.FieldDescriptorProto_TYPE_STRING, nil
	}
	return 0, sdk.Errorf(sdk.CodeSchema, "bigquery sink: column %q is %s, which the Storage Write API path cannot write: cast it in the source or use write_api: load_job", name, t)
}

// appendRow appends row i of the columns as one serialized message.
func appendRow(b []byte, cols []arrow.Array, i int) ([]byte, error) {
	for j, c := range cols {
		var err error
		if b, err = appendField(b, protowire.Number(j+1), c, i); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// appendField appends value i of arr as field num (nothing when NULL).
func appendField(b []byte, num protowire.Number, arr arrow.Array, i int) ([]byte, error) {
	if arr.IsNull(i) {
		return b, nil
	}
	switch a := arr.(type) {
	case array.ListLike:
		if _, isMap := a.(*array.Map); isMap {
			break
		}
		start, end := a.ValueOffsets(i)
		for k := start; k < end; k++ {
			var err error
			if b, err = appendField(b, num, a.ListValues(), int(k)); err != nil {
				return nil, err
			}
		}
		return b, nil
	case *array.Struct:
		cols := make([]arrow.Array, a.NumField())
		for k := range cols {
			cols[k] = a.Field(k)
		}
		msg, err := appendRow(nil, cols, i)
		if err != nil {
			return nil, err
		}
		b = protowire.AppendTag(b, num, protowire.BytesType)
		return protowire.AppendBytes(b, msg), nil
	}
	if m, ok := arr.(*array.Map); ok {
		start, end := m.ValueOffsets(i)
		for k := start; k < end; k++ {
			msg, err := appendRow(nil, []arrow.Array{m.Keys(), m.Items()}, int(k))
			if err != nil {
				return nil, err
			}
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendBytes(b, msg)
		}
		return b, nil
	}
	return appendScalar(b, num, arr, i)
}

// appendScalar appends a non-NULL scalar in its proto form.
func appendScalar(b []byte, num protowire.Number, arr arrow.Array, i int) ([]byte, error) {
	varint := func(v int64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), uint64(v))
	}
	text := func(s string) []byte {
		return protowire.AppendString(protowire.AppendTag(b, num, protowire.BytesType), s)
	}
	double := func(f float64) []byte {
		return protowire.AppendFixed64(protowire.AppendTag(b, num, protowire.Fixed64Type), math.Float64bits(f))
	}
	switch a := arr.(type) {
	case *array.Boolean:
		if a.Value(i) {
			return varint(1), nil
		}
		return varint(0), nil
	case *array.Int8:
		return varint(int64(a.Value(i))), nil
	case *array.Int16:
		return varint(int64(a.Value(i))), nil
	case *array.Int32:
		return varint(int64(a.Value(i))), nil
	case *array.Int64:
		return varint(a.Value(i)), nil
	case *array.Uint8:
		return varint(int64(a.Value(i))), nil
	case *array.Uint16:
		return varint(int64(a.Value(i))), nil
	case *array.Uint32:
		return varint(int64(a.Value(i))), nil
	case *array.Uint64:
		return text(fmt.Sprint(a.Value(i))), nil
	case *array.Float16:
		return double(float64(a.Value(i).Float32())), nil
	case *array.Float32:
		return double(float64(a.Value(i))), nil
	case *array.Float64:
		return double(a.Value(i)), nil
	case *array.Decimal128:
		return text(a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)), nil
	case *array.Decimal256:
		return text(a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale)), nil
	case *array.String:
		return text(a.Value(i)), nil
	case *array.LargeString:
		return text(a.Value(i)), nil
	case *array.StringView:
		return text(a.Value(i)), nil
	case *array.Binary:
		return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), a.Value(i)), nil
	case *array.LargeBinary:
		return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), a.Value(i)), nil
	case *array.FixedSizeBinary:
		return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), a.Value(i)), nil
	case *array.BinaryView:
		return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), a.Value(i)), nil
	case *array.Date32:
		return varint(int64(a.Value(i))), nil
	case *array.Date64:
		return varint(int64(a.Value(i)) / 86400000), nil
	case *array.Time32:
		d := time.Duration(a.Value(i)) * a.DataType().(*arrow.Time32Type).Unit.Multiplier()
		return text(clockText(d)), nil
	case *array.Time64:
		d := time.Duration(a.Value(i)) * a.DataType().(*arrow.Time64Type).Unit.Multiplier()
		return text(clockText(d)), nil
	case *array.Timestamp:
		typ := a.DataType().(*arrow.TimestampType)
		t := a.Value(i).ToTime(typ.Unit)
		if typ.TimeZone == "" {
			return text(t.UTC().Format("2006-01-02 15:04:05.000000")), nil
		}
		return varint(t.UnixMicro()), nil
	}
	return nil, sdk.Errorf(sdk.CodeSchema, "bigquery sink: a %s value cannot be written through the Storage Write API: use write_api: load_job", arr.DataType())
}

// clockText is a TIME's text with microseconds (BigQuery keeps no more).
func clockText(d time.Duration) string {
	us := d / time.Microsecond
	return fmt.Sprintf("%02d:%02d:%02d.%06d", us/3600e6, us/60e6%60, us/1e6%60, us%1e6)
}

// maxRequestBytes bounds the serialized rows of one AppendRows request:
// BigQuery refuses requests over 10 MB, and the request's own fields and
// the descriptor (first request of a connection) need room.
const maxRequestBytes = 9 << 20

// rowBatcher collects serialized rows into AppendRows payloads of at most
// limit bytes each, in row order.
type rowBatcher struct {
	limit int
	rows  [][]byte
	size  int
}

// add appends one serialized row; full is true when the rows collected
// before it must be sent first (take them with take).
func (r *rowBatcher) add(row []byte) (full bool, err error) {
	n := len(row) + protowire.SizeTag(1) + protowire.SizeVarint(uint64(len(row)))
	if n > r.limit {
		return false, sdk.Errorf(sdk.CodeData, "bigquery sink: a row is %d bytes serialized, over the Storage Write API's request limit (%d): use write_api: load_job for rows this large", len(row), r.limit)
	}
	full = r.size+n > r.limit
	return full, nil
}

// push adds a row that fits (after add said so and any take).
func (r *rowBatcher) push(row []byte) {
	r.rows = append(r.rows, row)
	r.size += len(row) + protowire.SizeTag(1) + protowire.SizeVarint(uint64(len(row)))
}

// take returns the collected rows and starts a new payload.
func (r *rowBatcher) take() [][]byte {
	rows := r.rows
	r.rows, r.size = nil, 0
	return rows
}
