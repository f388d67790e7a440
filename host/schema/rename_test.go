package schema

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

func TestRename(t *testing.T) {
	ev, err := Diff(flds(t, "id int64 not null", "qty string not null"), flds(t, "id int64 not null", "qty int64"), wideningNC)
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "qty", Type: arrow.BinaryTypes.String, Metadata: arrow.NewMetadata([]string{"dpone.native"}, []string{"text"})},
	}, nil)
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()

	out := ev.RenameRecord(rec)
	defer out.Release()
	want := []arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "qty__dpone_nc_string", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: arrow.NewMetadata([]string{"dpone.native"}, []string{"text"})},
	}
	if d := cmp.Diff(want, out.Schema().Fields(), cmp.Comparer(func(a, b arrow.Field) bool { return a.Equal(b) })); d != "" {
		t.Errorf("renamed schema (-want +got):\n%s", d)
	}
	if out.Column(1) != rec.Column(1) {
		t.Errorf("RenameRecord copied the column, want it shared")
	}
	if rec.Schema().Field(1).Name != "qty" {
		t.Errorf("RenameRecord changed its input schema")
	}

	pf := ev.RenameFields(flds(t, "id int64 not null", "qty string not null"))
	if got := []string{pf[0].GetName(), pf[1].GetName()}; !cmp.Equal(got, []string{"id", "qty__dpone_nc_string"}) || !pf[1].GetNullable() {
		t.Errorf("RenameFields = %v (nullable %v), want [id qty__dpone_nc_string] nullable", got, pf[1].GetNullable())
	}

	none := &Evolution{}
	same := none.RenameRecord(rec)
	if same != rec {
		t.Errorf("RenameRecord without renames returned a new record, want the input retained")
	}
	same.Release()
}
