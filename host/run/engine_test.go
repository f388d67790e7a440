package run_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/connector/connectortest"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/run"
	"github.com/dpone-go/dpone/host/state"
)

const target = "tgt.t"

// faultyStore injects a failure, or a crash (the host dies: this write
// and every later one fail), into the state calls of the load sequence.
type faultyStore struct {
	state.Store
	mu    sync.Mutex
	fault map[string]connectortest.Fault
	dark  bool
}

var errStore = errors.New("injected state failure")

func (s *faultyStore) inject(call string, f connectortest.Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault[call] = f
}

func (s *faultyStore) check(call string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dark {
		return errStore
	}
	f, ok := s.fault[call]
	if !ok {
		return nil
	}
	delete(s.fault, call)
	if f == connectortest.Crash {
		s.dark = true
	}
	return errStore
}

func (s *faultyStore) RecordPending(ctx context.Context, l state.Load) error {
	if err := s.check("RecordPending"); err != nil {
		return err
	}
	return s.Store.RecordPending(ctx, l)
}

func (s *faultyStore) SetPendingCheckpoint(ctx context.Context, id string, cp []byte) error {
	if err := s.check("SetPendingCheckpoint"); err != nil {
		return err
	}
	return s.Store.SetPendingCheckpoint(ctx, id, cp)
}

func (s *faultyStore) MarkCommitted(ctx context.Context, id string) error {
	if err := s.check("MarkCommitted"); err != nil {
		return err
	}
	return s.Store.MarkCommitted(ctx, id)
}

func (s *faultyStore) MarkAborted(ctx context.Context, id, reason string) error {
	if err := s.check("MarkAborted"); err != nil {
		return err
	}
	return s.Store.MarkAborted(ctx, id, reason)
}

func testUnit(mode string) *manifest.Unit {
	u := &manifest.Unit{ID: "s.t",
		Source: manifest.Endpoint{Type: "fake", Table: manifest.TableRef{Schema: "s", Name: "t"},
			Options: map[string]any{"incremental_strategy": "column"}},
		Sink: manifest.Endpoint{Type: "fake", Table: manifest.TableRef{Schema: "tgt", Name: "t"},
			Strategy: manifest.Strategy{Mode: mode}},
	}
	if mode == "incremental_merge" {
		u.Sink.Strategy.UniqueKey = []string{"id"}
	}
	return u
}

func execute(t *testing.T, fake *connectortest.Fake, store state.Store, u *manifest.Unit) error {
	t.Helper()
	_, err := run.Execute(context.Background(), run.Options{
		Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}},
		Units:    []*manifest.Unit{u}, Store: store, Pool: fake, Retries: 0,
	})
	return err
}

func ids(n int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

// TestExactlyOnceAtEveryBoundary injects a failure, then a crash, at every
// call boundary of the load sequence (RecordPending -> BeginLoad -> Write
// -> SetPendingCheckpoint -> CommitLoad -> MarkCommitted) and checks that
// the target holds either nothing or the whole load, and that the next run
// (which resolves the unit's pending loads before it plans and loads the
// unit again, under the unit's lock, raising the sink's fence) leaves every
// row in the target exactly once, the checkpoint at the last row and no
// load pending or staged.
func TestExactlyOnceAtEveryBoundary(t *testing.T) {
	const rows = 10
	boundaries := []struct {
		name  string
		sink  connectortest.Call
		skip  int // calls of sink that pass before the fault
		store string
		// recovers: the run itself finds out the load committed (LoadStatus
		// after a CommitLoad whose answer was lost) and succeeds.
		recovers connectortest.Fault
	}{
		{name: "RecordPending", store: "RecordPending"},
		{name: "Read mid-stream", sink: connectortest.CallRecv, skip: 3}, // schema, batch, checkpoint
		{name: "Write.Send second batch", sink: connectortest.CallSend, skip: 1},
		{name: "BeginLoad", sink: connectortest.CallBeginLoad},
		{name: "Write", sink: connectortest.CallWrite},
		{name: "Write.Send", sink: connectortest.CallSend},
		{name: "Write.CloseAndRecv", sink: connectortest.CallCloseAndRecv},
		{name: "SetPendingCheckpoint", store: "SetPendingCheckpoint"},
		{name: "CommitLoad", sink: connectortest.CallCommitLoad},
		{name: "CommitLoad answer lost", sink: connectortest.CallCommitLoadLost, recovers: connectortest.Fail},
		{name: "MarkCommitted", store: "MarkCommitted"},
	}
	for _, b := range boundaries {
		for _, fault := range []connectortest.Fault{connectortest.Fail, connectortest.Crash} {
			name := b.name + "/fail"
			if fault == connectortest.Crash {
				name = b.name + "/crash"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				fake := connectortest.New(rows, 3)
				sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer sq.Close()
				store := &faultyStore{Store: sq, fault: map[string]connectortest.Fault{}}
				// A crash at a sink call is the plugin's (it exits); at a
				// state call it is the host's (no state write and no plugin
				// call after it).
				if b.sink != "" {
					fake.InjectAfter(b.sink, b.skip, fault)
				} else {
					store.inject(b.store, fault)
					if fault == connectortest.Crash {
						fake.Inject(connectortest.CallAbortLoad, connectortest.Crash)
					}
				}
				u := testUnit("incremental_append")
				err = execute(t, fake, store, u)
				if err == nil && b.recovers != fault {
					t.Fatalf("first run: got no error, want the injected %s", name)
				}
				if err != nil && b.recovers == fault {
					t.Fatalf("first run: %v; want it to ask LoadStatus and find the load committed", err)
				}
				if got := fake.Target(target); len(got) != 0 && len(got) != rows {
					t.Fatalf("after the failed run the target holds %d rows, want 0 or %d (never part of a load)", len(got), rows)
				}
				pending, err := sq.PendingLoads(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if fault == connectortest.Crash && b.name != "RecordPending" && len(pending) == 0 {
					t.Fatalf("after a crash past RecordPending: no pending load, want one for the next run to resolve")
				}

				// The next run, with the plugin back and the store healthy.
				fake.Restart()
				store.mu.Lock()
				store.dark, store.fault = false, map[string]connectortest.Fault{}
				store.mu.Unlock()
				if err := execute(t, fake, store, u); err != nil {
					t.Fatalf("second run: %v", err)
				}
				got := fake.Target(target)
				slices.Sort(got)
				if diff := cmp.Diff(ids(rows), got); diff != "" {
					t.Errorf("target after recovery, every row exactly once (-want +got):\n%s", diff)
				}
				cp, err := sq.Checkpoint(ctx, state.StreamKey{Manifest: "m", Unit: u.ID})
				if err != nil {
					t.Fatalf("checkpoint: %v", err)
				}
				if string(cp.State) != "10" {
					t.Errorf("checkpoint: got %q, want %q", cp.State, "10")
				}
				pending, err = sq.PendingLoads(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(pending) != 0 {
					t.Errorf("pending loads after recovery: got %d, want 0", len(pending))
				}
				if s := fake.Staged(); len(s) != 0 {
					t.Errorf("staging left behind: %v", s)
				}
				if v := fake.Violations(); len(v) != 0 {
					t.Errorf("protocol violations:\n%s", strings.Join(v, "\n"))
				}
			})
		}
	}
}

// TestRunExecutesThePlansDDL: the DDL a run applies is the DDL plan
// rendered for the same unit, byte for byte, and it is applied before
// BeginLoad.
func TestRunExecutesThePlansDDL(t *testing.T) {
	ctx := context.Background()
	fake := connectortest.New(4, 2)
	sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	u := testUnit("incremental_merge")
	m := &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}}
	p, err := plan.Build(ctx, plan.Options{Manifest: m, Connectors: fake, Store: sq, RunID: "r"}, []*manifest.Unit{u})
	if err != nil {
		t.Fatal(err)
	}
	want := p.Units[0].DDL
	if len(want) != 1 || !strings.Contains(want[0], "pk=[id]") {
		t.Fatalf("plan DDL: got %q, want one CREATE with the merge key as primary key", want)
	}
	rep, err := run.Execute(ctx, run.Options{Manifest: m, Units: []*manifest.Unit{u}, Store: sq, Pool: fake})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, rep.Units[0].DDL); diff != "" {
		t.Errorf("DDL run vs plan (-plan +run):\n%s", diff)
	}
	calls := fake.Calls()
	apply, begin := slices.Index(calls, "ApplySchema"), slices.Index(calls, "BeginLoad")
	if apply < 0 || begin < 0 || apply > begin {
		t.Errorf("calls %v: want ApplySchema before BeginLoad", calls)
	}
	// The run's (not dry) create carries the load it is for (v1.3).
	reqs := fake.SchemaRequests()
	last := reqs[len(reqs)-1]
	if last.DryRun || last.For == nil || last.For.Mode != "incremental_merge" || !slices.Equal(last.For.UniqueKey, []string{"id"}) {
		t.Errorf("run's ApplySchema: dry run %v, for %+v; want applied, for the incremental_merge load on [id]", last.DryRun, last.For)
	}
}

// TestConfigErrorsStopTheRunBeforeIO: a unique_key that is not a source
// column, found from the described schema before BeginLoad; unknown keys
// and wrong value types, found before any connector call.
func TestConfigErrorsStopTheRunBeforeIO(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(u *manifest.Unit)
		want    string
		noCalls bool
	}{
		{name: "unique_key not a column", edit: func(u *manifest.Unit) {
			u.Sink.Strategy = manifest.Strategy{Mode: "incremental_merge", UniqueKey: []string{"idd"}}
		}, want: `unique_key "idd" is not a column of source s.t`},
		{name: "batch_size", edit: func(u *manifest.Unit) { u.Source.Options["batch_size"] = 1000 },
			want: "did you mean batch_bytes", noCalls: true},
		{name: "batch_bytes lots", edit: func(u *manifest.Unit) { u.Source.Options["batch_bytes"] = "lots" },
			want: `source.options.batch_bytes: want a positive whole number of bytes`, noCalls: true},
		{name: "unknown sink option", edit: func(u *manifest.Unit) { u.Sink.Options = map[string]any{"linage": false} },
			want: `sink.options.linage is not an option (did you mean "lineage"?)`, noCalls: true},
		{name: "merge without key", edit: func(u *manifest.Unit) { u.Sink.Strategy = manifest.Strategy{Mode: "incremental_merge"} },
			want: "needs sink.strategy.unique_key", noCalls: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := connectortest.New(4, 2)
			sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer sq.Close()
			u := testUnit("incremental_append")
			tt.edit(u)
			rep, err := run.Execute(context.Background(), run.Options{Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}},
				Units: []*manifest.Unit{u}, Store: sq, Pool: fake})
			if err == nil {
				t.Fatal("got no error")
			}
			msg, isConfig := err.Error(), errors.Is(err, plan.ErrConfig)
			if rep != nil {
				// Found by the unit (it needs the described schema): the
				// unit fails with code CONFIG.
				msg, isConfig = rep.Units[0].Error.Message, rep.Units[0].Error.Code == "CONFIG"
			}
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("got error %q, want one containing %q", msg, tt.want)
			}
			if !isConfig {
				t.Errorf("got %v, want a configuration error (plan.ErrConfig, code CONFIG)", err)
			}
			calls := fake.Calls()
			if slices.Contains(calls, "BeginLoad") {
				t.Errorf("calls %v: a configuration error must stop the unit before BeginLoad", calls)
			}
			if tt.noCalls && len(calls) > 0 {
				t.Errorf("calls %v: want none (found before any I/O)", calls)
			}
		})
	}
}

// TestQuarantineFollowsThePlan: bad rows go to the quarantine table the
// plan resolved, created by the plan's DDL at the first bad row; good rows
// to the target; both commit, the quarantine load first.
func TestQuarantineFollowsThePlan(t *testing.T) {
	ctx := context.Background()
	fake := connectortest.New(10, 3)
	sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	u := testUnit("incremental_append")
	u.SchemaContract = map[string]any{"enforcement": "quarantine", "columns": map[string]any{"id": map[string]any{"max": 5}}}
	m := &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}}
	p, err := plan.Build(ctx, plan.Options{Manifest: m, Connectors: fake, RunID: "r"}, []*manifest.Unit{u})
	if err != nil {
		t.Fatal(err)
	}
	q := p.Units[0].Quarantine
	if q == nil || q.Table != "tgt.t__quarantine" || len(q.DDL) != 1 {
		t.Fatalf("plan quarantine: got %+v, want tgt.t__quarantine with one CREATE", q)
	}
	rep, err := run.Execute(ctx, run.Options{Manifest: m, Units: []*manifest.Unit{u}, Store: sq, Pool: fake})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids(5), fake.Target(target)); diff != "" {
		t.Errorf("target (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{6, 7, 8, 9, 10}, fake.Target("tgt.t__quarantine")); diff != "" {
		t.Errorf("quarantine (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(append(slices.Clone(p.Units[0].DDL), q.DDL...), rep.Units[0].DDL); diff != "" {
		t.Errorf("DDL run vs plan (-plan +run):\n%s", diff)
	}
	if rep.Units[0].RowsQuarantined != 5 {
		t.Errorf("rows quarantined: got %d, want 5", rep.Units[0].RowsQuarantined)
	}
	if v := fake.Violations(); len(v) != 0 {
		t.Errorf("protocol violations:\n%s", strings.Join(v, "\n"))
	}
}

// TestRetryableFailureRetriesInTheSameRun: an UNAVAILABLE failure while
// writing is retried (the load aborted, a new one begun) and the run
// succeeds with every row once.
func TestRetryableFailureRetriesInTheSameRun(t *testing.T) {
	ctx := context.Background()
	fake := connectortest.New(10, 3)
	fake.InjectAfter(connectortest.CallSend, 1, connectortest.Unavailable)
	sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	rep, err := run.Execute(ctx, run.Options{Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}},
		Units: []*manifest.Unit{testUnit("incremental_append")}, Store: sq, Pool: fake, Retries: 1, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Units[0].Attempts != 2 {
		t.Errorf("attempts: got %d, want 2", rep.Units[0].Attempts)
	}
	got := fake.Target(target)
	slices.Sort(got)
	if diff := cmp.Diff(ids(10), got); diff != "" {
		t.Errorf("target (-want +got):\n%s", diff)
	}
	if s := fake.Staged(); len(s) != 0 {
		t.Errorf("staging left behind: %v", s)
	}
	if v := fake.Violations(); len(v) != 0 {
		t.Errorf("protocol violations:\n%s", strings.Join(v, "\n"))
	}
}

// TestParallelPartitionsIntoOneLoad: a full read split into partitions
// writes one Write stream per partition into one load, commits once and
// leaves no checkpoint; a second full_refresh replaces the rows.
func TestParallelPartitionsIntoOneLoad(t *testing.T) {
	ctx := context.Background()
	fake := connectortest.New(20, 3)
	fake.Partitions = true
	sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	u := testUnit("full_refresh")
	u.Source.Options = map[string]any{"parallel": 3}
	m := &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}}
	for range 2 {
		if _, err := run.Execute(ctx, run.Options{Manifest: m, Units: []*manifest.Unit{u}, Store: sq, Pool: fake}); err != nil {
			t.Fatal(err)
		}
	}
	got := fake.Target(target)
	slices.Sort(got)
	if diff := cmp.Diff(ids(20), got); diff != "" {
		t.Errorf("target (-want +got):\n%s", diff)
	}
	calls := fake.Calls()
	var writes, commits int
	for _, c := range calls {
		switch c {
		case string(connectortest.CallWrite):
			writes++
		case string(connectortest.CallCommitLoad):
			commits++
		}
	}
	if writes != 6 || commits != 2 {
		t.Errorf("two runs: %d Write streams and %d commits, want 6 and 2 (3 partitions each)", writes, commits)
	}
	if _, err := sq.Checkpoint(ctx, state.StreamKey{Manifest: "m", Unit: u.ID}); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("checkpoint after full reads: got %v, want none", err)
	}
	if v := fake.Violations(); len(v) != 0 {
		t.Errorf("protocol violations:\n%s", strings.Join(v, "\n"))
	}
}

// TestUnknownCommitOutcomeIsNotRetried: a CommitLoad that committed but
// answered UNAVAILABLE (retryable), whose LoadStatus then fails too, has
// an unknown outcome: the run must not retry it (a retry reads from the
// old checkpoint and would load the rows twice); the load stays pending
// and the next run of the unit finishes it.
func TestUnknownCommitOutcomeIsNotRetried(t *testing.T) {
	ctx := context.Background()
	fake := connectortest.New(10, 3)
	fake.Inject(connectortest.CallCommitLoadLost, connectortest.Unavailable)
	fake.Inject(connectortest.CallLoadStatus, connectortest.Fail)
	sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	u := testUnit("incremental_append")
	opts := run.Options{Manifest: &manifest.Manifest{Metadata: manifest.Metadata{ID: "m"}},
		Units: []*manifest.Unit{u}, Store: sq, Pool: fake, Retries: 2, RetryBackoff: time.Millisecond}
	rep, err := run.Execute(ctx, opts)
	if err == nil {
		t.Fatal("first run: got no error, want the unknown commit outcome")
	}
	if rep.Units[0].Attempts != 1 {
		t.Errorf("attempts: got %d, want 1 (an unknown commit outcome is not retried)", rep.Units[0].Attempts)
	}
	if _, err := run.Execute(ctx, opts); err != nil {
		t.Fatalf("second run: %v", err)
	}
	got := fake.Target(target)
	slices.Sort(got)
	if diff := cmp.Diff(ids(10), got); diff != "" {
		t.Errorf("target, every row once (-want +got):\n%s", diff)
	}
	if v := fake.Violations(); len(v) != 0 {
		t.Errorf("protocol violations:\n%s", strings.Join(v, "\n"))
	}
}

// TestRecoveryIsPerUnitAndFenced: a run resolves only the pending loads of
// the units it runs (another unit's stays pending), and the run that does
// resolve it raises the sink's fence to its own lock generation, above
// that of the run that left the load.
func TestRecoveryIsPerUnitAndFenced(t *testing.T) {
	ctx := context.Background()
	fake := connectortest.New(10, 3)
	sq, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	u := testUnit("incremental_append")
	fake.Inject(connectortest.CallCommitLoad, connectortest.Crash)
	if err := execute(t, fake, sq, u); err == nil {
		t.Fatal("first run: got no error, want the injected crash")
	}
	first := fake.Fence("m", u.ID)
	if first == 0 {
		t.Fatalf("fence after the first run: got 0, want its lock generation")
	}
	fake.Restart()

	other := testUnit("incremental_append")
	other.ID, other.Sink.Table.Name = "s.u", "u"
	if err := execute(t, fake, sq, other); err != nil {
		t.Fatalf("run of another unit: %v", err)
	}
	pending, err := sq.PendingLoads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Stream.Unit != u.ID {
		t.Fatalf("pending loads after a run of another unit: got %v, want the one of %s", pending, u.ID)
	}

	if err := execute(t, fake, sq, u); err != nil {
		t.Fatalf("run of the unit: %v", err)
	}
	if got := fake.Fence("m", u.ID); got <= first {
		t.Errorf("fence after recovery: got %d, want > %d (the recovering run's generation)", got, first)
	}
	if pending, err = sq.PendingLoads(ctx); err != nil || len(pending) != 0 {
		t.Errorf("pending loads after the unit's run: got %v (%v), want none", pending, err)
	}
	got := fake.Target(target)
	slices.Sort(got)
	if diff := cmp.Diff(ids(10), got); diff != "" {
		t.Errorf("target, every row exactly once (-want +got):\n%s", diff)
	}
	if v := fake.Violations(); len(v) != 0 {
		t.Errorf("protocol violations:\n%s", strings.Join(v, "\n"))
	}
}
