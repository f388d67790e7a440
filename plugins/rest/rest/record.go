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
// objects become a__b fields (arrays stay whole).
func parseRecord(raw json.RawMessage, flatten bool) (*record, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("a record is %s, want a JSON object", short(raw))
	}
	r := &record{vals: map[string]json.RawMessage{}}
	if err := r.add("", raw, flatten); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *record) add(prefix string, obj json.RawMessage, flatten bool) error {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key := prefix + kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if flatten && len(v) > 0 && v[0] == '{' {
			if err := r.add(key+"__", v, true); err != nil {
				return err
			}
			continue
		}
		if _, dup := r.vals[key]; !dup {
			r.keys = append(r.keys, key)
		}
		r.vals[key] = v
	}
	return nil
}
