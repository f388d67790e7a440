package run

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/state"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// TestResumeRequest: a pending load is resumed with the unit's current
// config (never one from state), the recovering run's fence generation,
// and the recorded target, mode and identity.
func TestResumeRequest(t *testing.T) {
	begin := &connectorv1.BeginLoadRequest{LoadId: "l1", Mode: "incremental_merge", UniqueKey: []string{"id"},
		Target: &connectorv1.TableRef{Namespace: "dst", Name: "t"}, ConfigJson: []byte(`{"dsn":"old-secret"}`),
		FenceGeneration: 5, ManifestId: "m", UnitId: "s.t"}
	rec, err := state.NewLoadRecord("postgres", "wh", begin)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(rec), "old-secret") {
		t.Fatalf("load record holds the config: %s", rec)
	}
	u := &manifest.Unit{ID: "s.t", Sink: manifest.Endpoint{Type: "postgres", ConnectionID: "wh",
		Config: manifest.Secrets{"dsn": "new"}, Strategy: manifest.Strategy{Mode: "incremental_merge", UniqueKey: []string{"id"}}}}
	l := state.Load{ID: "l1", RunID: "r-1", Stream: state.StreamKey{Manifest: "m", Unit: "s.t"}, Begin: rec, CreatedAt: time.Now()}
	spec := &connectorv1.GetSpecResponse{} // a v1.0 sink: its options travel as JSON
	cfg, err := plan.ConfigJSON(u.Sink)
	if err != nil {
		t.Fatal(err)
	}
	sink, got, err := resumeRequest(u, spec, cfg, l, 9)
	if err != nil {
		t.Fatal(err)
	}
	want := proto.Clone(begin).(*connectorv1.BeginLoadRequest)
	want.ConfigJson, want.FenceGeneration, want.OptionsJson = []byte(`{"dsn":"new"}`), 9, got.GetOptionsJson()
	if sink != "postgres" || !proto.Equal(got, want) {
		t.Errorf("got %s %v, want postgres %v", sink, got, want)
	}
	if len(got.GetOptionsJson()) == 0 {
		t.Errorf("options: got none, want the unit's")
	}
	for _, tc := range []struct {
		name string
		edit func(u *manifest.Unit)
		want string
	}{
		{"sink type changed", func(u *manifest.Unit) { u.Sink.Type = "duckdb" }, "now loads into duckdb"},
		{"connection changed", func(u *manifest.Unit) { u.Sink.ConnectionID = "other" }, `now uses "other"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u2 := *u
			tc.edit(&u2)
			if _, _, err := resumeRequest(&u2, spec, cfg, l, 9); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if _, _, err := resumeRequest(u, spec, cfg, state.Load{ID: "x", Begin: []byte(`{"begin":""}`)}, 1); err == nil {
		t.Errorf("a record without a sink: got nil error, want one")
	}
}
