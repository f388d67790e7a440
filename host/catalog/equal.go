package catalog

// Clone returns a deep copy of t; nil stays nil.
func (t *LogicalType) Clone() *LogicalType {
	if t == nil {
		return nil
	}
	c := *t
	c.Element, c.Key = t.Element.Clone(), t.Key.Clone()
	if t.Fields != nil {
		c.Fields = make([]*Field, len(t.Fields))
		for i, f := range t.Fields {
			c.Fields[i] = f.Clone()
		}
	}
	if t.FractionDigits != nil {
		d := *t.FractionDigits
		c.FractionDigits = &d
	}
	return &c
}

// Clone returns a deep copy of f; nil stays nil.
func (f *Field) Clone() *Field {
	if f == nil {
		return nil
	}
	c := *f
	c.Type = f.Type.Clone()
	return &c
}

// Equal reports whether a and b are the same type in every detail; two
// nils are equal, and no fields equals an empty field list.
func (t *LogicalType) Equal(o *LogicalType) bool {
	if t == nil || o == nil {
		return t == nil && o == nil
	}
	if t.Kind != o.Kind || t.Precision != o.Precision || t.Scale != o.Scale ||
		t.WithTimeZone != o.WithTimeZone || t.MaxLength != o.MaxLength || t.Native != o.Native ||
		t.FixedLength != o.FixedLength || t.JSONBinary != o.JSONBinary ||
		t.DecimalText != o.DecimalText || t.TextForm != o.TextForm {
		return false
	}
	if (t.FractionDigits == nil) != (o.FractionDigits == nil) ||
		t.FractionDigits != nil && *t.FractionDigits != *o.FractionDigits {
		return false
	}
	if !t.Element.Equal(o.Element) || !t.Key.Equal(o.Key) || len(t.Fields) != len(o.Fields) {
		return false
	}
	for i := range t.Fields {
		if !t.Fields[i].Equal(o.Fields[i]) {
			return false
		}
	}
	return true
}

// Equal reports whether f and o are the same field in every detail.
func (f *Field) Equal(o *Field) bool {
	if f == nil || o == nil {
		return f == nil && o == nil
	}
	return f.Name == o.Name && f.Nullable == o.Nullable && f.PrimaryKeyPosition == o.PrimaryKeyPosition &&
		f.Type.Equal(o.Type)
}
