package manifest

import (
	"fmt"
	"slices"
)

// shape describes which keys and value kinds are allowed where. check
// walks a tree against it and reports unknown keys with a suggestion.
type shape struct {
	kind   shapeKind
	fields map[string]*shape // shapeFields
	elem   *shape            // shapeMapOf, shapeList
	open   bool              // shapeFields: keep unknown keys unless they look like typos
}

type shapeKind int

const (
	shapeAny        shapeKind = iota // anything
	shapeScalar                      // a string, number, bool or null
	shapeScalarList                  // a scalar or a list of scalars
	shapeFields                      // a mapping with known keys
	shapeMapOf                       // a mapping with free keys, values of elem
	shapeList                        // a list of elem
	shapeTableEntry                  // a scalar, or fields of tableShape
)

var (
	anyMap     = &shape{kind: shapeMapOf, elem: &shape{kind: shapeAny}}
	scalarS    = &shape{kind: shapeScalar}
	scalarList = &shape{kind: shapeScalarList}

	endpointShape = &shape{kind: shapeFields, fields: map[string]*shape{
		"type":            scalarS,
		"connection_id":   scalarS,
		"connection_type": scalarS,
		"params":          anyMap,
		"table": {kind: shapeFields, fields: map[string]*shape{
			"schema": scalarS,
			"name":   scalarS,
		}},
		"options":       anyMap,
		"shared_target": scalarS,
		"staging": {kind: shapeFields, fields: map[string]*shape{
			"type": scalarS, "bucket": scalarS, "prefix": scalarS, "keep": scalarS,
			"endpoint": scalarS, "region": scalarS, "connection_id": scalarS, "connection_type": scalarS,
		}},
		"strategy": {kind: shapeFields, open: true, fields: map[string]*shape{
			"mode":       scalarS,
			"unique_key": scalarList,
		}},
	}}

	// layerShape is what defaults, schema defaults and overrides hold.
	layerShape = &shape{kind: shapeFields, fields: map[string]*shape{
		"source":          endpointShape,
		"sink":            endpointShape,
		"schema_contract": anyMap,
		"depends_on":      scalarList,
		"vars":            anyMap,
	}}

	tableShape = &shape{kind: shapeFields, fields: map[string]*shape{
		"table":      scalarS,
		"id":         scalarS,
		"vars":       anyMap,
		"overrides":  layerShape,
		"depends_on": scalarList,
	}}

	topShape = &shape{kind: shapeFields, fields: map[string]*shape{
		"kind": scalarS,
		"metadata": {kind: shapeFields, fields: map[string]*shape{
			"id":    scalarS,
			"owner": scalarS,
			"tags":  scalarList,
		}},
		"vars": anyMap,
		"naming": {kind: shapeFields, fields: map[string]*shape{
			"sink_dataset": scalarS,
			"sink_table":   scalarS,
			"process_name": scalarS,
		}},
		"defaults": layerShape,
		"schemas": {kind: shapeMapOf, elem: &shape{kind: shapeFields, fields: map[string]*shape{
			"defaults": layerShape,
			"tables":   {kind: shapeList, elem: &shape{kind: shapeTableEntry}},
		}}},
		"connections": {kind: shapeMapOf, elem: anyMap},
		"state": {kind: shapeFields, fields: map[string]*shape{
			"backend": scalarS,
			"path":    scalarS,
			"dsn":     scalarS,
		}},
		"run": {kind: shapeFields, fields: map[string]*shape{
			"parallel": scalarS,
			"retries":  scalarS,
		}},
		"vault": {kind: shapeFields, fields: map[string]*shape{
			"address": scalarS, "namespace": scalarS, "kv_mount": scalarS, "path_prefix": scalarS,
			"auth": {kind: shapeFields, fields: map[string]*shape{
				"method": scalarS, "mount": scalarS, "token": scalarS, "role_id": scalarS,
				"secret_id": scalarS, "role": scalarS, "token_path": scalarS,
			}},
			"connections": {kind: shapeMapOf, elem: &shape{kind: shapeFields, fields: map[string]*shape{
				"kind": scalarS, "mount": scalarS, "path": scalarS, "template": {kind: shapeMapOf, elem: scalarS},
			}}},
		}},
		"plugins": {kind: shapeFields, fields: map[string]*shape{
			"dir":       scalarS,
			"lock_file": scalarS,
		}},
	}}
)

// check reports every mismatch between n and s. where names n for
// messages ("defaults.sink"); "" is the top level.
func (s *shape) check(n *node, where string, p *problems) {
	if n == nil {
		return
	}
	name := where
	if name == "" {
		name = "the top level"
	}
	switch s.kind {
	case shapeAny:
	case shapeScalar:
		if n.kind != scalarNode {
			p.add(ErrInvalid, n.line, "", "%s must be a single value, got a %s", name, kindName(n))
		}
	case shapeScalarList:
		if n.kind == mapNode {
			p.add(ErrInvalid, n.line, "", "%s must be a value or a list of values, got a mapping", name)
		}
		if n.kind == listNode {
			for i, c := range n.list {
				if c.kind != scalarNode {
					p.add(ErrInvalid, c.line, "", "%s[%d] must be a single value, got a %s", name, i, kindName(c))
				}
			}
		}
	case shapeTableEntry:
		if n.kind == scalarNode {
			if n.str() == "" {
				p.add(ErrInvalid, n.line, "", "%s: table name is empty", name)
			}
			return
		}
		tableShape.check(n, where, p)
		if n.kind == mapNode && n.get("table").str() == "" {
			p.add(ErrInvalid, n.line, "", "%s: missing key \"table\"", name)
		}
	case shapeList:
		if n.kind == scalarNode && n.val == nil {
			return // "key:" with nothing: an empty list
		}
		if n.kind != listNode {
			p.add(ErrInvalid, n.line, "", "%s must be a list, got a %s", name, kindName(n))
			return
		}
		for i, c := range n.list {
			s.elem.check(c, fmt.Sprintf("%s[%d]", where, i), p)
		}
	case shapeMapOf:
		if !isMap(n, name, p) {
			return
		}
		for _, k := range n.keys {
			s.elem.check(n.m[k], join(where, k), p)
		}
	case shapeFields:
		if !isMap(n, name, p) {
			return
		}
		known := make([]string, 0, len(s.fields))
		for k := range s.fields {
			known = append(known, k)
		}
		slices.Sort(known)
		for _, k := range n.keys {
			child, ok := s.fields[k]
			if ok {
				child.check(n.m[k], join(where, k), p)
				continue
			}
			if s.open && suggest(k, known) == "" {
				continue
			}
			p.add(ErrUnknownKey, n.m[k].line, "", "unknown key %q in %s%s", k, name, didYouMean(k, known))
		}
	}
}

func isMap(n *node, name string, p *problems) bool {
	if n.kind == mapNode {
		return true
	}
	if n.kind == scalarNode && n.val == nil {
		return true // "key:" with nothing means an empty mapping
	}
	p.add(ErrInvalid, n.line, "", "%s must be a mapping, got a %s", name, kindName(n))
	return false
}

func kindName(n *node) string {
	switch n.kind {
	case mapNode:
		return "mapping"
	case listNode:
		return "list"
	}
	return "value"
}

func join(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}
