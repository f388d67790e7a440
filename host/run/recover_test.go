package run

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/state"
)

// TestResumeRequest: a pending load is resumed with the unit's current
// config (never one from state), the recovering run's fence generation,
// and the recorded target, mode and identity.
func TestResumeRequest(t *testing.T) {
	begin := &catalog.BeginLoad{LoadID: "l1", Mode: "incremental_merge", UniqueKey: []string{"id"},
		Target: &catalog.TableRef{Namespace: "dst", Name: "t"}, ConfigJSON: []byte(`{"dsn":"old-secret"}`),
		OptionsJSON: []byte(`{"token":"old-secret"}`), FenceGeneration: 5, ManifestID: "m", UnitID: "s.t"}
	rec, err := loadRecord("postgres", "wh", begin)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(rec), "old-secret") {
		t.Fatalf("load record holds the config or options: %s", rec)
	}
	u := &manifest.Unit{ID: "s.t", Sink: manifest.Endpoint{Type: "postgres", ConnectionID: "wh",
		Config: manifest.Secrets{"dsn": "new"}, Strategy: manifest.Strategy{Mode: "incremental_merge", UniqueKey: []string{"id"}}}}
	l := state.Load{ID: "l1", RunID: "r-1", Stream: state.StreamKey{Manifest: "m", Unit: "s.t"}, Begin: rec, CreatedAt: time.Now()}
	spec := &catalog.Spec{} // a v1.0 sink: its options travel as JSON
	cfg, err := plan.ConfigJSON(u.Sink)
	if err != nil {
		t.Fatal(err)
	}
	sink, got, err := resumeRequest(u, spec, cfg, l, 9)
	if err != nil {
		t.Fatal(err)
	}
	want := begin.Clone()
	want.ConfigJSON, want.FenceGeneration, want.OptionsJSON = []byte(`{"dsn":"new"}`), 9, got.OptionsJSON
	if diff := cmp.Diff(want, got); sink != "postgres" || diff != "" {
		t.Errorf("got sink %s, want postgres; request (-want +got):\n%s", sink, diff)
	}
	if len(got.OptionsJSON) == 0 || strings.Contains(string(got.OptionsJSON), "old-secret") {
		t.Errorf("options: got %s, want the unit's", got.OptionsJSON)
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
