package kafka

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
	"github.com/hamba/avro/v2"

	"github.com/dpone-go/dpone/sdk"
)

// avroEncoder renders rows as Confluent-framed Avro values (magic byte,
// schema id, binary Avro) with confluent-kafka-go's avrov2 serializer,
// against the value schema it registered for the target topic.
type avroEncoder struct {
	topic  string
	schema avro.Schema
	ser    *avrov2.Serializer
	names  []string
	// lineage holds the lineage columns' values, the same for every row.
	lineage map[string]any
	row     map[string]any
	// fast writes the rows when their column types allow (avro_write.go).
	fast *avroWriter
}

// registerAvro registers the Avro schema of schema (the load's columns
// and the lineage columns) under the topic's value subject and returns
// its id. An incompatible change of a registered schema is a SCHEMA
// error from the registry.
func registerAvro(client schemaregistry.Client, topic string, schema *arrow.Schema) (avro.Schema, int, error) {
	sc, text, err := avroRecordSchema(topic, schema)
	if err != nil {
		return nil, 0, err
	}
	id, err := client.Register(valueSubject(topic), schemaregistry.SchemaInfo{Schema: text}, false)
	if err != nil {
		return nil, 0, classifyRegistry(fmt.Errorf("register the avro schema of topic %s under subject %s: %w", topic, valueSubject(topic), err))
	}
	return sc, id, nil
}

// newAvroEncoder registers the value schema (the load's columns plus the
// lineage columns) and returns an encoder of rows with the load's
// columns.
func newAvroEncoder(cfg Config, topic string, schema *arrow.Schema, lg *sdk.Lineage) (*avroEncoder, error) {
	client, err := registryClient(cfg, formatAvro)
	if err != nil {
		return nil, err
	}
	full := arrow.NewSchema(append(append([]arrow.Field(nil), schema.Fields()...), lineageFields(lg)...), nil)
	sc, id, err := registerAvro(client, topic, full)
	if err != nil {
		return nil, err
	}
	conf := avrov2.NewSerializerConfig()
	conf.AutoRegisterSchemas = false
	conf.UseSchemaID = id
	ser, err := avrov2.NewSerializer(client, serde.ValueSerde, conf)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "avro serializer: %w", err)
	}
	e := &avroEncoder{topic: topic, schema: sc, ser: ser, lineage: map[string]any{}, row: map[string]any{}}
	for _, f := range schema.Fields() {
		e.names = append(e.names, f.Name)
	}
	if lg != nil {
		if lg.RunIDColumn != "" {
			e.lineage[lg.RunIDColumn] = lg.RunID
		}
		if lg.LoadedAtColumn != "" {
			t, err := time.Parse(time.RFC3339Nano, lg.LoadedAt)
			if err != nil {
				return nil, sdk.Errorf(sdk.CodeInternal, "lineage loaded_at %q: %w", lg.LoadedAt, err)
			}
			e.lineage[lg.LoadedAtColumn] = t
		}
	}
	loadedAt, _ := e.lineage[lineageLoadedAt(lg)].(time.Time)
	e.fast = newAvroWriter(id, schema, lg, loadedAt)
	return e, nil
}

// lineageFields are the lineage columns a sink adds to every value.
func lineageFields(lg *sdk.Lineage) []arrow.Field {
	var fs []arrow.Field
	if lg == nil {
		return nil
	}
	if lg.RunIDColumn != "" {
		fs = append(fs, arrow.Field{Name: lg.RunIDColumn, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	if lg.LoadedAtColumn != "" {
		fs = append(fs, arrow.Field{Name: lg.LoadedAtColumn, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true})
	}
	return fs
}

// lineageLoadedAt is the loaded-at column's name, "" without one.
func lineageLoadedAt(lg *sdk.Lineage) string {
	if lg == nil {
		return ""
	}
	return lg.LoadedAtColumn
}

// value appends the encoding of row i of rec to dst[:0].
func (e *avroEncoder) value(dst []byte, rec arrow.RecordBatch, i int) ([]byte, error) {
	if e.fast != nil {
		return e.fast.append(dst[:0], rec, i)
	}
	clear(e.row)
	for c, col := range rec.Columns() {
		v, err := avroValue(col, i, rec.Schema().Field(c))
		if err != nil {
			return nil, fmt.Errorf("column %s row %d: %w", e.names[c], i, err)
		}
		e.row[e.names[c]] = v
	}
	for k, v := range e.lineage {
		e.row[k] = v
	}
	b, err := e.ser.Serialize(e.topic, &e.row)
	if err != nil {
		return nil, fmt.Errorf("avro: %w", err)
	}
	return b, nil
}

// avroValue is col[i] as the Go value hamba/avro encodes for the column's
// Avro type (avroType).
func avroValue(col arrow.Array, i int, f arrow.Field) (any, error) {
	if col.IsNull(i) {
		return nil, nil
	}
	switch a := col.(type) {
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Int8:
		return int32(a.Value(i)), nil
	case *array.Int16:
		return int32(a.Value(i)), nil
	case *array.Int32:
		return a.Value(i), nil
	case *array.Uint8:
		return int32(a.Value(i)), nil
	case *array.Uint16:
		return int32(a.Value(i)), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Uint32:
		return int64(a.Value(i)), nil
	case *array.Uint64:
		if a.Value(i) > math.MaxInt64 {
			return nil, fmt.Errorf("%d does not fit an avro long", a.Value(i))
		}
		return int64(a.Value(i)), nil
	case *array.Float32:
		return a.Value(i), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Binary:
		return a.Value(i), nil
	case *array.LargeBinary:
		return a.Value(i), nil
	case *array.FixedSizeBinary:
		return a.Value(i), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC(), nil
	case *array.Date32:
		return a.Value(i).ToTime().UTC(), nil
	case *array.Date64:
		return a.Value(i).ToTime().UTC(), nil
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return time.Duration(a.Value(i)) * unit.Multiplier(), nil
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return time.Duration(a.Value(i)) * unit.Multiplier(), nil
	case *array.Decimal128:
		t := a.DataType().(*arrow.Decimal128Type)
		r := new(big.Rat).SetFrac(a.Value(i).BigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Scale)), nil))
		return r, nil
	case *array.List:
		if _, nested := a.DataType().(*arrow.ListType).Elem().(arrow.NestedType); !nested {
			start, end := a.ValueOffsets(i)
			items := make([]any, 0, end-start)
			elem := a.ListValues()
			ef := a.DataType().(*arrow.ListType).ElemField()
			for j := start; j < end; j++ {
				v, err := avroValue(elem, int(j), ef)
				if err != nil {
					return nil, err
				}
				items = append(items, v)
			}
			return items, nil
		}
	}
	if isJSONField(f) {
		if s, ok := col.(*array.String); ok {
			return s.Value(i), nil
		}
	}
	b, err := json.Marshal(col.GetOneForMarshal(i))
	if err != nil {
		return nil, err
	}
	return string(b), nil
}
