package rest

import (
	"bytes"
	"fmt"

	"github.com/dpone-go/dpone/plugins/rest/rest/jsonlex"
)

// rowDecoder splits the records of a fixed schema into the raw values of
// the fields it wants (its slots), with no map and no allocation per
// record: the hot path of a read once the schema is fixed.
type rowDecoder struct {
	slots   map[string]int // record field (a__b when flattened) -> slot
	vals    [][]byte       // this record's value per slot, nil when absent
	flatten bool
	key     []byte // the (flattened) key being read
	// unknown is called with each field that has no slot (the key is
	// valid during the call only); nil: such fields are dropped.
	unknown func(key []byte) error

	// shape caches the (flattened) keys of the last record in order, with
	// their slots: API records mostly repeat one key order, so a key is
	// compared with the one at its position before it is hashed.
	shape []shapeKey
	n     int // members read of this record
}

// shapeKey is the key at one position of a record, and its slot (-1: none).
type shapeKey struct {
	key  []byte
	slot int
}

// slot returns the slot of field, adding one when it has none.
func (d *rowDecoder) slot(field string) int {
	if s, ok := d.slots[field]; ok {
		return s
	}
	if d.slots == nil {
		d.slots = map[string]int{}
	}
	s := len(d.vals)
	d.slots[field] = s
	d.vals = append(d.vals, nil)
	return s
}

// decode reads raw, a record from the page decoder (valid JSON), into
// vals: its slices point into raw.
func (d *rowDecoder) decode(raw []byte) error {
	clear(d.vals)
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return fmt.Errorf("a record is %s, want a JSON object", jsonlex.Short(raw))
	}
	d.key, d.n = d.key[:0], 0
	return d.add(raw)
}

// lookup returns the slot of d.key, -1 when it has none.
func (d *rowDecoder) lookup() int {
	n := d.n
	d.n++
	if n < len(d.shape) && bytes.Equal(d.shape[n].key, d.key) {
		return d.shape[n].slot
	}
	s, ok := d.slots[string(d.key)]
	if !ok {
		s = -1
	}
	if n < len(d.shape) {
		d.shape[n] = shapeKey{key: append(d.shape[n].key[:0], d.key...), slot: s}
	} else if n < 1024 {
		d.shape = append(d.shape, shapeKey{key: bytes.Clone(d.key), slot: s})
	}
	return s
}

// add reads the members of obj (a valid JSON object) under the key
// prefix in d.key.
func (d *rowDecoder) add(obj []byte) error {
	prefix := len(d.key)
	i := jsonlex.SkipSpace(obj, 1)
	for i < len(obj) && obj[i] != '}' {
		end := jsonlex.ValueEnd(obj, i)
		d.key = jsonlex.AppendUnquoted(d.key[:prefix], obj[i:end])
		i = jsonlex.SkipSpace(obj, jsonlex.SkipSpace(obj, end)+1) // past ':'
		end = jsonlex.ValueEnd(obj, i)
		v := obj[i:end]
		if d.flatten && v[0] == '{' {
			d.key = append(d.key, "__"...)
			if err := d.add(v); err != nil {
				return err
			}
		} else if s := d.lookup(); s >= 0 {
			d.vals[s] = v
		} else if d.unknown != nil {
			if err := d.unknown(d.key); err != nil {
				return err
			}
		}
		i = jsonlex.SkipSpace(obj, end)
		if i < len(obj) && obj[i] == ',' {
			i = jsonlex.SkipSpace(obj, i+1)
		}
	}
	d.key = d.key[:prefix]
	return nil
}
