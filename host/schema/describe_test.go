package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDescribe(t *testing.T) {
	ev, _ := Diff(
		flds(t, "id int64", "qty int64", "code string", "email string", "amount decimal(10,2)"),
		flds(t, "id int64 not null", "qty int32", "code int64", "legacy string", "amount decimal(12,2)", "_dpone_run_id string"),
		Policy{Mode: ModeWidening, OnTypeChange: TypeChangeNewColumn, Managed: []string{"_dpone_run_id"}})
	want := `schema evolution (mode widening, on_type_change new_column):
  ~ drop NOT NULL on id
  ~ widen column qty int32 -> int64
  > route code (string) into new column code__dpone_nc_string; code gets NULL
  + add column email string (nullable)
  = column amount: source decimal(10,2) fits target decimal(12,2)
  ? column legacy is missing in the source (nullable: gets NULL)
`
	if d := cmp.Diff(want, Describe(ev)); d != "" {
		t.Errorf("Describe (-want +got):\n%s", d)
	}

	ev, _ = Diff(flds(t, "a string"), flds(t, "a int64"), widening)
	want = `schema evolution (mode widening, on_type_change fail):
  ! column "a": int64 -> string is incompatible; set sink.options.schema_evolution.on_type_change: new_column to load it into a__dpone_nc_string, or fix the source
`
	if d := cmp.Diff(want, Describe(ev)); d != "" {
		t.Errorf("Describe breaking (-want +got):\n%s", d)
	}
	if got := Describe(nil); got != "schema: no changes\n" {
		t.Errorf("Describe(nil) = %q, want no changes", got)
	}
}
