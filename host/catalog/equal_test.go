package catalog

import "testing"

func TestCloneIsDeepAndEqual(t *testing.T) {
	two := int32(2)
	in := &LogicalType{Kind: KindStruct, Fields: []*Field{
		{Name: "a", Type: &LogicalType{Kind: KindList, Element: &LogicalType{Kind: KindTime, FractionDigits: &two}}},
	}}
	c := in.Clone()
	if !c.Equal(in) {
		t.Fatalf("got clone %+v, want equal to %+v", c, in)
	}
	*c.Fields[0].Type.Element.FractionDigits = 3
	c.Fields[0].Name = "b"
	if *in.Fields[0].Type.Element.FractionDigits != 2 || in.Fields[0].Name != "a" {
		t.Errorf("got original changed through its clone: %+v", in.Fields[0])
	}
	if c.Equal(in) {
		t.Errorf("got changed clone equal to the original, want different")
	}
}

func TestEqualNil(t *testing.T) {
	var a, b *LogicalType
	if !a.Equal(b) {
		t.Errorf("got nil != nil, want equal")
	}
	if a.Equal(&LogicalType{}) || (&LogicalType{}).Equal(nil) {
		t.Errorf("got nil equal to a zero type, want different")
	}
	if !(&LogicalType{Kind: KindStruct}).Equal(&LogicalType{Kind: KindStruct, Fields: []*Field{}}) {
		t.Errorf("got no fields != empty fields, want equal")
	}
}
