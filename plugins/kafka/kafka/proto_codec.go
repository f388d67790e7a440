package kafka

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/protobuf"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/dpone-go/dpone/sdk"
)

// protoEncoder renders rows as Confluent-framed Protobuf values (magic
// byte, schema id, message indexes, binary message) with
// confluent-kafka-go's protobuf serializer, against the schema it
// registered for the target topic.
type protoEncoder struct {
	topic   string
	md      protoreflect.MessageDescriptor
	ser     *protobuf.Serializer
	fields  []protoreflect.FieldDescriptor
	lineage map[protoreflect.FieldDescriptor]protoreflect.Value
}

// newProtoEncoder registers the value schema (the load's columns plus the
// lineage columns) under <topic>-value and returns an encoder of rows with
// the load's columns.
func newProtoEncoder(cfg Config, topic string, schema *arrow.Schema, lg *sdk.Lineage) (*protoEncoder, error) {
	client, err := registryClient(cfg, formatProtobuf)
	if err != nil {
		return nil, err
	}
	full := arrow.NewSchema(append(append([]arrow.Field(nil), schema.Fields()...), lineageFields(lg)...), nil)
	md, text, err := protoMessage(topic, full)
	if err != nil {
		return nil, err
	}
	info := schemaregistry.SchemaInfo{Schema: text, SchemaType: "PROTOBUF"}
	if info.References, err = protoReferences(client, text); err != nil {
		return nil, err
	}
	id, err := client.Register(valueSubject(topic), info, false)
	if err != nil {
		return nil, classifyRegistry(fmt.Errorf("register the protobuf schema of topic %s under subject %s: %w", topic, valueSubject(topic), err))
	}
	conf := protobuf.NewSerializerConfig()
	conf.AutoRegisterSchemas = false
	conf.UseSchemaID = id
	ser, err := protobuf.NewSerializer(client, serde.ValueSerde, conf)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "protobuf serializer: %w", err)
	}
	e := &protoEncoder{topic: topic, md: md, ser: ser, lineage: map[protoreflect.FieldDescriptor]protoreflect.Value{}}
	for i := range schema.NumFields() {
		e.fields = append(e.fields, md.Fields().Get(i))
	}
	if lg != nil {
		if lg.RunIDColumn != "" {
			e.lineage[md.Fields().ByName(protoreflect.Name(lg.RunIDColumn))] = protoreflect.ValueOfString(lg.RunID)
		}
		if lg.LoadedAtColumn != "" {
			t, err := time.Parse(time.RFC3339Nano, lg.LoadedAt)
			if err != nil {
				return nil, sdk.Errorf(sdk.CodeInternal, "lineage loaded_at %q: %w", lg.LoadedAt, err)
			}
			fd := md.Fields().ByName(protoreflect.Name(lg.LoadedAtColumn))
			e.lineage[fd] = protoreflect.ValueOfMessage(protoTime(fd, t))
		}
	}
	return e, nil
}

// value encodes row i of rec.
func (e *protoEncoder) value(_ []byte, rec arrow.RecordBatch, i int) ([]byte, error) {
	m := dynamicpb.NewMessage(e.md)
	for c, col := range rec.Columns() {
		if err := setProto(m, e.fields[c], col, i, rec.Schema().Field(c)); err != nil {
			return nil, fmt.Errorf("column %s row %d: %w", rec.ColumnName(c), i, err)
		}
	}
	for fd, v := range e.lineage {
		m.Set(fd, v)
	}
	b, err := e.ser.Serialize(e.topic, m)
	if err != nil {
		return nil, fmt.Errorf("protobuf: %w", err)
	}
	return b, nil
}

// protoTime is t as a google.protobuf.Timestamp of field fd.
func protoTime(fd protoreflect.FieldDescriptor, t time.Time) protoreflect.Message {
	m := dynamicpb.NewMessage(fd.Message())
	m.Set(fd.Message().Fields().ByName("seconds"), protoreflect.ValueOfInt64(t.Unix()))
	m.Set(fd.Message().Fields().ByName("nanos"), protoreflect.ValueOfInt32(int32(t.Nanosecond())))
	return m
}

// setProto sets field fd of m from col[i]; a NULL leaves it unset.
func setProto(m *dynamicpb.Message, fd protoreflect.FieldDescriptor, col arrow.Array, i int, f arrow.Field) error {
	if col.IsNull(i) {
		return nil
	}
	if fd.IsList() {
		l, ok := col.(*array.List)
		if !ok {
			return fmt.Errorf("want a list, got %s", col.DataType())
		}
		start, end := l.ValueOffsets(i)
		list := m.Mutable(fd).List()
		for j := start; j < end; j++ {
			if l.ListValues().IsNull(int(j)) {
				return fmt.Errorf("a NULL list item: a repeated Protobuf field cannot hold it")
			}
			v, err := protoScalar(fd, l.ListValues(), int(j), l.DataType().(*arrow.ListType).ElemField())
			if err != nil {
				return err
			}
			list.Append(v)
		}
		return nil
	}
	v, err := protoScalar(fd, col, i, f)
	if err != nil {
		return err
	}
	m.Set(fd, v)
	return nil
}

// protoScalar is col[i] (not NULL) as a value of fd's kind (protoKind).
func protoScalar(fd protoreflect.FieldDescriptor, col arrow.Array, i int, f arrow.Field) (protoreflect.Value, error) {
	switch a := col.(type) {
	case *array.Boolean:
		return protoreflect.ValueOfBool(a.Value(i)), nil
	case *array.Int8:
		return protoreflect.ValueOfInt32(int32(a.Value(i))), nil
	case *array.Int16:
		return protoreflect.ValueOfInt32(int32(a.Value(i))), nil
	case *array.Int32:
		return protoreflect.ValueOfInt32(a.Value(i)), nil
	case *array.Uint8:
		return protoreflect.ValueOfInt32(int32(a.Value(i))), nil
	case *array.Uint16:
		return protoreflect.ValueOfInt32(int32(a.Value(i))), nil
	case *array.Int64:
		return protoreflect.ValueOfInt64(a.Value(i)), nil
	case *array.Uint32:
		return protoreflect.ValueOfInt64(int64(a.Value(i))), nil
	case *array.Uint64:
		return protoreflect.ValueOfUint64(a.Value(i)), nil
	case *array.Float32:
		return protoreflect.ValueOfFloat32(a.Value(i)), nil
	case *array.Float64:
		return protoreflect.ValueOfFloat64(a.Value(i)), nil
	case *array.Binary:
		return protoreflect.ValueOfBytes(a.Value(i)), nil
	case *array.LargeBinary:
		return protoreflect.ValueOfBytes(a.Value(i)), nil
	case *array.FixedSizeBinary:
		return protoreflect.ValueOfBytes(a.Value(i)), nil
	case *array.Timestamp:
		t := a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit)
		return protoreflect.ValueOfMessage(protoTime(fd, t)), nil
	case *array.Date32, *array.Date64:
		var t time.Time
		if d, ok := a.(*array.Date32); ok {
			t = d.Value(i).ToTime()
		} else {
			t = a.(*array.Date64).Value(i).ToTime()
		}
		m := dynamicpb.NewMessage(fd.Message())
		fs := fd.Message().Fields()
		m.Set(fs.ByName("year"), protoreflect.ValueOfInt32(int32(t.Year())))
		m.Set(fs.ByName("month"), protoreflect.ValueOfInt32(int32(t.Month())))
		m.Set(fs.ByName("day"), protoreflect.ValueOfInt32(int32(t.Day())))
		return protoreflect.ValueOfMessage(m), nil
	case *array.String:
		return protoreflect.ValueOfString(a.Value(i)), nil
	case *array.LargeString:
		return protoreflect.ValueOfString(a.Value(i)), nil
	case *array.Decimal128:
		return protoDecimalValue(fd, a.Value(i), a.DataType().(*arrow.Decimal128Type))
	}
	// times, nested values: their text (as the JSON encoder writes them)
	b, err := json.Marshal(col.GetOneForMarshal(i))
	if err != nil {
		return protoreflect.Value{}, err
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		s = string(b)
	}
	return protoreflect.ValueOfString(s), nil
}

// protoDecoder decodes Confluent-framed Protobuf values into the value
// columns' builders, by field name, with the message of the subject's
// latest schema (fields match by number across versions).
type protoDecoder struct {
	topic    string
	de       *protobuf.Deserializer
	md       protoreflect.MessageDescriptor
	fields   []arrow.Field
	fds      []protoreflect.FieldDescriptor
	builders []array.Builder
}

func newProtoDecoder(cfg Config, topic string, md protoreflect.MessageDescriptor) (*protoDecoder, error) {
	client, err := registryClient(cfg, formatProtobuf)
	if err != nil {
		return nil, err
	}
	de, err := protobuf.NewDeserializer(client, serde.ValueSerde, protobuf.NewDeserializerConfig())
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "protobuf deserializer: %w", err)
	}
	d := &protoDecoder{topic: topic, de: de, md: md}
	de.MessageFactory = func(subject, name string) (any, error) {
		if name != string(md.FullName()) {
			return nil, fmt.Errorf("message %s is not %s, the latest schema's message of subject %s", name, md.FullName(), subject)
		}
		return dynamicpb.NewMessage(md), nil
	}
	return d, nil
}

func (d *protoDecoder) bind(fields []arrow.Field, builders []array.Builder) {
	d.fields, d.builders = fields, builders
	d.fds = make([]protoreflect.FieldDescriptor, len(fields))
	for i, f := range fields {
		d.fds[i] = d.md.Fields().ByName(protoreflect.Name(f.Name))
	}
}

func (d *protoDecoder) decode(value []byte) error {
	if value == nil {
		return fmt.Errorf("the message has no value (a tombstone)")
	}
	v, err := d.de.Deserialize(d.topic, value)
	if err != nil {
		return fmt.Errorf("value is not protobuf of a registered schema: %w", err)
	}
	m, ok := v.(*dynamicpb.Message)
	if !ok {
		return fmt.Errorf("value decoded as %T", v)
	}
	for i, fd := range d.fds {
		if err := appendProto(d.builders[i], m, fd); err != nil {
			return fmt.Errorf("field %q: want %s: %w", d.fields[i].Name, d.fields[i].Type, err)
		}
	}
	return nil
}

// appendProto appends field fd of m to b (NULL when fd is unset and has
// presence).
func appendProto(b array.Builder, m *dynamicpb.Message, fd protoreflect.FieldDescriptor) error {
	if fd == nil || fd.HasPresence() && !m.Has(fd) {
		b.AppendNull()
		return nil
	}
	v := m.Get(fd)
	if fd.IsMap() || fd.IsList() && !isListBuilder(b) {
		js, err := protojson.Marshal(m.Interface())
		if err != nil {
			return err
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(js, &all); err != nil {
			return err
		}
		raw, ok := all[fd.JSONName()]
		if !ok {
			raw = json.RawMessage("null")
		}
		b.(*array.StringBuilder).BinaryBuilder.Append(raw)
		return nil
	}
	if fd.IsList() {
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		l := v.List()
		for j := range l.Len() {
			if err := appendProtoValue(lb.ValueBuilder(), fd, l.Get(j)); err != nil {
				return err
			}
		}
		return nil
	}
	return appendProtoValue(b, fd, v)
}

func isListBuilder(b array.Builder) bool { _, ok := b.(*array.ListBuilder); return ok }

func appendProtoValue(b array.Builder, fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	if fd.Kind() == protoreflect.MessageKind && fd.Message().FullName() == protoDecimal {
		return appendDecimalMessage(b, v.Message())
	}
	if fd.Kind() == protoreflect.MessageKind && isWrapper(fd.Message()) {
		inner := fd.Message().Fields().ByNumber(1)
		return appendProtoValue(b, inner, v.Message().Get(inner))
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(v.Bool())
	case *array.Int32Builder:
		b.Append(int32(v.Int()))
	case *array.Int64Builder:
		if fd.Kind() == protoreflect.Uint32Kind || fd.Kind() == protoreflect.Fixed32Kind {
			b.Append(int64(v.Uint()))
		} else {
			b.Append(v.Int())
		}
	case *array.Uint64Builder:
		b.Append(v.Uint())
	case *array.Float32Builder:
		b.Append(float32(v.Float()))
	case *array.Float64Builder:
		b.Append(v.Float())
	case *array.BinaryBuilder:
		b.Append(v.Bytes())
	case *array.TimestampBuilder:
		fs := fd.Message().Fields()
		msg := v.Message()
		t := time.Unix(msg.Get(fs.ByName("seconds")).Int(), msg.Get(fs.ByName("nanos")).Int()).UTC()
		ts, err := arrow.TimestampFromTime(t, b.Type().(*arrow.TimestampType).Unit)
		if err != nil {
			return err
		}
		b.Append(ts)
	case *array.Date32Builder:
		fs := fd.Message().Fields()
		msg := v.Message()
		t := time.Date(int(msg.Get(fs.ByName("year")).Int()), time.Month(msg.Get(fs.ByName("month")).Int()),
			int(msg.Get(fs.ByName("day")).Int()), 0, 0, 0, 0, time.UTC)
		b.Append(arrow.Date32FromTime(t))
	case *array.StringBuilder:
		switch fd.Kind() {
		case protoreflect.StringKind:
			b.Append(v.String())
		case protoreflect.EnumKind:
			if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
				b.Append(string(ev.Name()))
			} else {
				b.Append(fmt.Sprint(int32(v.Enum())))
			}
		case protoreflect.MessageKind, protoreflect.GroupKind:
			js, err := protojson.Marshal(v.Message().Interface())
			if err != nil {
				return err
			}
			b.BinaryBuilder.Append(js)
		default:
			return fmt.Errorf("got %s", fd.Kind())
		}
	default:
		return fmt.Errorf("got %s", fd.Kind())
	}
	return nil
}
