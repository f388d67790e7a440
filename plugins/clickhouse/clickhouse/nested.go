package clickhouse

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/sdk"
)

// composite reports whether the ClickHouse type t is one that cannot be
// wrapped in Nullable (Array, Map, Tuple).
func composite(t string) bool {
	return strings.HasPrefix(t, "Array(") || strings.HasPrefix(t, "Map(") || strings.HasPrefix(t, "Tuple(")
}

// innerType is the ClickHouse type of a nested field (a map's key or
// value, a struct's field): chType, Nullable when the field is.
func innerType(f arrow.Field) (typ, loss string, err error) {
	t, loss, err := chType(f)
	if err != nil {
		return "", "", err
	}
	if f.Nullable && !composite(t) {
		t = "Nullable(" + t + ")"
	}
	return t, loss, nil
}

// mapType maps an Arrow map to Map(K, V). Keys are never NULL in Arrow,
// and ClickHouse Map keys cannot be Nullable.
func mapType(f arrow.Field, t *arrow.MapType) (typ, loss string, err error) {
	key := t.KeyField()
	key.Name, key.Nullable = f.Name+".key", false
	kt, kl, err := chType(key)
	if err != nil {
		return "", "", err
	}
	if composite(kt) || strings.HasPrefix(kt, "Decimal(") {
		return "", "", sdk.Errorf(sdk.CodeSchema, "column %q: map keys of type %s have no ClickHouse Map key type (want integers, strings, dates, uuid)", f.Name, key.Type)
	}
	item := t.ItemField()
	item.Name = f.Name + ".value"
	vt, vl, err := innerType(item)
	if err != nil {
		return "", "", err
	}
	notes := []string{}
	if f.Nullable {
		notes = append(notes, "a NULL map is stored as an empty map (ClickHouse maps cannot be Nullable)")
	}
	if t.KeysSorted {
		notes = append(notes, "key order is not kept")
	}
	for _, n := range []string{kl, vl} {
		if n != "" {
			notes = append(notes, n)
		}
	}
	notes = append(notes, "read back as json")
	return fmt.Sprintf("Map(%s, %s)", kt, vt), strings.Join(notes, "; "), nil
}

// tupleType maps an Arrow struct to a named Tuple(name T, ...).
func tupleType(f arrow.Field, t *arrow.StructType) (typ, loss string, err error) {
	if t.NumFields() == 0 {
		return "", "", sdk.Errorf(sdk.CodeSchema, "column %q: a struct without fields has no ClickHouse Tuple", f.Name)
	}
	parts := make([]string, t.NumFields())
	var notes []string
	for i, sf := range t.Fields() {
		if sf.Name == "" {
			return "", "", sdk.Errorf(sdk.CodeSchema, "column %q: struct field %d has no name (a named Tuple needs one)", f.Name, i)
		}
		sf.Name = f.Name + "." + sf.Name
		ft, fl, err := innerType(sf)
		if err != nil {
			return "", "", err
		}
		parts[i] = quote(t.Field(i).Name) + " " + ft
		if fl != "" {
			notes = append(notes, t.Field(i).Name+": "+fl)
		}
	}
	if f.Nullable {
		notes = append([]string{"a NULL struct is stored as a tuple of NULL fields (zero values for fields that are not nullable): ClickHouse tuples cannot be Nullable"}, notes...)
	}
	notes = append(notes, "read back as json")
	return "Tuple(" + strings.Join(parts, ", ") + ")", strings.Join(notes, "; "), nil
}

// mapValues converts a map column into one ordered map per row for a Map
// column (values pointers when nullable), entries in the Arrow order; a
// NULL map is empty.
func mapValues(f arrow.Field, a *array.Map) (any, error) {
	t := a.DataType().(*arrow.MapType)
	key, item := t.KeyField(), t.ItemField()
	keys, err := columnValues(arrow.Field{Name: f.Name + ".key", Type: key.Type, Metadata: key.Metadata}, a.Keys(), false)
	if err != nil {
		return nil, err
	}
	items, err := columnValues(arrow.Field{Name: f.Name + ".value", Type: item.Type, Nullable: item.Nullable, Metadata: item.Metadata}, a.Items(), item.Nullable)
	if err != nil {
		return nil, err
	}
	kv, iv := reflect.ValueOf(keys), reflect.ValueOf(items)
	out := make([]*orderedMap, a.Len())
	for i := range a.Len() {
		start, end := a.ValueOffsets(i)
		if !a.IsValid(i) {
			end = start
		}
		out[i] = &orderedMap{keys: kv, items: iv, start: int(start), end: int(end)}
	}
	return out, nil
}

// structValues converts a struct column into one []any per row for a
// named Tuple column; a NULL struct's nullable fields are NULL.
func structValues(f arrow.Field, a *array.Struct) (any, error) {
	t := a.DataType().(*arrow.StructType)
	fields := make([]reflect.Value, t.NumFields())
	// A field that is not nullable may still hold NULL under a NULL
	// struct: it is converted as nullable and stored as its zero value.
	deref := make([]bool, t.NumFields())
	for i, sf := range t.Fields() {
		child := a.Field(i)
		deref[i] = !sf.Nullable && child.NullN() > 0
		for r := 0; deref[i] && r < a.Len(); r++ {
			if child.IsNull(r) && a.IsValid(r) {
				return nil, sdk.Errorf(sdk.CodeData, "column %q: field %q is NULL in row %d but not nullable", f.Name, sf.Name, r)
			}
		}
		v, err := columnValues(arrow.Field{Name: f.Name + "." + sf.Name, Type: sf.Type, Nullable: sf.Nullable, Metadata: sf.Metadata}, child, sf.Nullable || deref[i])
		if err != nil {
			return nil, err
		}
		fields[i] = reflect.ValueOf(v)
	}
	out := make([][]any, a.Len())
	for r := range a.Len() {
		row := make([]any, len(fields))
		for i, fv := range fields {
			v := fv.Index(r)
			switch {
			case deref[i] && v.IsNil():
				v = reflect.Zero(v.Type().Elem())
			case deref[i]:
				v = v.Elem()
			case !a.IsValid(r) && v.Kind() == reflect.Pointer:
				v = reflect.Zero(v.Type())
			}
			row[i] = v.Interface()
		}
		out[r] = row
	}
	return out, nil
}
