package loadopts

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

var at = time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)

func ratio(f float64) *float64 { return &f }

// TestTypedAndLegacyAgree: what the host sends a v1.0 connector in
// options_json reads back (FromJSON, as the SDK does) as exactly the typed
// options a v1.1 connector gets.
func TestTypedAndLegacyAgree(t *testing.T) {
	for _, tc := range []struct {
		name string
		load Load
		want *connectorv1.LoadOptions
		own  string
	}{
		{"merge with lineage and own options",
			Load{Mode: "incremental_merge", UniqueKey: []string{"id"}, Options: map[string]any{"batch": 5.0},
				Lineage: &Lineage{RunID: "r-1", LoadedAt: at, RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}},
			&connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{},
				Lineage: &connectorv1.Lineage{RunId: "r-1", LoadedAt: "2026-11-26T05:00:00Z", RunIdColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}},
			`{"batch":5}`},
		{"lineage off",
			Load{Mode: "full_refresh", Lineage: &Lineage{RunID: "r-1", LoadedAt: at}},
			&connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{}}, ""},
		{"snapshot_diff options",
			Load{Mode: "snapshot_diff", UniqueKey: []string{"id"}, ModeOptions: map[string]any{"deletes": "soft", "max_delete_ratio": 1}},
			&connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{Deletes: "soft", MaxDeleteRatio: ratio(1)}}, ""},
		{"replace", Load{Mode: "replace", ModeOptions: map[string]any{"where": "day = '2026-01-01'"}},
			&connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{Where: "day = '2026-01-01'"}}, ""},
		{"partition_by one", Load{Mode: "partition_replace", ModeOptions: map[string]any{"partition_by": "day"}},
			&connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{PartitionBy: []string{"day"}}}, ""},
		{"partition_by list", Load{Mode: "partition_replace", ModeOptions: map[string]any{"partition_by": []any{"a", "b"}}},
			&connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{PartitionBy: []string{"a", "b"}}}, ""},
		{"scd2 options", Load{Mode: "scd2", UniqueKey: []string{"id"}, ModeOptions: map[string]any{
			"tracked_columns": []any{"name", "score"}, "valid_from": "vf", "valid_to": "vt", "is_current": "cur", "hard_deletes": "close"}},
			&connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{TrackedColumns: []string{"name", "score"},
				ValidFromColumn: "vf", ValidToColumn: "vt", IsCurrentColumn: "cur", HardDeletes: "close"}}, ""},
		{"scd2 one tracked column", Load{Mode: "scd2", UniqueKey: []string{"id"}, ModeOptions: map[string]any{"tracked_columns": "name"}},
			&connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{TrackedColumns: []string{"name"}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typed, legacy := &connectorv1.BeginLoadRequest{}, &connectorv1.BeginLoadRequest{}
			if err := tc.load.Apply(typed, true); err != nil {
				t.Fatal(err)
			}
			if err := tc.load.Apply(legacy, false); err != nil {
				t.Fatal(err)
			}
			if legacy.GetLoad() != nil {
				t.Errorf("legacy request carries typed options: %v", legacy.GetLoad())
			}
			if !proto.Equal(typed.GetLoad(), tc.want) {
				t.Errorf("typed: got %v, want %v", typed.GetLoad(), tc.want)
			}
			got, own, err := FromJSON(legacy.GetOptionsJson())
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, tc.want) {
				t.Errorf("legacy read back: got %v, want %v", got, tc.want)
			}
			if string(own) != tc.own {
				t.Errorf("legacy own options: got %s, want %q", own, tc.own)
			}
			wantOwn := tc.own
			if wantOwn == "" {
				wantOwn = "{}"
			}
			if string(typed.GetOptionsJson()) != wantOwn {
				t.Errorf("typed options_json: got %s, want %s", typed.GetOptionsJson(), wantOwn)
			}
			for _, r := range []*connectorv1.BeginLoadRequest{typed, legacy} {
				if r.GetMode() != tc.load.Mode || !reflect.DeepEqual(r.GetUniqueKey(), tc.load.UniqueKey) {
					t.Errorf("mode/key: got %s %v, want %s %v", r.GetMode(), r.GetUniqueKey(), tc.load.Mode, tc.load.UniqueKey)
				}
			}
		})
	}
}

// TestLegacyLayout: a v1.0 connector gets options_json as v1.0 hosts wrote
// it, byte for byte in meaning.
func TestLegacyLayout(t *testing.T) {
	l := Load{Mode: "incremental_merge", UniqueKey: []string{"id"}, ModeOptions: map[string]any{"deletes": "soft", "custom": 1},
		Options: map[string]any{"batch": 5.0},
		Lineage: &Lineage{RunID: "r-1", LoadedAt: at, RunIDColumn: "etl_run", LoadedAtColumn: "_dpone_loaded_at"}}
	req := &connectorv1.BeginLoadRequest{}
	if err := l.Apply(req, false); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(req.GetOptionsJson(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"batch": 5.0,
		"lineage":  map[string]any{"run_id": "r-1", "loaded_at": "2026-11-26T05:00:00Z", "run_id_column": "etl_run", "loaded_at_column": "_dpone_loaded_at"},
		"strategy": map[string]any{"mode": "incremental_merge", "unique_key": []any{"id"}, "deletes": "soft", "custom": 1.0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestModeOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"wher": "x"}, `sink.strategy.wher: unknown key`},
		{map[string]any{"partition_by": 3}, "partition_by: want a column name or a list"},
		{map[string]any{"max_delete_ratio": "half"}, "max_delete_ratio"},
		{map[string]any{"tracked_columns": 3}, "tracked_columns: want a column name or a list"},
		{map[string]any{"valid_form": "x"}, "sink.strategy.valid_form: unknown key"},
	} {
		err := Load{Mode: "replace", ModeOptions: tc.opts}.Apply(&connectorv1.BeginLoadRequest{}, true)
		var ke *KeyError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want a *KeyError containing %q", tc.opts, err, tc.want)
		}
	}
}

func TestSourceOptions(t *testing.T) {
	opts := map[string]any{"incremental_column": "at", "parallel": 4, "batch_bytes": 1 << 20}
	typed, err := SourceOptions(opts, true)
	if err != nil || string(typed) != `{"incremental_column":"at"}` {
		t.Errorf("typed: got %s, %v; want only incremental_column", typed, err)
	}
	legacy, err := SourceOptions(opts, false)
	if err != nil || string(legacy) != `{"batch_bytes":1048576,"incremental_column":"at","parallel":4}` {
		t.Errorf("legacy: got %s, %v; want every key", legacy, err)
	}
	if len(opts) != 3 {
		t.Errorf("SourceOptions changed its input: %v", opts)
	}
	if b, _ := SourceOptions(nil, true); string(b) != "{}" {
		t.Errorf("empty: got %s, want {}", b)
	}
}

func TestOwnSourceOptions(t *testing.T) {
	for in, want := range map[string]string{
		`{"incremental_column":"at","parallel":4,"batch_bytes":1024}`: `{"incremental_column":"at"}`,
		`{"incremental_column":"at"}`:                                 `{"incremental_column":"at"}`,
		`{"query":"select '\"parallel\"'"}`:                           `{"query":"select '\"parallel\"'"}`,
		`not json "parallel"`:                                         `not json "parallel"`,
		``:                                                            ``,
	} {
		if got := string(OwnSourceOptions([]byte(in))); got != want {
			t.Errorf("OwnSourceOptions(%s): got %s, want %s", in, got, want)
		}
	}
}
