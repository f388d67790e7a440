package page

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/spec"

	"github.com/dpone-go/dpone/plugins/rest/rest/jsonlex"
)

// Path is a compiled records_path: a JSONPath (RFC 9535) whose
// selected values hold the records (an array: its elements; an object: one
// record; null: none).
//
// A path of member names, optionally ending in a wildcard ($.data,
// $.result['items'], $.data[*]), is evaluated while the page streams in:
// only one record is in memory at a time. Any other path (filters,
// recursive descent, indexes, slices, unions) needs the whole page: it
// is read whole, evaluated, and its records taken in document order.
type Path struct {
	text string
	keys []string // the member names of a streamed path, or the leading ones of a full path
	each bool     // a streamed path ends in a wildcard
	full *jsonpath.Path
}

// Compile parses a records_path; "" and "$" are the root. A
// path without a leading "$" is taken as relative to the root (data.items).
func Compile(p string) (*Path, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		p = "$"
	}
	if !strings.HasPrefix(p, "$") {
		p = "$." + p
	}
	jp, err := jsonpath.Parse(p)
	if err != nil {
		return nil, fmt.Errorf("%q is not a JSONPath (RFC 9535, e.g. $.data.items, $.data[*], $..orders, $.data[?@.active == true]): %v", p, strings.TrimPrefix(err.Error(), "jsonpath: "))
	}
	rp := &Path{text: p, keys: []string{}}
	segs := jp.Query().Segments()
	for i, s := range segs {
		sels := s.Selectors()
		if s.IsDescendant() || len(sels) != 1 {
			rp.full = jp
			return rp, nil
		}
		switch sel := sels[0].(type) {
		case spec.Name:
			rp.keys = append(rp.keys, string(sel))
			continue
		case spec.WildcardSelector:
			if i == len(segs)-1 {
				rp.each = true
				continue
			}
		}
		rp.full = jp
		return rp, nil
	}
	return rp, nil
}

// streamed reports whether the path is evaluated while the page streams.
func (rp *Path) Streamed() bool { return rp.full == nil }

// selectRaw returns the raw values doc (a whole, valid JSON document)
// selects, in document order.
func (rp *Path) selectRaw(doc []byte) ([][]byte, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	root := &pathNode{}
	for n := range rp.full.SelectLocated(v).All() {
		t := root
		for _, sel := range n.Path {
			var key string
			switch s := sel.(type) {
			case spec.Name:
				key = "." + string(s)
			case spec.Index:
				key = "[" + strconv.Itoa(int(s))
			}
			if t.children == nil {
				t.children = map[string]*pathNode{}
			}
			c := t.children[key]
			if c == nil {
				c = &pathNode{}
				t.children[key] = c
			}
			t = c
		}
		t.selected = true
	}
	var out [][]byte
	collect(doc, root, &out)
	return out, nil
}

// pathNode is a trie of the selected locations.
type pathNode struct {
	selected bool
	children map[string]*pathNode // ".name" or "[index"
}

// collect appends the values of raw (a valid JSON value) that t selects.
func collect(raw []byte, t *pathNode, out *[][]byte) {
	raw = bytes.TrimSpace(raw)
	if t.selected {
		*out = append(*out, raw)
	}
	if len(t.children) == 0 || len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return
	}
	i := jsonlex.SkipSpace(raw, 1)
	for n := 0; i < len(raw) && raw[i] != '}' && raw[i] != ']'; n++ {
		key := "[" + strconv.Itoa(n)
		if raw[0] == '{' {
			end := jsonlex.ValueEnd(raw, i)
			key = "." + jsonlex.UnquoteKey(raw[i:end])
			i = jsonlex.SkipSpace(raw, end) + 1 // past ':'
			i = jsonlex.SkipSpace(raw, i)
		}
		end := jsonlex.ValueEnd(raw, i)
		if c := t.children[key]; c != nil {
			collect(raw[i:end], c, out)
		}
		i = jsonlex.SkipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = jsonlex.SkipSpace(raw, i+1)
		}
	}
}
