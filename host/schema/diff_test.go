package schema

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dpone-go/dpone/host/catalog"
)

// fld builds a field from "name type" or "name type not null".
func fld(t testing.TB, spec string) *catalog.Field {
	t.Helper()
	nullable := true
	if s, ok := strings.CutSuffix(spec, " not null"); ok {
		spec, nullable = s, false
	}
	name, typ, _ := strings.Cut(spec, " ")
	return &catalog.Field{Name: name, Type: ty(t, typ), Nullable: nullable}
}

func flds(t testing.TB, specs ...string) []*catalog.Field {
	out := make([]*catalog.Field, len(specs))
	for i, s := range specs {
		out[i] = fld(t, s)
	}
	return out
}

// opText renders a SchemaChange compactly for comparisons.
func opText(c *catalog.SchemaChange) string {
	f := c.GetField()
	switch c.GetOp() {
	case catalog.OpAddColumn:
		return fmt.Sprintf("ADD %s %s nullable=%v", f.GetName(), TypeName(f.GetType()), f.GetNullable())
	case catalog.OpWidenType:
		return fmt.Sprintf("WIDEN %s %s -> %s", f.GetName(), TypeName(c.GetFrom()), TypeName(f.GetType()))
	case catalog.OpDropNotNull:
		return "DROP NOT NULL " + f.GetName()
	}
	return c.GetOp().String()
}

type diffResult struct {
	Ops      []string
	Renames  map[string]string
	Kinds    []string
	Breaking []string
}

func runDiff(t *testing.T, src, tgt []*catalog.Field, p Policy) diffResult {
	t.Helper()
	ev, err := Diff(src, tgt, p)
	if ev == nil {
		t.Fatalf("Diff: nil Evolution, err %v", err)
	}
	var r diffResult
	for _, op := range ev.Changes() {
		r.Ops = append(r.Ops, opText(op))
	}
	r.Renames = ev.Renames
	for _, c := range ev.Columns {
		r.Kinds = append(r.Kinds, c.Column+":"+c.Kind.String())
	}
	for _, b := range ev.Breaking() {
		r.Breaking = append(r.Breaking, b.Error())
	}
	if (err != nil) != (len(r.Breaking) > 0) {
		t.Fatalf("Diff error %v, but Breaking() has %d entries", err, len(r.Breaking))
	}
	if err != nil {
		var be *BreakingError
		if !errors.As(err, &be) {
			t.Fatalf("Diff error %T is not a *BreakingError", err)
		}
	}
	return r
}

var (
	widening   = Policy{Mode: ModeWidening, OnTypeChange: TypeChangeFail}
	additive   = Policy{Mode: ModeAdditive, OnTypeChange: TypeChangeFail}
	strict     = Policy{Mode: ModeStrict, OnTypeChange: TypeChangeFail}
	freeze     = Policy{Mode: ModeFreeze, OnTypeChange: TypeChangeFail}
	wideningNC = Policy{Mode: ModeWidening, OnTypeChange: TypeChangeNewColumn}
	additiveNC = Policy{Mode: ModeAdditive, OnTypeChange: TypeChangeNewColumn}
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name     string
		src, tgt []string
		policy   Policy
		want     diffResult
	}{
		{name: "identical", src: []string{"id int64 not null", "name string"}, tgt: []string{"name string", "id int64 not null"},
			policy: freeze, want: diffResult{}},

		// add column
		{name: "add nullable column", src: []string{"id int64", "email string(100)"}, tgt: []string{"id int64"}, policy: widening,
			want: diffResult{Ops: []string{"ADD email string(100) nullable=true"}, Kinds: []string{"email:add_column"}}},
		{name: "add NOT NULL column as nullable", src: []string{"id int64", "email string not null"}, tgt: []string{"id int64"}, policy: additive,
			want: diffResult{Ops: []string{"ADD email string nullable=true"}, Kinds: []string{"email:add_column"}}},
		{name: "add column under strict", src: []string{"id int64", "email string"}, tgt: []string{"id int64"}, policy: strict,
			want: diffResult{Kinds: []string{"email:add_column"}, Breaking: []string{
				`column "email": (absent) -> string is a new column, which mode strict does not allow; set sink.options.schema_evolution.mode: additive (or widening), or remove it from the source`}}},
		{name: "add column under freeze", src: []string{"id int64", "email string"}, tgt: []string{"id int64"}, policy: freeze,
			want: diffResult{Kinds: []string{"email:add_column"}, Breaking: []string{
				`column "email": (absent) -> string is a new column, which mode freeze does not allow; set sink.options.schema_evolution.mode: additive (or widening), or remove it from the source`}}},

		// widen
		{name: "widen int32 to int64", src: []string{"qty int64"}, tgt: []string{"qty int32"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN qty int32 -> int64"}, Kinds: []string{"qty:widen_type"}}},
		{name: "widen int8 to int16", src: []string{"q int16"}, tgt: []string{"q int8"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN q int8 -> int16"}, Kinds: []string{"q:widen_type"}}},
		{name: "widen uint16 into int16 needs int32", src: []string{"q uint16"}, tgt: []string{"q int16"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN q int16 -> int32"}, Kinds: []string{"q:widen_type"}}},
		{name: "widen float32", src: []string{"f float64"}, tgt: []string{"f float32"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN f float32 -> float64"}, Kinds: []string{"f:widen_type"}}},
		{name: "widen decimal precision", src: []string{"d decimal(20,4)"}, tgt: []string{"d decimal(18,4)"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN d decimal(18,4) -> decimal(20,4)"}, Kinds: []string{"d:widen_type"}}},
		{name: "widen decimal scale keeping integer digits", src: []string{"d decimal(10,4)"}, tgt: []string{"d decimal(10,2)"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN d decimal(10,2) -> decimal(12,4)"}, Kinds: []string{"d:widen_type"}}},
		{name: "widen varchar", src: []string{"s string(200)"}, tgt: []string{"s string(50)"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN s string(50) -> string(200)"}, Kinds: []string{"s:widen_type"}}},
		{name: "widen varchar to unbounded", src: []string{"s string"}, tgt: []string{"s string(50)"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN s string(50) -> string"}, Kinds: []string{"s:widen_type"}}},
		{name: "widen timestamp precision", src: []string{"ts timestamp(6, tz)"}, tgt: []string{"ts timestamp(3, tz)"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN ts timestamp(3, tz) -> timestamp(6, tz)"}, Kinds: []string{"ts:widen_type"}}},
		{name: "widen keeps NOT NULL and relaxes separately", src: []string{"q int64"}, tgt: []string{"q int32 not null"}, policy: widening,
			want: diffResult{Ops: []string{"WIDEN q int32 -> int64", "DROP NOT NULL q"}, Kinds: []string{"q:widen_type", "q:drop_not_null"}}},
		{name: "widen under additive is narrowing", src: []string{"qty int64"}, tgt: []string{"qty int32"}, policy: additive,
			want: diffResult{Kinds: []string{"qty:narrowing"}, Breaking: []string{
				`column "qty": int32 -> int64 needs the target widened to int64, which mode additive does not allow; set sink.options.schema_evolution.mode: widening, or fix the source`}}},
		{name: "widen under strict", src: []string{"s string(20)"}, tgt: []string{"s string(10)"}, policy: strict,
			want: diffResult{Kinds: []string{"s:narrowing"}, Breaking: []string{
				`column "s": string(10) -> string(20) needs the target widened to string(20), which mode strict does not allow; set sink.options.schema_evolution.mode: widening, or fix the source`}}},

		// narrower source
		{name: "narrower source fits", src: []string{"qty int32", "s string(5)"}, tgt: []string{"qty int64", "s string"}, policy: strict,
			want: diffResult{Kinds: []string{"qty:narrower_source", "s:narrower_source"}}},
		{name: "narrower source under freeze", src: []string{"qty int32"}, tgt: []string{"qty int64"}, policy: freeze,
			want: diffResult{Kinds: []string{"qty:narrower_source"}, Breaking: []string{
				`column "qty": int64 -> int32 differs, which mode freeze does not allow (the target would accept it); set sink.options.schema_evolution.mode: strict to accept narrower source types, or fix the source`}}},

		// nullability
		{name: "relax NOT NULL", src: []string{"id int64"}, tgt: []string{"id int64 not null"}, policy: additive,
			want: diffResult{Ops: []string{"DROP NOT NULL id"}, Kinds: []string{"id:drop_not_null"}}},
		{name: "relax NOT NULL under strict", src: []string{"id int64"}, tgt: []string{"id int64 not null"}, policy: strict,
			want: diffResult{Kinds: []string{"id:drop_not_null"}, Breaking: []string{
				`column "id": int64 NOT NULL -> int64 needs NOT NULL dropped (int64 may send NULL), which mode strict does not allow; set sink.options.schema_evolution.mode: additive (or widening), or make the source column NOT NULL`}}},
		{name: "NOT NULL source into nullable target", src: []string{"id int64 not null"}, tgt: []string{"id int64"}, policy: freeze,
			want: diffResult{}},

		// missing in source
		{name: "missing nullable column", src: []string{"id int64"}, tgt: []string{"id int64", "legacy string"}, policy: strict,
			want: diffResult{Kinds: []string{"legacy:missing_in_source"}}},
		{name: "missing NOT NULL column", src: []string{"id int64"}, tgt: []string{"id int64", "legacy string not null"}, policy: widening,
			want: diffResult{Kinds: []string{"legacy:missing_in_source"}, Breaking: []string{
				`column "legacy": string NOT NULL -> (missing) is missing in the source and NOT NULL in the target; restore it at the source, or make the target column nullable`}}},
		{name: "missing column under freeze", src: []string{"id int64"}, tgt: []string{"id int64", "legacy string"}, policy: freeze,
			want: diffResult{Kinds: []string{"legacy:missing_in_source"}, Breaking: []string{
				`column "legacy": string -> (missing) is missing in the source, which mode freeze does not allow; set sink.options.schema_evolution.mode: strict (or additive, widening) to accept a source with fewer columns, or restore it at the source`}}},
		{name: "managed lineage columns are not missing", src: []string{"id int64"},
			tgt:    []string{"id int64", "_dpone_run_id string not null", "_dpone_loaded_at timestamp(6, tz) not null"},
			policy: Policy{Mode: ModeFreeze, OnTypeChange: TypeChangeFail, Managed: []string{"_dpone_run_id", "_dpone_loaded_at"}},
			want:   diffResult{}},

		// incompatible and new_column routing
		{name: "incompatible fails", src: []string{"qty string"}, tgt: []string{"qty int64"}, policy: widening,
			want: diffResult{Kinds: []string{"qty:incompatible"}, Breaking: []string{
				`column "qty": int64 -> string is incompatible; set sink.options.schema_evolution.on_type_change: new_column to load it into qty__dpone_nc_string, or fix the source`}}},
		{name: "incompatible under strict names both options", src: []string{"qty string"}, tgt: []string{"qty int64"}, policy: strict,
			want: diffResult{Kinds: []string{"qty:incompatible"}, Breaking: []string{
				`column "qty": int64 -> string is incompatible; set sink.options.schema_evolution: {mode: additive, on_type_change: new_column} to load it into qty__dpone_nc_string, or fix the source`}}},
		{name: "timestamp zone change is incompatible", src: []string{"ts timestamp(6, tz)"}, tgt: []string{"ts timestamp(6)"}, policy: widening,
			want: diffResult{Kinds: []string{"ts:incompatible"}, Breaking: []string{
				`column "ts": timestamp(6) -> timestamp(6, tz) is incompatible; set sink.options.schema_evolution.on_type_change: new_column to load it into ts__dpone_nc_timestamptz, or fix the source`}}},
		{name: "no wider type is narrowing", src: []string{"n uint64"}, tgt: []string{"n int64"}, policy: widening,
			want: diffResult{Kinds: []string{"n:narrowing"}, Breaking: []string{
				`column "n": int64 -> uint64 cannot be widened: no type of this kind holds both; set sink.options.schema_evolution.on_type_change: new_column to load it into n__dpone_nc_uint64, or fix the source`}}},
		{name: "new_column routes incompatible", src: []string{"id int64", "qty string"}, tgt: []string{"id int64", "qty int64"}, policy: wideningNC,
			want: diffResult{Ops: []string{"ADD qty__dpone_nc_string string nullable=true"}, Renames: map[string]string{"qty": "qty__dpone_nc_string"},
				Kinds: []string{"qty:new_column"}}},
		{name: "new_column relaxes the original NOT NULL column", src: []string{"qty string not null"}, tgt: []string{"qty int64 not null"}, policy: wideningNC,
			want: diffResult{Ops: []string{"ADD qty__dpone_nc_string string nullable=true", "DROP NOT NULL qty"},
				Renames: map[string]string{"qty": "qty__dpone_nc_string"}, Kinds: []string{"qty:new_column", "qty:drop_not_null"}}},
		{name: "new_column routes a narrowing", src: []string{"n uint64"}, tgt: []string{"n int64"}, policy: wideningNC,
			want: diffResult{Ops: []string{"ADD n__dpone_nc_uint64 uint64 nullable=true"}, Renames: map[string]string{"n": "n__dpone_nc_uint64"},
				Kinds: []string{"n:new_column"}}},
		{name: "additive new_column routes what it may not widen", src: []string{"qty int64"}, tgt: []string{"qty int32"}, policy: additiveNC,
			want: diffResult{Ops: []string{"ADD qty__dpone_nc_int64 int64 nullable=true"}, Renames: map[string]string{"qty": "qty__dpone_nc_int64"},
				Kinds: []string{"qty:new_column"}}},
		{name: "widening new_column still widens in place", src: []string{"qty int64"}, tgt: []string{"qty int32"}, policy: wideningNC,
			want: diffResult{Ops: []string{"WIDEN qty int32 -> int64"}, Kinds: []string{"qty:widen_type"}}},
		{name: "existing new column is reused", src: []string{"qty string(10)"}, tgt: []string{"qty int64", "qty__dpone_nc_string string"}, policy: wideningNC,
			want: diffResult{Renames: map[string]string{"qty": "qty__dpone_nc_string"}, Kinds: []string{"qty:new_column"}}},
		{name: "existing new column is widened", src: []string{"qty string(20)"}, tgt: []string{"qty int64", "qty__dpone_nc_string string(10)"}, policy: wideningNC,
			want: diffResult{Ops: []string{"WIDEN qty__dpone_nc_string string(10) -> string(20)"}, Renames: map[string]string{"qty": "qty__dpone_nc_string"},
				Kinds: []string{"qty:new_column", "qty:widen_type"}}},
		{name: "new columns are not missing once the source is back", src: []string{"qty int64"}, tgt: []string{"qty int64", "qty__dpone_nc_string string"}, policy: freeze,
			want: diffResult{}},
		{name: "timestamptz new column name", src: []string{"ts timestamp(6, tz)"}, tgt: []string{"ts timestamp(6)"}, policy: wideningNC,
			want: diffResult{Ops: []string{"ADD ts__dpone_nc_timestamptz timestamp(6, tz) nullable=true"}, Renames: map[string]string{"ts": "ts__dpone_nc_timestamptz"},
				Kinds: []string{"ts:new_column"}}},

		// names
		{name: "case conflict", src: []string{"ID int64"}, tgt: []string{"id int64"}, policy: widening,
			want: diffResult{Kinds: []string{"ID:case_conflict"}, Breaking: []string{
				`column "ID": "id" -> "ID" differs from the target column only in letter case; rename it at the source (a query alias) to match the target exactly`}}},
		{name: "every breaking change is reported", src: []string{"a string", "b int64"}, tgt: []string{"a int64", "b int32", "c int8 not null"}, policy: additive,
			want: diffResult{Kinds: []string{"a:incompatible", "b:narrowing", "c:missing_in_source"}, Breaking: []string{
				`column "a": int64 -> string is incompatible; set sink.options.schema_evolution.on_type_change: new_column to load it into a__dpone_nc_string, or fix the source`,
				`column "b": int32 -> int64 needs the target widened to int64, which mode additive does not allow; set sink.options.schema_evolution.mode: widening, or fix the source`,
				`column "c": int8 NOT NULL -> (missing) is missing in the source and NOT NULL in the target; restore it at the source, or make the target column nullable`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runDiff(t, flds(t, tt.src...), flds(t, tt.tgt...), tt.policy)
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("Diff (-want +got):\n%s", d)
			}
		})
	}
}

func TestDiffErrors(t *testing.T) {
	_, err := Diff(flds(t, "a int64", "a string"), nil, widening)
	if err == nil || err.Error() != `source has two columns named "a"` {
		t.Errorf("got %v, want duplicate source column error", err)
	}
	_, err = Diff(nil, flds(t, "a int64", "a string"), widening)
	if err == nil || err.Error() != `target has two columns named "a"` {
		t.Errorf("got %v, want duplicate target column error", err)
	}
	ev, err := Diff(flds(t, "a string", "b string"), flds(t, "a int64", "b int64"), widening)
	var be *BreakingError
	if !errors.As(err, &be) || be.Column != "a" || be.From != "int64" || be.To != "string" || be.Kind != KindIncompatible {
		t.Errorf("errors.As: got %+v, want column a int64 -> string incompatible", be)
	}
	if len(ev.Breaking()) != 2 || ev.NeedsDDL() {
		t.Errorf("got %d breaking, NeedsDDL %v; want 2, false", len(ev.Breaking()), ev.NeedsDDL())
	}
}

func TestNewColumnName(t *testing.T) {
	tests := []struct{ col, typ, want string }{
		{"qty", "string", "qty__dpone_nc_string"},
		{"qty", "string(10)", "qty__dpone_nc_string"},
		{"amount", "decimal(18,4)", "amount__dpone_nc_decimal"},
		{"ts", "timestamp(3)", "ts__dpone_nc_timestamp"},
		{"ts", "timestamp(3, tz)", "ts__dpone_nc_timestamptz"},
	}
	for _, tt := range tests {
		if got := NewColumnName(tt.col, ty(t, tt.typ)); got != tt.want {
			t.Errorf("NewColumnName(%s, %s) = %q, want %q", tt.col, tt.typ, got, tt.want)
		}
	}
}
