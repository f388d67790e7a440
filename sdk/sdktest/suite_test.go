package sdktest_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

func memFixture(b bugs) sdktest.Fixture {
	st := newStore()
	f := memFixtureOn(st, b)
	f.Factory = memFactory(st, b)
	return f
}

// memFixtureOn is the fixture of the mem connector over st, without a
// Factory.
func memFixtureOn(st *store, _ bugs) sdktest.Fixture {
	return sdktest.Fixture{
		Config:         json.RawMessage(`{"host":"mem","password":"secret"}`),
		BadCredentials: json.RawMessage(`{"host":"mem","password":"wrong"}`),
		Unreachable:    json.RawMessage(`{"host":"nowhere.invalid","password":"secret"}`),
		Streams: []sdktest.StreamFixture{{
			Name: "events",
			Rows: []map[string]any{
				{"id": 7, "updated_at": nil, "name": "null cursor", "amount": 0},
				{"id": 9, "updated_at": nil, "name": nil, "amount": "-1.5"},
				{"id": 1, "updated_at": "1969-07-20T16:17:40.123456-04:00", "name": "moon 🌕", "amount": "9999999999999999999999999999.9999999999"},
				{"id": 2, "updated_at": "2024-01-01T00:00:00Z", "name": "", "amount": "-9999999999999999999999999999.9999999999"},
				{"id": 3, "updated_at": "2024-01-01 00:00:00+00", "name": "tie", "amount": "0.0000000001"},
				{"id": 4, "updated_at": "2024-01-01T00:00:00Z", "name": "tie too", "amount": 12.5},
				{"id": 5, "updated_at": "2024-06-30T12:00:00.000001Z", "name": "日本語", "amount": 1},
				{"id": 6, "updated_at": "2024-07-01T00:00:00Z", "name": "last", "amount": "2.0"},
			},
			Types:       map[string]string{"id": "int64", "updated_at": "timestamp(6, tz)", "amount": "decimal(38,10)", "name": "string"},
			Incremental: &sdktest.IncrementalFixture{Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"updated_at"}`), Cursor: "updated_at"},
			Mutations: []sdktest.MutationFixture{
				{Name: "insert id 10, update id 2 onto the checkpoint (2024-07-01, id 6), delete id 5", Do: st.mutate(func(evs []event) []event {
					evs = append(evs, event{10, ts("2024-08-01T00:00:00Z"), sp("inserted"), "3.25"})
					for i := range evs {
						if evs[i].id == 2 {
							evs[i].at, evs[i].name = ts("2024-07-01T00:00:00Z"), sp("moved onto the checkpoint")
						}
					}
					return slices.DeleteFunc(evs, func(e event) bool { return e.id == 5 })
				})},
				{Name: "update id 3, insert id 11 tying with it, delete id 10", Do: st.mutate(func(evs []event) []event {
					for i := range evs {
						if evs[i].id == 3 {
							evs[i].at, evs[i].name = ts("2024-09-01T00:00:00Z"), sp("updated again")
						}
					}
					evs = append(evs, event{11, ts("2024-09-01T00:00:00Z"), sp("ties with 3"), "-0.5"})
					return slices.DeleteFunc(evs, func(e event) bool { return e.id == 10 })
				})},
			},
		}},
		Load:         &sdktest.LoadFixture{Rows: 20000},
		CancelWithin: sdktest.Duration(2e9),
		Strict:       true,
	}
}

// mutate returns a mutation step that changes the store's events.
func (st *store) mutate(f func([]event) []event) func(context.Context) error {
	return func(context.Context) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.events = f(st.events)
		return nil
	}
}

// TestMem certifies the in-memory example: it must pass every check,
// strictly.
func TestMem(t *testing.T) {
	rep := sdktest.TestConnector(t, memFixture(bugs{}))
	if !rep.Passed() {
		t.Errorf("report failed:\n%s", rep.Table())
	}
	if _, err := rep.JSON(); err != nil {
		t.Error(err)
	}
	md := rep.Markdown()
	for _, want := range []string{"| crash | PASS |", "| mutations/events | PASS |", "| strategy/column | PASS |", "| load/incremental_merge | PASS |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown report lacks %q:\n%s", want, md)
		}
	}
	for _, c := range rep.Checks {
		if c.Status == sdktest.Skip {
			t.Errorf("check %s skipped in a strict run: %s", c.Name, c.Reason)
		}
	}
}

// TestMemSCD2: mem with its scd2 (mem_scd2_test.go) passes the scd2
// check strictly, so the check's expected history is reachable.
func TestMemSCD2(t *testing.T) {
	rep := sdktest.TestConnector(t, memFixture(bugs{scd2: true}))
	if !rep.Passed() {
		t.Errorf("report failed:\n%s", rep.Table())
	}
	if md := rep.Markdown(); !strings.Contains(md, "| load/scd2 | PASS |") {
		t.Errorf("markdown report lacks a passing load/scd2:\n%s", md)
	}
}

// memDest is the mem connector as a destination only.
type memDest struct{ m *mem }

func (d memDest) Spec() sdk.Spec {
	spec := d.m.Spec()
	spec.IncrementalStrategies = nil
	return spec
}
func (d memDest) BeginLoad(ctx context.Context, r sdk.LoadRequest) (string, error) {
	return d.m.BeginLoad(ctx, r)
}
func (d memDest) Write(ctx context.Context, r sdk.LoadRequest, rr sdk.RecordReader) (sdk.WriteResult, error) {
	return d.m.Write(ctx, r, rr)
}
func (d memDest) CommitLoad(ctx context.Context, r sdk.LoadRequest, rc json.RawMessage) (sdk.CommitResult, error) {
	return d.m.CommitLoad(ctx, r, rc)
}
func (d memDest) AbortLoad(ctx context.Context, r sdk.LoadRequest) error {
	return d.m.AbortLoad(ctx, r)
}
func (d memDest) Check(ctx context.Context, raw json.RawMessage) error { return d.m.Check(ctx, raw) }

var _ sdk.Destination = memDest{}

// destOnlyFixture certifies mem as a destination only; with readBack the
// suite reads targets through a Go hook.
func destOnlyFixture(readBack bool) sdktest.Fixture {
	st := newStore()
	f := memFixtureOn(st, bugs{})
	f.Factory = func() sdk.Connector { return memDest{&mem{st: st}} }
	f.Streams = nil
	if readBack {
		f.Load.ReadTarget = func(_ context.Context, t sdk.TableRef) ([]map[string]any, error) {
			st.mu.Lock()
			defer st.mu.Unlock()
			tb := st.tables[t.Name]
			if tb == nil {
				return nil, nil
			}
			return sdktest.Values(tb.rows...), nil
		}
	}
	return f
}

// TestDestinationOnly: a destination that the suite can read back
// through a hook passes strictly.
func TestDestinationOnly(t *testing.T) {
	rep := sdktest.TestConnector(t, destOnlyFixture(true))
	if !rep.Passed() {
		t.Errorf("report failed:\n%s", rep.Table())
	}
}

// TestCatchesBugs runs the suite with a Runner against connectors with
// one bug each: exactly the named checks fail, the others still run.
func TestCatchesBugs(t *testing.T) {
	noRows := func(f *sdktest.Fixture) { f.Streams[0].Rows, f.Streams[0].Types = nil, nil }
	tests := []struct {
		name   string
		bugs   bugs
		fix    func(*sdktest.Fixture)
		fx     func() sdktest.Fixture
		checks []string
	}{
		{name: "duplicates on resume", bugs: bugs{dupOnResume: true}, checks: []string{"incremental/events", "mutations/events"}},
		{name: "bad credentials are INTERNAL", bugs: bugs{internalAuth: true}, checks: []string{"check/bad_credentials"}},
		{name: "staging lost in a crash", bugs: bugs{stagingInMemory: true}, checks: []string{"crash"}},
		{name: "read deaf to cancellation", bugs: bugs{ignoreCancel: true}, checks: []string{"cancel"}},
		{name: "second commit applies again", bugs: bugs{doubleCommit: true}, checks: []string{"commit_twice"}},
		{name: "lineage columns dropped", bugs: bugs{dropLineage: true}, checks: []string{"lineage"}},
		// issue 12 item 4: sleeps after the cancellation, using no CPU.
		{name: "read sleeps through cancellation", bugs: bugs{sleepOnCancel: true}, checks: []string{"cancel"}},
		// item 5: local wall clock instead of UTC (the suite runs it in
		// America/St_Johns).
		{name: "timestamps in local time", bugs: bugs{localTime: true}, checks: []string{"incremental/events", "read/events"}},
		// item 6: claims it cannot back.
		{name: "claims xmin, does not implement it", bugs: bugs{claimXmin: true}, checks: []string{"strategy/xmin"}},
		{name: "claims xmin, fixture exercises it", bugs: bugs{claimXmin: true}, fix: func(f *sdktest.Fixture) {
			f.Streams[0].Strategies = []sdktest.IncrementalFixture{{Options: json.RawMessage(`{"incremental_strategy":"xmin"}`)}}
		}, checks: []string{"incremental/events/xmin", "mutations/events"}},
		{name: "snapshot_diff loaded as a merge", bugs: bugs{diffAsMerge: true}, checks: []string{"load/snapshot_diff"}},
		{name: "scd2 leaves the old version open", bugs: bugs{scd2: true, scd2NoClose: true}, checks: []string{"load/scd2"}},
		// item 7: a decimal exposed as float64, fixture without types.
		{name: "decimal exposed as float64", bugs: bugs{decimalAsFloat: true}, fix: func(f *sdktest.Fixture) { f.Streams[0].Types = nil },
			checks: []string{"incremental/events", "read/events"}},
		// item 8: checkpoints that count rows; NULL cursors dropped.
		{name: "row-offset checkpoints", bugs: bugs{rowOffset: true}, checks: []string{"mutations/events"}},
		{name: "NULL cursors dropped", bugs: bugs{dropNullCursor: true}, fix: noRows,
			checks: []string{"incremental/events", "mutations/events"}},
		// A sink that takes a load said to have one Write stream for one
		// that is written once (issue 21's COPY FREEZE, done wrong).
		{name: "a second Write restarts staging", bugs: bugs{trustWriters: true}, checks: []string{"write/streams"}},
		// item 9: a destination the suite cannot read back.
		{name: "destination only, no reader", fx: func() sdktest.Fixture { return destOnlyFixture(false) },
			checks: []string{"abort", "commit_twice", "crash", "lineage", "load/full_refresh", "load/incremental_append", "load/incremental_merge", "types/load", "write/streams"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			r := sdktest.NewRunner("certify", &out, false)
			f := memFixture(tt.bugs)
			if tt.fx != nil {
				f = tt.fx()
			}
			if tt.fix != nil {
				tt.fix(&f)
			}
			rep := sdktest.Run(r, f, sdktest.Options{})
			if rep.Passed() || !r.Failed() {
				t.Fatalf("got a passing report, want %v to fail:\n%s", tt.checks, rep.Table())
			}
			var failed []string
			for _, c := range rep.Checks {
				if c.Status == sdktest.Fail {
					failed = append(failed, c.Name)
				}
			}
			slices.Sort(failed)
			if !slices.Equal(failed, tt.checks) {
				t.Errorf("failed checks: got %v, want %v\n%s", failed, tt.checks, rep.Table())
			}
			if len(rep.Checks) < 15 {
				t.Errorf("got %d checks, want the whole suite to run:\n%s", len(rep.Checks), rep.Table())
			}
		})
	}
}

// TestStrictSkips: a skipped optional check passes a default run and
// fails a strict one; a check declared not applicable passes both.
func TestStrictSkips(t *testing.T) {
	t.Setenv("DPONE_CERTIFY_STRICT", "0") // make test sets it
	for _, strict := range []bool{false, true} {
		f := memFixture(bugs{})
		f.Strict = false
		f.BadCredentials = nil
		f.NotApplicable = map[string]string{"check/unreachable": "an in-memory system has no address"}
		rep := sdktest.Run(sdktest.NewRunner("certify", nil, false), f, sdktest.Options{Strict: strict})
		status := map[string]sdktest.Status{}
		for _, c := range rep.Checks {
			status[c.Name] = c.Status
		}
		wantBad := sdktest.Skip
		if strict {
			wantBad = sdktest.Fail
		}
		if got := status["check/bad_credentials"]; got != wantBad {
			t.Errorf("strict=%v: check/bad_credentials without a config: got %s, want %s", strict, got, wantBad)
		}
		if got := status["check/unreachable"]; got != sdktest.NotApplicable {
			t.Errorf("strict=%v: check/unreachable declared n/a: got %s, want n/a", strict, got)
		}
		if got := rep.Passed(); got == strict {
			t.Errorf("strict=%v: report passed %v\n%s", strict, got, rep.Table())
		}
	}
	f := memFixture(bugs{})
	f.NotApplicable = map[string]string{"crash": "no"}
	rep := sdktest.Run(sdktest.NewRunner("certify", nil, false), f, sdktest.Options{})
	if rep.Passed() {
		t.Errorf("a fixture declaring crash not applicable: got a passing report, want a fixture error")
	}
}

// TestLocalTimeNeedsTimeZone: under UTC a plugin that uses the local wall
// clock is indistinguishable from a correct one; the default time zone is
// what catches it (TestCatchesBugs).
func TestLocalTimeNeedsTimeZone(t *testing.T) {
	f := memFixture(bugs{localTime: true})
	f.TimeZone = "UTC"
	rep := sdktest.Run(sdktest.NewRunner("certify", nil, false), f, sdktest.Options{})
	if !rep.Passed() {
		t.Errorf("under UTC the local-time bug is invisible: got a failing report\n%s", rep.Table())
	}
}
