package kafka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/dpone-go/dpone/sdk"
)

// Envelope and value column names.
const (
	colTopic     = "_kafka_topic"
	colPartition = "_kafka_partition"
	colOffset    = "_kafka_offset"
	colTimestamp = "_kafka_timestamp"
	colKey       = "_kafka_key"
	colHeaders   = "_kafka_headers"
	colError     = "_kafka_error"
	colValue     = "_kafka_value"
)

var jsonMeta = arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalJSON})

// envelopeFields are the columns every message carries besides its value.
func envelopeFields(o readOptions) []arrow.Field {
	var fs []arrow.Field
	if o.Format == formatJSON || o.Format == formatAvro || o.Format == formatProtobuf {
		fs = append(fs, arrow.Field{Name: colError, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	if o.envelope {
		fs = append(fs,
			arrow.Field{Name: colTopic, Type: arrow.BinaryTypes.String},
			arrow.Field{Name: colPartition, Type: arrow.PrimitiveTypes.Int32},
			arrow.Field{Name: colOffset, Type: arrow.PrimitiveTypes.Int64},
			arrow.Field{Name: colTimestamp, Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
			keyField(o))
	}
	if o.headers {
		fs = append(fs, arrow.Field{Name: colHeaders, Type: arrow.BinaryTypes.String, Nullable: true, Metadata: jsonMeta})
	}
	return fs
}

// keyField is _kafka_key: string, or binary with key_format bytes.
func keyField(o readOptions) arrow.Field {
	if o.KeyFormat == keyFormatBytes {
		return arrow.Field{Name: colKey, Type: arrow.BinaryTypes.Binary, Nullable: true}
	}
	return arrow.Field{Name: colKey, Type: arrow.BinaryTypes.String, Nullable: true}
}

// rawValueField is the value column of the string and bytes formats.
func rawValueField(format string) arrow.Field {
	if format == formatBytes {
		return arrow.Field{Name: colValue, Type: arrow.BinaryTypes.Binary, Nullable: true}
	}
	return arrow.Field{Name: colValue, Type: arrow.BinaryTypes.String, Nullable: true}
}

// encodeSchema serializes a schema (with its field metadata) as Arrow IPC
// bytes, for receipts.
func encodeSchema(s *arrow.Schema) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeSchema reads a schema encoded by encodeSchema.
func decodeSchema(b []byte) (*arrow.Schema, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	defer r.Release()
	return r.Schema(), nil
}

// kind is what JSON inference saw in a field.
type kind uint8

const (
	kNull kind = 1 << iota
	kBool
	kInt
	kFloat
	kString
	kNested
)

// inferrer infers a value schema from sample JSON objects: field order is
// first appearance; integers widen to float64 beside decimals; nested
// values and fields of mixed kinds become json text; all-null fields are
// strings.
type inferrer struct {
	names []string
	kinds map[string]kind
}

func newInferrer() *inferrer { return &inferrer{kinds: map[string]kind{}} }

// add folds one message value in; a value that is not a JSON object is
// ignored (it will decode as a poison row).
func (in *inferrer) add(value []byte) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(value))
	if err := dec.Decode(&obj); err != nil {
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		return
	}
	// Go maps lose key order; read it again from the text.
	for _, name := range objectKeys(value) {
		raw, ok := obj[name]
		if !ok {
			continue
		}
		if _, seen := in.kinds[name]; !seen {
			in.names = append(in.names, name)
		}
		in.kinds[name] |= kindOf(raw)
	}
}

// objectKeys lists the top-level keys of a JSON object in order.
func objectKeys(value []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(value))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

func kindOf(raw json.RawMessage) kind {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "null":
		return kNull
	case s == "true" || s == "false":
		return kBool
	case strings.HasPrefix(s, `"`):
		return kString
	case strings.HasPrefix(s, "{") || strings.HasPrefix(s, "["):
		return kNested
	case strings.ContainsAny(s, ".eE"):
		return kFloat
	}
	return kInt
}

// schema is the inferred value schema.
func (in *inferrer) schema() []arrow.Field {
	fs := make([]arrow.Field, 0, len(in.names))
	for _, n := range in.names {
		k := in.kinds[n] &^ kNull
		f := arrow.Field{Name: n, Nullable: true}
		switch k {
		case 0, kString:
			f.Type = arrow.BinaryTypes.String
		case kBool:
			f.Type = arrow.FixedWidthTypes.Boolean
		case kInt:
			f.Type = arrow.PrimitiveTypes.Int64
		case kFloat, kInt | kFloat:
			f.Type = arrow.PrimitiveTypes.Float64
		default:
			f.Type, f.Metadata = arrow.BinaryTypes.String, jsonMeta
		}
		fs = append(fs, f)
	}
	return fs
}
