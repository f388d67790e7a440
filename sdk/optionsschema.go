package sdk

import (
	"encoding/json"
	"reflect"
	"strings"
)

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// OptionsSchema returns the JSON Schema (draft 2020-12) of an options
// struct as encoding/json decodes it: one property per json-tagged field,
// no other keys; a field's doc tag is its description (dpone connectors
// info shows it). json.RawMessage fields accept any value (the connector
// parses them itself). Use it for Spec.SourceOptionsSchema with the same
// struct the connector decodes, so the published schema never drifts from
// what the connector accepts.
func OptionsSchema(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s := map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema"}
	for k, v := range typeSchema(t) {
		s[k] = v
	}
	b, _ := json.Marshal(s)
	return string(b)
}

var (
	columnNamesType = reflect.TypeFor[ColumnNames]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

func typeSchema(t reflect.Type) map[string]any {
	switch {
	case t == rawMessageType:
		return map[string]any{}
	case t == columnNamesType:
		return map[string]any{"anyOf": []any{map[string]any{"type": "string"},
			map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}}
	case t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType):
		// It decodes itself from forms its Go type does not show.
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeSchema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": typeSchema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		structProps(t, props)
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	return map[string]any{}
}

// structProps adds t's JSON properties to props. Like encoding/json, the
// fields of an embedded struct without a JSON name (sdk.CursorOptions in a
// source's options) are the outer struct's own keys.
func structProps(t reflect.Type, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			structProps(ft, props)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p := typeSchema(f.Type)
		if d := f.Tag.Get("doc"); d != "" {
			p["description"] = d
		}
		props[name] = p
	}
}
