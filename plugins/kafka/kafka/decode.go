package kafka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// valueDecoder appends JSON object values to the value columns' builders,
// straight from the tokens (no intermediate map). A field with the json
// logical type keeps its value's JSON text as it was written.
type valueDecoder struct {
	fields   []arrow.Field
	builders []array.Builder
	index    map[string]int
	isJSON   []bool
	seen     []bool
	r        bytes.Reader
}

func newValueDecoder(fields []arrow.Field, builders []array.Builder) *valueDecoder {
	d := &valueDecoder{fields: fields, builders: builders, index: make(map[string]int, len(fields)),
		isJSON: make([]bool, len(fields)), seen: make([]bool, len(fields))}
	for i, f := range fields {
		d.index[f.Name] = i
		v, _ := f.Metadata.GetValue("dpone.logical")
		d.isJSON[i] = v == "json"
	}
	return d
}

// decode appends one row. On error the builders may hold a partial row:
// the caller flushes the rows before it and starts new builders.
func (d *valueDecoder) decode(value []byte) error {
	if value == nil {
		return fmt.Errorf("the message has no value (a tombstone)")
	}
	d.r.Reset(value)
	dec := json.NewDecoder(&d.r)
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return fmt.Errorf("value is not JSON: %w", err)
	}
	if t != json.Delim('{') {
		return fmt.Errorf("value is not a JSON object")
	}
	clear(d.seen)
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return fmt.Errorf("value is not JSON: %w", err)
		}
		key, _ := kt.(string)
		i, ok := d.index[key]
		if !ok {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("value is not JSON: %w", err)
			}
			continue
		}
		if d.seen[i] {
			return fmt.Errorf("key %q appears twice", key)
		}
		d.seen[i] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("field %q: %w", key, err)
		}
		if err := d.appendRaw(i, raw); err != nil {
			return fmt.Errorf("field %q: want %s: %w", key, d.fields[i].Type, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("value is not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("value has data after its JSON object")
	}
	for i, ok := range d.seen {
		if !ok {
			d.builders[i].AppendNull()
		}
	}
	return nil
}

// appendRaw appends one JSON value to column i: JSON text as it is for
// a json column, else the value (unquoted when a string) parsed as the
// column's type from its text form, the form Arrow's ValueStr writes.
func (d *valueDecoder) appendRaw(i int, raw json.RawMessage) error {
	b := d.builders[i]
	switch {
	case string(raw) == "null":
		b.AppendNull()
		return nil
	case d.isJSON[i]:
		b.(*array.StringBuilder).BinaryBuilder.Append(raw)
		return nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		if sb, ok := b.(*array.StringBuilder); ok {
			sb.Append(s)
			return nil
		}
		return b.AppendValueFromString(s)
	}
	switch t := b.(type) {
	case *array.Int64Builder:
		v, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return err
		}
		t.Append(v)
		return nil
	case *array.Float64Builder:
		v, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return err
		}
		t.Append(v)
		return nil
	}
	return b.AppendValueFromString(string(raw))
}
