package run_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/connector/connectortest"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/run"
	"github.com/dpone-go/dpone/host/state"
)

// runPayload runs u once against fake and returns the unit's report path.
func runPayload(t *testing.T, fake *connectortest.Fake, u *manifest.Unit) string {
	t.Helper()
	sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	rep, err := run.Execute(context.Background(), run.Options{Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}},
		Units: []*manifest.Unit{u}, Store: sq, Pool: fake})
	if err != nil {
		t.Fatal(err)
	}
	if v := fake.Violations(); len(v) != 0 {
		t.Errorf("protocol violations:\n%s", strings.Join(v, "\n"))
	}
	got := fake.Target(target)
	slices.Sort(got)
	if diff := cmp.Diff(ids(fake.Rows), got); diff != "" {
		t.Errorf("target (-want +got):\n%s", diff)
	}
	return rep.Units[0].Path
}

// TestPassthroughForwardsNativePayloads: a full_refresh from a source that
// lists a native format into a sink that accepts it reads that format and
// forwards the payloads untouched (the fake sink refuses an Arrow batch in
// a payload load); partitions too.
func TestPassthroughForwardsNativePayloads(t *testing.T) {
	for _, parallel := range []int{1, 3} {
		fake := connectortest.New(20, 3)
		fake.Payload, fake.Partitions = "fake-ids", true
		u := testUnit("full_refresh")
		u.Source.Options = map[string]any{"parallel": parallel}
		if path := runPayload(t, fake, u); path != "passthrough fake-ids" {
			t.Errorf("parallel %d: report path %q, want passthrough fake-ids", parallel, path)
		}
		want := slices.Repeat([]string{"fake-ids"}, parallel)
		if diff := cmp.Diff(want, fake.ReadFormats()); diff != "" {
			t.Errorf("parallel %d: read formats (-want +got):\n%s", parallel, diff)
		}
	}
}

// TestPassthroughHandsOverInProcess: when source and sink are one plugin
// process that declares payload_handoff, each read names a handoff id,
// its batches carry counts only, and the report says "in process"; a sink
// that stages fewer rows than were handed over fails the unit before
// anything is committed.
func TestPassthroughHandsOverInProcess(t *testing.T) {
	for _, parallel := range []int{1, 3} {
		fake := connectortest.New(20, 3)
		fake.Payload, fake.Partitions, fake.Handoff = "fake-ids", true, true
		u := testUnit("full_refresh")
		u.Source.Options = map[string]any{"parallel": parallel}
		if path := runPayload(t, fake, u); path != "passthrough fake-ids in process" {
			t.Errorf("parallel %d: report path %q, want passthrough fake-ids in process", parallel, path)
		}
	}
	fake := connectortest.New(20, 3)
	fake.Payload, fake.Handoff, fake.HandoffDrop = "fake-ids", true, true
	sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	rep, err := run.Execute(context.Background(), run.Options{Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}},
		Units: []*manifest.Unit{testUnit("full_refresh")}, Store: sq, Pool: fake})
	if err == nil || len(rep.Units) != 1 || rep.Units[0].Error == nil ||
		!strings.Contains(rep.Units[0].Error.Message, "the sink staged 18 rows of the 20 the source handed over") {
		t.Fatalf("a sink losing a handed-over payload: err %v, report %+v", err, rep.Units)
	}
	if got := fake.Target(target); len(got) != 0 {
		t.Errorf("target holds %d rows after the failed load, want none", len(got))
	}
}

// TestPassthroughFallsBackWhenTheSinkRefuses: a sink that refuses the
// format at BeginLoad (its staging types differ) gets Arrow: the host
// drops the native reads, reads again as Arrow, and loads every row once.
func TestPassthroughFallsBackWhenTheSinkRefuses(t *testing.T) {
	fake := connectortest.New(20, 3)
	fake.Payload, fake.RefusePayload = "fake-ids", "column id: source type integer, staging type bigint"
	path := runPayload(t, fake, testUnit("full_refresh"))
	if want := "arrow: the sink refused fake-ids (column id: source type integer, staging type bigint)"; path != want {
		t.Errorf("report path %q, want %q", path, want)
	}
	if diff := cmp.Diff([]string{"fake-ids", ""}, fake.ReadFormats()); diff != "" {
		t.Errorf("read formats (-want +got):\n%s", diff)
	}
}

// TestHostStepsNeedArrow: an incremental read (the checkpoint) and a data
// contract read Arrow even when both ends speak a native format.
func TestHostStepsNeedArrow(t *testing.T) {
	for name, u := range map[string]*manifest.Unit{
		"incremental": testUnit("incremental_merge"),
		"contract": func() *manifest.Unit {
			u := testUnit("full_refresh")
			u.SchemaContract = map[string]any{"enforcement": "strict", "columns": map[string]any{"id": map[string]any{"min": 0}}}
			return u
		}(),
	} {
		fake := connectortest.New(20, 3)
		fake.Payload = "fake-ids"
		path := runPayload(t, fake, u)
		if !strings.HasPrefix(path, "arrow: ") {
			t.Errorf("%s: report path %q, want arrow", name, path)
		}
		if diff := cmp.Diff([]string{""}, fake.ReadFormats()); diff != "" {
			t.Errorf("%s: read formats (-want +got):\n%s", name, diff)
		}
	}
}
