package catalog

import "testing"

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindInt64: "int64", KindUUID: "uuid", KindMap: "map", KindUnspecified: "unknown", Kind(99): "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d): got %q, want %q", k, got, want)
		}
	}
}

func TestNilAccessors(t *testing.T) {
	var f *Field
	var st *Stream
	var c *SchemaChange
	if f.GetName() != "" || f.GetType().GetKind() != KindUnspecified || f.GetType().GetElement().GetMaxLength() != 0 ||
		st.GetSchema().GetFields() != nil || c.GetField().GetNullable() || c.GetOp() != OpUnspecified {
		t.Errorf("got a value from a nil accessor, want zero values")
	}
}
