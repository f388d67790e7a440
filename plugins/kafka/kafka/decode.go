package kafka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

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
	next     int // the field after the last one found
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
	s := scanner{b: value}
	switch s.peek() {
	case '{':
	case 0:
		return fmt.Errorf("value is not JSON: %w", errEnd)
	default:
		if _, err := s.value(0); err != nil {
			return fmt.Errorf("value is not JSON: %w", err)
		}
		return fmt.Errorf("value is not a JSON object")
	}
	s.i++
	clear(d.seen)
	d.next = 0
	if s.peek() == '}' {
		s.i++
	} else {
		for {
			if s.peek() != '"' {
				return fmt.Errorf("value is not JSON: %w", s.syntax("looking for beginning of object key string"))
			}
			keyStart := s.i
			key, escaped, err := s.str()
			if err != nil {
				return fmt.Errorf("value is not JSON: %w", err)
			}
			if s.peek() != ':' {
				return fmt.Errorf("value is not JSON: %w", s.syntax("after object key"))
			}
			s.i++
			raw, err := s.value(0)
			if err != nil {
				return fmt.Errorf("value is not JSON: %w", err)
			}
			// Writers mostly keep the column order: try the field after
			// the last one before the map.
			var i int
			var ok bool
			if next := d.next; !escaped && next < len(d.fields) && d.fields[next].Name == string(key) {
				i, ok = next, true
			} else {
				i, ok = d.index[string(key)]
			}
			if escaped {
				var k string
				_ = json.Unmarshal(value[keyStart:keyStart+len(key)+2], &k)
				i, ok = d.index[k]
			}
			if ok {
				if d.seen[i] {
					return fmt.Errorf("key %q appears twice", d.fields[i].Name)
				}
				d.seen[i] = true
				d.next = i + 1
				if err := d.appendRaw(i, raw); err != nil {
					return fmt.Errorf("field %q: want %s: %w", d.fields[i].Name, d.fields[i].Type, err)
				}
			}
			if c := s.peek(); c == ',' {
				s.i++
				continue
			} else if c == '}' {
				s.i++
				break
			}
			return fmt.Errorf("value is not JSON: %w", s.syntax("after object key:value pair"))
		}
	}
	if s.peek() != 0 {
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
		text := raw[1 : len(raw)-1]
		if bytes.IndexByte(text, '\\') >= 0 || !utf8.Valid(text) {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			text = []byte(s)
		}
		if sb, ok := b.(*array.StringBuilder); ok {
			sb.BinaryBuilder.Append(text)
			return nil
		}
		if appendText(b, text) {
			return nil
		}
		return b.AppendValueFromString(string(text))
	}
	switch t := b.(type) {
	case *array.Int64Builder:
		v, err := strconv.ParseInt(unsafeString(raw), 10, 64)
		if err != nil {
			return err
		}
		t.Append(v)
		return nil
	case *array.Int32Builder:
		v, err := strconv.ParseInt(unsafeString(raw), 10, 32)
		if err != nil {
			return err
		}
		t.Append(int32(v))
		return nil
	case *array.Float64Builder:
		v, err := strconv.ParseFloat(unsafeString(raw), 64)
		if err != nil {
			return err
		}
		t.Append(v)
		return nil
	case *array.BooleanBuilder:
		switch string(raw) {
		case "true", "false":
			t.Append(raw[0] == 't')
			return nil
		}
	}
	return b.AppendValueFromString(string(raw))
}
