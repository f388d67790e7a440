package v1convert

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/loadopts"
)

func fullBegin() *connectorv1.BeginLoadRequest {
	ratio := 0.25
	return &connectorv1.BeginLoadRequest{ConfigJson: []byte(`{"dsn":"x"}`), LoadId: "l1",
		Target: &connectorv1.TableRef{Namespace: "dst", Name: "t"},
		Schema: &connectorv1.Schema{Fields: []*connectorv1.Field{{Name: "id",
			Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_INT64}}}, ArrowSchema: []byte("s")},
		Mode: "snapshot_diff", UniqueKey: []string{"id"}, OptionsJson: []byte(`{"batch":5}`),
		Load: &connectorv1.LoadOptions{
			Lineage: &connectorv1.Lineage{RunId: "r", LoadedAt: "2026-12-05T00:00:00Z", RunIdColumn: "a", LoadedAtColumn: "b"},
			ModeOptions: &connectorv1.ModeOptions{Deletes: "soft", MaxDeleteRatio: &ratio, Where: "x > 1", PartitionBy: []string{"d"},
				TrackedColumns: []string{"a", "b"}, ValidFromColumn: "vf", ValidToColumn: "vt", IsCurrentColumn: "cur", HardDeletes: "close"}},
		FenceGeneration: 3, ManifestId: "m", UnitId: "s.t", SharedTarget: true, PayloadFormat: "pg-binary-copy",
		Staging: &connectorv1.Staging{Type: "s3", Bucket: "b", Prefix: "p", Keep: true, Endpoint: "http://127.0.0.1:1", Region: "r",
			CredentialsJson: []byte(`{"access_key_id":"k"}`)}, Writers: 2}
}

// TestBeginRoundTrip: every field of a v1 BeginLoadRequest survives the
// trip through the host's type, and through the encoding state keeps.
func TestBeginRoundTrip(t *testing.T) {
	in := fullBegin()
	if got := WireBegin(Begin(in)); !proto.Equal(got, in) {
		t.Errorf("got %v, want %v", got, in)
	}
	raw, err := MarshalBegin(Begin(in))
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalBegin(raw)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Begin(in), back); diff != "" {
		t.Errorf("marshal round trip (-want +got):\n%s", diff)
	}
	// Unset optional parts stay unset: a v1.0 request has no typed options.
	bare := &connectorv1.BeginLoadRequest{LoadId: "l2", Load: &connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{}}}
	if got := WireBegin(Begin(bare)); !proto.Equal(got, bare) || got.GetLoad().GetModeOptions().MaxDeleteRatio != nil {
		t.Errorf("bare: got %v, want %v", got, bare)
	}
	if Begin(&connectorv1.BeginLoadRequest{}).Load != nil {
		t.Errorf("no load options: got typed options, want nil")
	}
	if _, err := UnmarshalBegin([]byte{0xff}); err == nil {
		t.Errorf("garbage: got nil error, want one")
	}
}

// TestApplyLoad: the host's request gets exactly what loadopts writes into
// a v1 request, typed and v1.0 alike.
func TestApplyLoad(t *testing.T) {
	l := loadopts.Load{Mode: "snapshot_diff", UniqueKey: []string{"id"}, ModeOptions: map[string]any{"deletes": "soft"},
		Lineage: &loadopts.Lineage{RunID: "r", LoadedAt: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC),
			RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"},
		Options: map[string]any{"batch": 5}}
	for _, typed := range []bool{false, true} {
		want := &connectorv1.BeginLoadRequest{LoadId: "l1"}
		if err := l.Apply(want, typed); err != nil {
			t.Fatal(err)
		}
		got := &catalog.BeginLoad{LoadID: "l1"}
		if err := ApplyLoad(l, got, typed); err != nil {
			t.Fatal(err)
		}
		if w := WireBegin(got); !proto.Equal(w, want) {
			t.Errorf("typed=%v: got %v, want %v", typed, w, want)
		}
		if (got.Load != nil) != typed {
			t.Errorf("typed=%v: got load options %v", typed, got.Load)
		}
	}
	if err := ApplyLoad(loadopts.Load{ModeOptions: map[string]any{"wher": 1}}, &catalog.BeginLoad{}, true); err == nil {
		t.Errorf("unknown mode option: got nil error, want one")
	}
}

// TestLoadStateMaps: every v1 state maps and back; an unknown one is never
// read as committed.
func TestLoadStateMaps(t *testing.T) {
	for w := range connectorv1.LoadState_name {
		s := connectorv1.LoadState(w)
		if got := WireLoadState(LoadState(s)); got != s {
			t.Errorf("%v: got %v back", s, got)
		}
	}
	if got := LoadState(99); got != catalog.LoadStateUnspecified {
		t.Errorf("unknown state: got %s, want unspecified", got)
	}
}
