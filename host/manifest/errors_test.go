package manifest

import (
	"errors"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/host/dag"
	"github.com/google/go-cmp/cmp"
)

// base is a valid manifest; cases edit it with replacements.
const base = `kind: dpone.batch.v1
metadata: {id: shop}
vars: {sys: shop}
naming:
  sink_table: "{{ src_schema }}__{{ src_table }}"
defaults:
  source:
    type: postgres
    connection_id: shop_pg
  sink:
    type: duckdb
    connection_id: dwh
    strategy: {mode: incremental_merge, unique_key: [id]}
schemas:
  public:
    tables:
      - customers
      - table: orders
        depends_on: [public.customers]
`

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		edit [][2]string // replacements applied to base, in order
		want []string    // the exact error lines, in any order
		kind error
	}{
		{
			name: "unknown key with suggestion",
			edit: [][2]string{{"  sink:\n    type: duckdb", "  sinks:\n    type: duckdb"}},
			want: []string{
				`m.yaml:10: unknown key "sinks" in defaults (did you mean "sink"?)`,
				`m.yaml:17: unit public.customers: sink.type is required: set it in defaults.sink.type or the table's overrides`,
				`m.yaml:18: unit public.orders: sink.type is required: set it in defaults.sink.type or the table's overrides`,
			},
			kind: ErrUnknownKey,
		},
		{
			name: "unknown top-level key lists the allowed ones when nothing is close",
			edit: [][2]string{{"vars: {sys: shop}", "vars: {sys: shop}\nzzzzzzz: 1"}},
			want: []string{`m.yaml:4: unknown key "zzzzzzz" in the top level (expected one of: connections, defaults, kind, metadata, naming, plugins, run, schemas, state, vars, vault)`},
			kind: ErrUnknownKey,
		},
		{
			name: "unknown key in a table entry and in strategy",
			edit: [][2]string{
				{"        depends_on: [public.customers]", "        depend_on: [public.customers]"},
				{"unique_key: [id]}", "unique_key: [id], unique_keys: [x], deletes: soft}"},
			},
			want: []string{
				`m.yaml:13: unknown key "unique_keys" in defaults.sink.strategy (did you mean "unique_key"?)`,
				`m.yaml:19: unknown key "depend_on" in schemas.public.tables[1] (did you mean "depends_on"?)`,
			},
			kind: ErrUnknownKey,
		},
		{
			name: "wrong kind",
			edit: [][2]string{{"kind: dpone.batch.v1", "kind: dpone.stream.v1"}},
			want: []string{`m.yaml:1: kind "dpone.stream.v1" is not supported: expected dpone.batch.v1`},
			kind: ErrInvalid,
		},
		{
			name: "missing kind and metadata id",
			edit: [][2]string{{"kind: dpone.batch.v1\n", ""}, {"metadata: {id: shop}", "metadata: {owner: me}"}},
			want: []string{
				`m.yaml:1: missing kind: expected kind: dpone.batch.v1`,
				`m.yaml:1: metadata.id is required (it prefixes process names and state keys)`,
			},
			kind: ErrInvalid,
		},
		{
			name: "duplicate unit ids",
			edit: [][2]string{{"      - customers\n", "      - customers\n      - table: customers\n"}},
			want: []string{`m.yaml:18: duplicate unit id "public.customers" (first defined at line 17): give one of them an explicit id`},
			kind: ErrInvalid,
		},
		{
			name: "mode with suggestion",
			edit: [][2]string{{"mode: incremental_merge", "mode: incremental_merg"}},
			want: []string{
				`m.yaml:13: unit public.customers: sink.strategy.mode "incremental_merg" is not a load mode (did you mean "incremental_merge"?)`,
				`m.yaml:13: unit public.orders: sink.strategy.mode "incremental_merg" is not a load mode (did you mean "incremental_merge"?)`,
			},
			kind: ErrInvalid,
		},
		{
			name: "merge without unique_key",
			edit: [][2]string{{", unique_key: [id]}", "}"}},
			want: []string{
				`m.yaml:13: unit public.customers: sink.strategy.mode incremental_merge needs sink.strategy.unique_key (the columns to upsert on)`,
				`m.yaml:13: unit public.orders: sink.strategy.mode incremental_merge needs sink.strategy.unique_key (the columns to upsert on)`,
			},
			kind: ErrInvalid,
		},
		{
			name: "scd2 without unique_key",
			edit: [][2]string{{"mode: incremental_merge, unique_key: [id]}", "mode: scd2}"}},
			want: []string{
				`m.yaml:13: unit public.customers: sink.strategy.mode scd2 needs sink.strategy.unique_key (the columns that identify a row across its versions)`,
				`m.yaml:13: unit public.orders: sink.strategy.mode scd2 needs sink.strategy.unique_key (the columns that identify a row across its versions)`,
			},
			kind: ErrInvalid,
		},
		{
			name: "scd2 hard_deletes close on an incremental read",
			edit: [][2]string{
				{"    connection_id: shop_pg", "    connection_id: shop_pg\n    options: {incremental_strategy: column, incremental_column: at}"},
				{"mode: incremental_merge, unique_key: [id]}", "mode: scd2, unique_key: [id], hard_deletes: close}"},
			},
			want: []string{
				`m.yaml:14: unit public.customers: sink.strategy.hard_deletes close needs a full snapshot of the source on every run, but source.options.incremental_strategy is column: use hard_deletes: ignore, or read the whole table (remove incremental_strategy)`,
				`m.yaml:14: unit public.orders: sink.strategy.hard_deletes close needs a full snapshot of the source on every run, but source.options.incremental_strategy is column: use hard_deletes: ignore, or read the whole table (remove incremental_strategy)`,
			},
			kind: ErrInvalid,
		},
		{
			name: "scd2 options with another mode",
			edit: [][2]string{{"unique_key: [id]}", "unique_key: [id], tracked_columns: [name]}"}},
			want: []string{
				`m.yaml:13: unit public.customers: sink.strategy.tracked_columns applies to mode scd2 only (the mode is incremental_merge)`,
				`m.yaml:13: unit public.orders: sink.strategy.tracked_columns applies to mode scd2 only (the mode is incremental_merge)`,
			},
			kind: ErrInvalid,
		},
		{
			name: "scd2 tracked key and history column twice",
			edit: [][2]string{
				{"mode: incremental_merge, unique_key: [id]}", "mode: scd2, unique_key: [id], tracked_columns: [id, name], valid_from: v, valid_to: v}"},
			},
			want: []string{
				`m.yaml:13: unit public.customers: sink.strategy.tracked_columns: id is in unique_key: a key column cannot change within a key's history`,
				`m.yaml:13: unit public.orders: sink.strategy.tracked_columns: id is in unique_key: a key column cannot change within a key's history`,
				`m.yaml:13: unit public.customers: sink.strategy.valid_to: column "v" is already the valid_from column: the history columns need three different names`,
				`m.yaml:13: unit public.orders: sink.strategy.valid_to: column "v" is already the valid_from column: the history columns need three different names`,
			},
			kind: ErrInvalid,
		},
		{
			name: "undefined template variable",
			edit: [][2]string{{"{{ src_table }}", "{{ src_tabel }}"}},
			want: []string{
				`m.yaml:5: unit public.customers: naming.sink_table: template "{{ src_schema }}__{{ src_tabel }}": Unable to evaluate name "src_tabel"`,
				`m.yaml:5: unit public.orders: naming.sink_table: template "{{ src_schema }}__{{ src_tabel }}": Unable to evaluate name "src_tabel"`,
			},
			kind: ErrTemplate,
		},
		{
			name: "template syntax error in an option",
			edit: [][2]string{{"    connection_id: shop_pg", "    connection_id: shop_pg\n    options: {query: \"select {{ sys \"}"}, {"      - customers\n", ""}},
			want: []string{`m.yaml:10: unit public.orders: source.options.query: template "select {{ sys ": '}}' expected here (Line: 1 Col: 15, near "")`},
			kind: ErrTemplate,
		},
		{
			name: "unknown filter",
			edit: [][2]string{{"vars: {sys: shop}", "vars: {sys: \"{{ src_table | shout }}\"}"}, {"      - customers\n", ""}},
			want: []string{`m.yaml:3: unit public.orders: vars.sys: template "{{ src_table | shout }}": filter 'shout' not found`},
			kind: ErrTemplate,
		},
		{
			name: "self-referencing vars",
			edit: [][2]string{{"vars: {sys: shop}", "vars: {a: \"x{{ b }}\", b: \"{{ a }}\"}"}, {"      - customers\n", ""}},
			want: []string{
				`m.yaml:3: unit public.orders: vars.a: template "x{{ b }}" does not settle after 5 passes (does it refer to itself?)`,
				`m.yaml:3: unit public.orders: vars.b: template "{{ a }}" does not settle after 5 passes (does it refer to itself?)`,
			},
			kind: ErrTemplate,
		},
		{
			name: "unknown depends_on selector",
			edit: [][2]string{{"[public.customers]", "[public.customer]"}},
			want: []string{`m.yaml:19: unit public.orders: depends_on: "public.customer" matches no unit (did you mean "public.customers"?)`},
			kind: ErrSelector,
		},
		{
			name: "self dependency",
			edit: [][2]string{{"[public.customers]", "[\"#public.orders\"]"}},
			want: []string{`m.yaml:19: unit public.orders: depends_on "#public.orders": a unit cannot depend on itself`},
			kind: ErrInvalid,
		},
		{
			name: "cycle",
			edit: [][2]string{{"      - customers\n", "      - table: customers\n        depends_on: public.orders\n"}},
			want: []string{`m.yaml:17: depends_on: dependency cycle: public.customers -> public.orders -> public.customers`},
			kind: dag.ErrCycle,
		},
		{
			name: "wrong shapes",
			edit: [][2]string{{"vars: {sys: shop}", "vars: [a]"}, {"      - customers\n", "      - customers\n      - {id: x}\n      - [a]\n"}},
			want: []string{
				`m.yaml:3: vars must be a mapping, got a list`,
				`m.yaml:18: schemas.public.tables[1]: missing key "table"`,
				`m.yaml:19: schemas.public.tables[2] must be a mapping, got a list`,
			},
			kind: ErrInvalid,
		},
		{
			name: "schema without tables",
			edit: [][2]string{{"      - customers\n      - table: orders\n        depends_on: [public.customers]\n", "    defaults: {}\n"}},
			want: []string{`m.yaml:15: schemas.public has no tables`},
			kind: ErrInvalid,
		},
		{
			name: "yaml syntax",
			edit: [][2]string{{"metadata: {id: shop}", "metadata: {id: shop"}},
			want: []string{`m.yaml:1: parse yaml: did not find expected ',' or '}'`},
			kind: ErrInvalid,
		},
		{
			name: "state backend",
			edit: [][2]string{{"vars: {sys: shop}", "vars: {sys: shop}\nstate: {backend: postgress}"}},
			want: []string{
				`m.yaml:4: state.backend "postgress" is not supported (did you mean "postgres"?)`,
			},
			kind: ErrInvalid,
		},
		{
			name: "state postgres without dsn",
			edit: [][2]string{{"vars: {sys: shop}", "vars: {sys: shop}\nstate: {backend: postgres}"}},
			want: []string{`m.yaml:4: state.backend postgres needs state.dsn`},
			kind: ErrInvalid,
		},
	}
	env := MapEnv(map[string]string{"DPONE_CONN_SHOP_PG_DSN": "postgres://x", "DPONE_CONN_DWH_PATH": "w.duckdb"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base
			for _, e := range tt.edit {
				if !strings.Contains(src, e[0]) {
					t.Fatalf("edit %q does not apply", e[0])
				}
				src = strings.Replace(src, e[0], e[1], 1)
			}
			m, err := Parse([]byte(src), "m.yaml", env)
			if err == nil {
				t.Fatalf("got manifest with %d units, want an error", len(m.Units))
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("got %v, want errors.Is %v", err, tt.kind)
			}
			got := strings.Split(err.Error(), "\n")
			if diff := cmp.Diff(sorted(tt.want), sorted(got)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			var me *Error
			if !errors.As(err, &me) || me.File != "m.yaml" {
				t.Errorf("got %#v, want an *Error for m.yaml", me)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestSuggest(t *testing.T) {
	keys := []string{"source", "sink", "schema_contract", "depends_on", "vars"}
	tests := []struct{ in, want string }{
		{"sinks", "sink"},
		{"Source", "source"},
		{"dependson", "depends_on"},
		{"schema_contracts", "schema_contract"},
		{"xyz", ""},
		{"a", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, keys); got != tt.want {
			t.Errorf("suggest(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := levenshtein("kitten", "sitting"), 3; got != want {
		t.Errorf("levenshtein: got %d, want %d", got, want)
	}
}
