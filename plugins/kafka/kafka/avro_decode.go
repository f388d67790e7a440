package kafka

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
	"github.com/hamba/avro/v2"

	"github.com/dpone-go/dpone/sdk"
)

// avroValueFields is the value schema of an avro topic: the latest
// version of its value subject in the registry, as Arrow columns.
func avroValueFields(cfg Config, topic string) ([]arrow.Field, error) {
	client, err := registryClient(cfg, formatAvro)
	if err != nil {
		return nil, err
	}
	md, err := client.GetLatestSchemaMetadata(valueSubject(topic))
	if err != nil {
		if isNotFound(err) {
			return nil, sdk.Errorf(sdk.CodeNotFound, "schema registry %s has no subject %s: register the topic's value schema, or read it with format json, string or bytes", cfg.SchemaRegistryURL, valueSubject(topic))
		}
		return nil, classifyRegistry(fmt.Errorf("latest schema of subject %s: %w", valueSubject(topic), err))
	}
	if md.SchemaType != "" && md.SchemaType != "AVRO" {
		return nil, sdk.Errorf(sdk.CodeSchema, "subject %s holds a %s schema, not avro: set format to match the topic", valueSubject(topic), md.SchemaType)
	}
	sc, err := avro.Parse(md.Schema)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeSchema, "subject %s version %d: %w", valueSubject(topic), md.Version, err)
	}
	return avroFields(sc)
}

// avroDecoder decodes Confluent-framed Avro values (each with the schema
// id it was written with) into the value columns' builders, by field
// name: a field the writer's schema lacks is NULL, one the columns lack
// is skipped. Values decode into a generic map, never into an empty
// struct, so every field arrives.
type avroDecoder struct {
	topic    string
	de       *avrov2.Deserializer
	fields   []arrow.Field
	builders []array.Builder
	m        map[string]any
}

func newAvroDecoder(cfg Config, topic string) (*avroDecoder, error) {
	client, err := registryClient(cfg, formatAvro)
	if err != nil {
		return nil, err
	}
	return newAvroDecoderWith(client, topic)
}

func newAvroDecoderWith(client schemaregistry.Client, topic string) (*avroDecoder, error) {
	de, err := avrov2.NewDeserializer(client, serde.ValueSerde, avrov2.NewDeserializerConfig())
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "avro deserializer: %w", err)
	}
	return &avroDecoder{topic: topic, de: de}, nil
}

// bind points the decoder at new builders.
func (d *avroDecoder) bind(fields []arrow.Field, builders []array.Builder) {
	d.fields, d.builders = fields, builders
}

// decode appends one row; on error the builders may hold a partial row.
func (d *avroDecoder) decode(value []byte) error {
	if value == nil {
		return fmt.Errorf("the message has no value (a tombstone)")
	}
	clear(d.m)
	if d.m == nil {
		d.m = map[string]any{}
	}
	if err := d.de.DeserializeInto(d.topic, value, &d.m); err != nil {
		return fmt.Errorf("value is not avro of a registered schema: %w", err)
	}
	for i, f := range d.fields {
		if err := appendAvro(d.builders[i], d.m[f.Name], f); err != nil {
			return fmt.Errorf("field %q: want %s: %w", f.Name, f.Type, err)
		}
	}
	return nil
}

// appendAvro appends a value hamba/avro decoded generically to b.
func appendAvro(b array.Builder, v any, f arrow.Field) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		if x, ok := v.(bool); ok {
			b.Append(x)
			return nil
		}
	case *array.Int32Builder:
		switch x := v.(type) {
		case int32:
			b.Append(x)
			return nil
		case int:
			b.Append(int32(x))
			return nil
		}
	case *array.Int64Builder:
		switch x := v.(type) {
		case int64:
			b.Append(x)
			return nil
		case int:
			b.Append(int64(x))
			return nil
		case int32:
			b.Append(int64(x))
			return nil
		}
	case *array.Float32Builder:
		if x, ok := v.(float32); ok {
			b.Append(x)
			return nil
		}
	case *array.Float64Builder:
		switch x := v.(type) {
		case float64:
			b.Append(x)
			return nil
		case float32:
			b.Append(float64(x))
			return nil
		}
	case *array.StringBuilder:
		if x, ok := v.(string); ok {
			b.Append(x)
			return nil
		}
		js, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.BinaryBuilder.Append(js)
		return nil
	case *array.BinaryBuilder:
		if x, ok := v.([]byte); ok {
			b.Append(x)
			return nil
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Uint8 {
			buf := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(buf), rv)
			b.Append(buf)
			return nil
		}
	case *array.TimestampBuilder:
		if x, ok := v.(time.Time); ok {
			unit := b.Type().(*arrow.TimestampType).Unit
			ts, err := arrow.TimestampFromTime(x, unit)
			if err != nil {
				return err
			}
			b.Append(ts)
			return nil
		}
	case *array.Date32Builder:
		if x, ok := v.(time.Time); ok {
			b.Append(arrow.Date32FromTime(x))
			return nil
		}
	case *array.Time32Builder:
		if x, ok := v.(time.Duration); ok {
			b.Append(arrow.Time32(x / time.Millisecond))
			return nil
		}
	case *array.Time64Builder:
		if x, ok := v.(time.Duration); ok {
			b.Append(arrow.Time64(x / time.Microsecond))
			return nil
		}
	case *array.Decimal128Builder:
		if x, ok := v.(*big.Rat); ok {
			t := b.Type().(*arrow.Decimal128Type)
			n := new(big.Rat).Mul(x, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Scale)), nil)))
			if !n.IsInt() {
				return fmt.Errorf("%s has more than %d decimal places", x.FloatString(int(t.Scale)+4), t.Scale)
			}
			d := decimal128.FromBigInt(n.Num())
			if !d.FitsInPrecision(t.Precision) {
				return fmt.Errorf("%s does not fit decimal(%d,%d)", x.FloatString(int(t.Scale)), t.Precision, t.Scale)
			}
			b.Append(d)
			return nil
		}
	case *array.ListBuilder:
		if u, ok := v.(map[string]any); ok && len(u) == 1 {
			v = u["array"] // a union member, as hamba decodes one that is not a primitive
		}
		if xs, ok := v.([]any); ok {
			b.Append(true)
			ef := b.Type().(*arrow.ListType).ElemField()
			for _, x := range xs {
				if err := appendAvro(b.ValueBuilder(), x, ef); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return fmt.Errorf("got %T", v)
}
