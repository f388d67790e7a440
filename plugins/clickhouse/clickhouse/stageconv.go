package clickhouse

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"

	"github.com/dpone-go/dpone/sdk"
)

// A load through object storage writes its records as Parquet, which the
// server reads back with s3() into staging's column types. Most Arrow
// types arrive as the block path stores them: Parquet has the same
// integers, floats, decimals (32 to 256 bits), strings, bytes, dates,
// timestamps (instants in UTC, or local ticks), lists, maps and structs.
// What the block path converts itself is converted here, before the
// Parquet writer, the same way: a time of day becomes its text, a uuid
// its canonical text (any form uuid.Parse takes; anything else is a DATA
// error, as in the block path), a decimal ClickHouse cannot hold its
// exact text. The value checks of the block path run here too (NULL in a
// column that is not Nullable, instants outside int64 nanoseconds), so
// both paths refuse the same rows.

// stagedField is the field f is written to Parquet as, and whether its
// values change on the way (convertColumn).
func stagedField(f arrow.Field) (arrow.Field, bool) {
	switch t := f.Type.(type) {
	case *arrow.Time32Type, *arrow.Time64Type:
		f.Type = arrow.BinaryTypes.String
		return f, true
	case arrow.DecimalType:
		if t.GetPrecision() > maxDecimal || t.GetScale() < 0 {
			f.Type = arrow.BinaryTypes.String
			return f, true
		}
	case *arrow.StringType, *arrow.LargeStringType:
		if v, _ := f.Metadata.GetValue(sdk.MetaLogical); v == sdk.LogicalUUID {
			f.Type = arrow.BinaryTypes.String
			return f, true
		}
	case *arrow.ListType:
		ef, changed := stagedField(t.ElemField())
		f.Type = arrow.ListOfField(ef)
		return f, changed
	case *arrow.MapType:
		kf, kc := stagedField(t.KeyField())
		vf, vc := stagedField(t.ItemField())
		mt := arrow.MapOfFields(kf, vf)
		mt.KeysSorted = t.KeysSorted
		f.Type = mt
		return f, kc || vc
	case *arrow.StructType:
		fields := make([]arrow.Field, t.NumFields())
		changed := false
		for i, sf := range t.Fields() {
			var c bool
			fields[i], c = stagedField(sf)
			changed = changed || c
		}
		f.Type = arrow.StructOf(fields...)
		return f, changed
	}
	return f, false
}

// convertColumn is arr (of field f) as written to Parquet: arr itself
// (retained) when nothing changes, else a new array of the staged
// field's type (stagedField). The caller releases the result.
func convertColumn(f arrow.Field, arr arrow.Array) (arrow.Array, error) {
	if _, changed := stagedField(f); !changed {
		arr.Retain()
		return arr, nil
	}
	d, err := convertData(f, arr.Data())
	if err != nil {
		return nil, err
	}
	defer d.Release()
	return array.MakeFromData(d), nil
}

// convertData converts the values of d (of field f): leaves as a whole
// (every slot, so a parent's offsets still point at the same values),
// nested types by their children, keeping their validity and offsets.
func convertData(f arrow.Field, d arrow.ArrayData) (arrow.ArrayData, error) {
	sf, changed := stagedField(f)
	if !changed {
		d.Retain()
		return d, nil
	}
	switch t := f.Type.(type) {
	case *arrow.ListType:
		child, err := convertData(t.ElemField(), d.Children()[0])
		if err != nil {
			return nil, err
		}
		defer child.Release()
		return array.NewData(sf.Type, d.Len(), d.Buffers(), []arrow.ArrayData{child}, d.NullN(), d.Offset()), nil
	case *arrow.MapType:
		entries := arrow.Field{Name: "entries", Type: t.Elem()}
		child, err := convertData(entries, d.Children()[0])
		if err != nil {
			return nil, err
		}
		defer child.Release()
		return array.NewData(sf.Type, d.Len(), d.Buffers(), []arrow.ArrayData{child}, d.NullN(), d.Offset()), nil
	case *arrow.StructType:
		children := make([]arrow.ArrayData, len(d.Children()))
		defer func() {
			for _, c := range children {
				if c != nil {
					c.Release()
				}
			}
		}()
		for i, c := range d.Children() {
			var err error
			if children[i], err = convertData(t.Field(i), c); err != nil {
				return nil, err
			}
		}
		return array.NewData(sf.Type, d.Len(), d.Buffers(), children, d.NullN(), d.Offset()), nil
	}
	// A leaf: every slot of the child array, from its own offset.
	arr := array.MakeFromData(d)
	defer arr.Release()
	out, err := convertLeaf(f, arr)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	od := out.Data()
	od.Retain()
	return od, nil
}

// convertLeaf converts a time of day, a uuid or a decimal ClickHouse
// cannot hold to a string array of the same length and validity.
func convertLeaf(f arrow.Field, arr arrow.Array) (arrow.Array, error) {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.Reserve(arr.Len())
	var text func(i int) (string, error)
	switch a := arr.(type) {
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		text = func(i int) (string, error) { return timeText(a.Value(i).ToTime(unit)), nil }
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		text = func(i int) (string, error) { return timeText(a.Value(i).ToTime(unit)), nil }
	case *array.String:
		text = func(i int) (string, error) { return canonicalUUID(f, a.Value(i)) }
	case *array.LargeString:
		text = func(i int) (string, error) { return canonicalUUID(f, a.Value(i)) }
	default:
		// Decimals: their exact text, as the block path stores them.
		text = func(i int) (string, error) { return arr.ValueStr(i), nil }
	}
	for i := range arr.Len() {
		if arr.IsNull(i) {
			b.AppendNull()
			continue
		}
		s, err := text(i)
		if err != nil {
			return nil, err
		}
		b.Append(s)
	}
	return b.NewArray(), nil
}

// canonicalUUID is s in the canonical form s3() casts to UUID.
func canonicalUUID(f arrow.Field, s string) (string, error) {
	if u, ok := parseUUID36(s); ok {
		return u.String(), nil
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return "", sdk.Errorf(sdk.CodeData, "column %q: %q is not a uuid: %w", f.Name, s, err)
	}
	return u.String(), nil
}
