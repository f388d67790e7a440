package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// record is one API record as its fields, in the order they came, values
// raw JSON (never decoded into Go maps: 22.00 stays 22.00).
type record struct {
	keys []string
	vals map[string]json.RawMessage
}

// get returns the raw value of field name, nil when absent.
func (r *record) get(name string) json.RawMessage { return r.vals[name] }

// parseRecord splits raw, a JSON object, into fields; with flatten, nested
// objects become a__b fields (arrays stay whole). raw comes from the page
// decoder, so it is valid JSON: the split only finds the spans.
func parseRecord(raw json.RawMessage, flatten bool) (*record, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("a record is %s, want a JSON object", short(raw))
	}
	r := &record{vals: make(map[string]json.RawMessage, 16)}
	if err := r.add("", raw, flatten); err != nil {
		return nil, err
	}
	return r, nil
}

// add adds the fields of obj (a valid JSON object) under prefix.
func (r *record) add(prefix string, obj []byte, flatten bool) error {
	i := skipSpace(obj, 1)
	for i < len(obj) && obj[i] != '}' {
		if obj[i] != '"' {
			return fmt.Errorf("malformed record near %s", short(obj[i:]))
		}
		end := valueEnd(obj, i)
		key := prefix + unquoteKey(obj[i:end])
		i = skipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return fmt.Errorf("malformed record near %s", short(obj[i:]))
		}
		i = skipSpace(obj, i+1)
		end = valueEnd(obj, i)
		v := json.RawMessage(obj[i:end])
		if flatten && len(v) > 0 && v[0] == '{' {
			if err := r.add(key+"__", v, true); err != nil {
				return err
			}
		} else {
			if _, dup := r.vals[key]; !dup {
				r.keys = append(r.keys, key)
			}
			r.vals[key] = v
		}
		i = skipSpace(obj, end)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at i.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return len(b)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = valueEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	return j
}

// unquoteKey decodes a quoted key, fast when it has no escapes.
func unquoteKey(q []byte) string {
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q[1 : len(q)-1])
	}
	var s string
	_ = json.Unmarshal(q, &s)
	return s
}
