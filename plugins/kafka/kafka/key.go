package kafka

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/dpone-go/dpone/sdk"
)

// Key formats: how the sink renders a unique_key as the message key
// (sink option key_format) and how the source reads keys (source option
// key_format: string or bytes).
const (
	// keyFormatString: the text of a single string column, else the JSON
	// of the value(s) (an array for several columns). The default.
	keyFormatString = "string"
	// keyFormatJSON: the JSON of the value of one column, an object of
	// the columns for several.
	keyFormatJSON = "json"
	// keyFormatBytes: the raw bytes of one binary or string column.
	keyFormatBytes = "bytes"
	// keyFormatAvro: a Confluent-framed Avro record of the key columns,
	// its schema registered under <topic>-key.
	keyFormatAvro = "avro"
)

// checkKeyFormat validates the sink's key_format against the key style
// and the load's schema.
func (l *load) checkKeyFormat(schema *arrow.Schema) error {
	f := l.opts.KeyFormat
	if f == keyFormatString {
		return nil
	}
	if l.opts.Key != keyUniqueKey || len(l.req.UniqueKey) == 0 {
		return sdk.Errorf(sdk.CodeConfig, "kafka sink options: key_format %s renders the unique_key columns: set strategy.unique_key and key: unique_key, or drop key_format", f)
	}
	switch f {
	case keyFormatBytes:
		if len(l.req.UniqueKey) != 1 {
			return sdk.Errorf(sdk.CodeConfig, "kafka sink options: key_format bytes takes one unique_key column, not %d: use json or avro", len(l.req.UniqueKey))
		}
		if schema != nil {
			if fs, ok := schema.FieldsByName(l.req.UniqueKey[0]); ok {
				switch fs[0].Type.(type) {
				case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType, *arrow.StringType, *arrow.LargeStringType:
				default:
					return sdk.Errorf(sdk.CodeConfig, "kafka sink options: key_format bytes needs a binary or string unique_key column, %s is %s: use string, json or avro", fs[0].Name, fs[0].Type)
				}
			}
		}
	case keyFormatAvro:
		if l.cfg.SchemaRegistryURL == "" {
			return sdk.Errorf(sdk.CodeConfig, "kafka sink options: key_format avro needs schema_registry_url in the connection config")
		}
	}
	return nil
}

// keySubject is the Schema Registry subject of a topic's keys.
func keySubject(topic string) string { return topic + "-key" }

// newAvroKeyWriter registers the Avro record of the key columns cols of
// schema under <topic>-key and returns their writer.
func (l *load) newAvroKeyWriter(schema *arrow.Schema, cols []int) (*avroWriter, error) {
	client, err := registryClient(l.cfg, formatAvro)
	if err != nil {
		return nil, err
	}
	fs := make([]arrow.Field, len(cols))
	for j, c := range cols {
		fs[j] = schema.Field(c)
	}
	ks := arrow.NewSchema(fs, nil)
	_, text, err := avroRecordSchema(l.topic+"_key", ks)
	if err != nil {
		return nil, err
	}
	id, err := client.Register(keySubject(l.topic), schemaregistry.SchemaInfo{Schema: text}, false)
	if err != nil {
		return nil, classifyRegistry(fmt.Errorf("register the avro key schema of topic %s under subject %s: %w", l.topic, keySubject(l.topic), err))
	}
	w := newAvroWriter(id, ks, nil, time.Time{})
	if w == nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka sink options: key_format avro: a key column's type has no direct Avro writer (lists, Date64, times, uint64): use json")
	}
	w.idx = cols
	return w, nil
}

// appendKeyJSON appends the JSON of the key columns: the value of one, an
// object of several.
func (e *rowEncoder) appendKeyJSON(dst []byte, rec arrow.RecordBatch, i int) ([]byte, error) {
	if len(e.keyCols) == 1 {
		return appendValue(dst, rec.Column(e.keyCols[0]), i, e.isJSON[e.keyCols[0]])
	}
	dst = append(dst, '{')
	for j, c := range e.keyCols {
		if j > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, rec.ColumnName(c))
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, rec.Column(c), i, e.isJSON[c]); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// appendKeyBytes appends the raw bytes of the one key column.
func (e *rowEncoder) appendKeyBytes(dst []byte, rec arrow.RecordBatch, i int) ([]byte, error) {
	switch a := rec.Column(e.keyCols[0]).(type) {
	case *array.Binary:
		return append(dst, a.Value(i)...), nil
	case *array.LargeBinary:
		return append(dst, a.Value(i)...), nil
	case *array.FixedSizeBinary:
		return append(dst, a.Value(i)...), nil
	case *array.String:
		return append(dst, a.Value(i)...), nil
	case *array.LargeString:
		return append(dst, a.Value(i)...), nil
	}
	return nil, fmt.Errorf("key_format bytes: column %s is %s", rec.ColumnName(e.keyCols[0]), rec.Column(e.keyCols[0]).DataType())
}
