package rest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/dpone-go/dpone/plugins/rest/rest/jsonlex"
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
		return nil, fmt.Errorf("a record is %s, want a JSON object", jsonlex.Short(raw))
	}
	r := &record{vals: make(map[string]json.RawMessage, 16)}
	if err := r.add("", raw, flatten); err != nil {
		return nil, err
	}
	return r, nil
}

// add adds the fields of obj (a valid JSON object) under prefix.
func (r *record) add(prefix string, obj []byte, flatten bool) error {
	i := jsonlex.SkipSpace(obj, 1)
	for i < len(obj) && obj[i] != '}' {
		if obj[i] != '"' {
			return fmt.Errorf("malformed record near %s", jsonlex.Short(obj[i:]))
		}
		end := jsonlex.ValueEnd(obj, i)
		key := prefix + jsonlex.UnquoteKey(obj[i:end])
		i = jsonlex.SkipSpace(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return fmt.Errorf("malformed record near %s", jsonlex.Short(obj[i:]))
		}
		i = jsonlex.SkipSpace(obj, i+1)
		end = jsonlex.ValueEnd(obj, i)
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
		i = jsonlex.SkipSpace(obj, end)
		if i < len(obj) && obj[i] == ',' {
			i = jsonlex.SkipSpace(obj, i+1)
		}
	}
	return nil
}
