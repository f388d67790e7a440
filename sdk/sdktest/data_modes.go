package sdktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/sdk"
)

// modeScenario is how the load check of a mode that needs options tests
// it: two loads with the mode's options and the target expected after
// each, and the option whose absence must be refused with CONFIG.
type modeScenario struct {
	// strategy are the sink.strategy keys sent with the loads beside the
	// mode and unique key (loadopts.Load.ModeOptions).
	strategy map[string]any
	// firstStrategy, when set, is the first load's strategy.
	firstStrategy map[string]any
	key           []string
	first         []loadRow
	second        []loadRow
	// afterFirst and afterSecond are the target after each load.
	afterFirst, afterSecond []loadRow
	// without is the strategy with the required option missing, and
	// withoutKey whether the unique key is dropped instead.
	without    map[string]any
	withoutKey bool
	// what the required option is, for messages.
	needs string
}

// partRows are partition_replace's loads: partitions (name) p1, p2, p3,
// then p2 again (other rows) and p4.
func partRowsA() []loadRow {
	return []loadRow{{1, str("p1"), num(1)}, {2, str("p1"), num(2)}, {3, str("p2"), num(3)}, {4, str("p2"), num(4)}, {5, str("p3"), num(5)}}
}

func partRowsB() []loadRow {
	return []loadRow{{3, str("p2"), num(30)}, {6, str("p2"), num(6)}, {7, str("p4"), num(7)}}
}

// modeScenarios are the modes that need options beyond a unique key.
// Their expectations follow docs/manifest.md: replace deletes the where
// slice and inserts the load; partition_replace replaces the partitions
// present in the load; snapshot_diff (hard deletes) converges the target
// to the load, deleting the keys the load lacks.
func modeScenarios() map[string]modeScenario {
	a := rowsA()
	return map[string]modeScenario{
		"replace": {
			// Each load's rows lie inside its slice (sinks may refuse
			// rows outside it: a rerun would not replace them).
			firstStrategy: map[string]any{"where": "id <= 5"},
			strategy:      map[string]any{"where": "id >= 4"},
			first:         a, second: rowsB(),
			afterFirst: a, afterSecond: append(a[:3:3], rowsB()...),
			without: map[string]any{}, needs: "sink.strategy.where",
		},
		"partition_replace": {
			strategy: map[string]any{"partition_by": []string{"name"}},
			first:    partRowsA(), second: partRowsB(),
			afterFirst:  partRowsA(),
			afterSecond: []loadRow{partRowsA()[0], partRowsA()[1], partRowsB()[0], partRowsB()[1], partRowsA()[4], partRowsB()[2]},
			without:     map[string]any{}, needs: "sink.strategy.partition_by",
		},
		"snapshot_diff": {
			// Three of five keys go: allow it (the default guard is 0.5).
			strategy: map[string]any{"deletes": "hard", "max_delete_ratio": 1},
			key:      []string{"id"},
			first:    a, second: rowsB(),
			afterFirst: a, afterSecond: rowsB(),
			without: map[string]any{"deletes": "hard", "max_delete_ratio": 1}, withoutKey: true, needs: "a unique_key",
		},
	}
}

// modeLoad builds a load of a mode check as the host builds it in a run
// (hostLoad: mode, key, the fixture's sink options, lineage) with strategy
// as the manifest's sink.strategy keys beside the mode and key
// (deletes, max_delete_ratio, where, partition_by): typed fields for a
// sink that advertises typed_options, the v1.0 strategy block otherwise,
// from the protocol's one builder (proto/loadopts).
func (s *session) modeLoad(c *checkT, what string, target *connectorv1.TableRef, mode string, key []string, strategy map[string]any) *load {
	c.Helper()
	hl := s.hostLoad(c, mode, key)
	hl.ModeOptions = strategy
	l, err := newLoad(s.f.Config, s.loadID(what), target, loadSchema, hl, s.spec.GetCapabilities().GetTypedOptions())
	if err != nil {
		c.Fatalf("build load: %v", err)
	}
	return l
}

// scenarioCheck loads a mode's two loads and compares the target after
// each; then a load without the mode's required option must fail and
// leave the target alone.
func (s *session) scenarioCheck(c *checkT, mode string, sc modeScenario) {
	target := s.table(strings.TrimPrefix(mode, "incremental_"))
	step := func(what string, strategy map[string]any, rows, after []loadRow) {
		c.notef("%s load: sink.strategy %s", what, mustJSON(strategy))
		l := s.modeLoad(c, what, target, mode, sc.key, strategy)
		rec := buildLoad(rows)
		defer rec.Release()
		ctx, cancel := s.ctx()
		defer cancel()
		if err := l.run(ctx, s.client(c), []arrow.RecordBatch{rec}); err != nil {
			c.Fatalf("%s load into %s: %v", mode, tableName(target), err)
		}
		s.expectTarget(c, target, after, "after the "+what+" "+mode+" load")
	}
	first := sc.firstStrategy
	if first == nil {
		first = sc.strategy
	}
	step("first", first, sc.first, sc.afterFirst)
	step("second", sc.strategy, sc.second, sc.afterSecond)

	key := sc.key
	if sc.withoutKey {
		key = nil
	}
	l := s.modeLoad(c, "without", target, mode, key, sc.without)
	rec := buildLoad(sc.second)
	defer rec.Release()
	ctx, cancel := s.ctx()
	defer cancel()
	if err := l.run(ctx, s.client(c), []arrow.RecordBatch{rec}); err == nil {
		c.Errorf("%s without %s: got success, want a CONFIG error", mode, sc.needs)
	}
	_ = l.abort(ctx, s.client(c))
	s.expectTarget(c, target, sc.afterSecond, fmt.Sprintf("after a refused %s without %s", mode, sc.needs))
	if mode == sdk.ModeSnapshotDiff {
		s.softDeleteCheck(c)
		s.deleteGuardCheck(c)
	}
}

// deleteGuardCheck: a snapshot_diff that would delete more than
// max_delete_ratio of the target's rows (default 0.5; rowsB drops 3 of
// rowsA's 5 keys) is refused and leaves the target alone.
func (s *session) deleteGuardCheck(c *checkT) {
	target := s.table("guard_diff")
	var errs []error
	for i, rows := range [][]loadRow{rowsA(), rowsB()} {
		l := s.modeLoad(c, fmt.Sprintf("guard%d", i+1), target, sdk.ModeSnapshotDiff, []string{"id"}, map[string]any{"deletes": "hard"})
		rec := buildLoad(rows)
		ctx, cancel := s.ctx()
		err := l.run(ctx, s.client(c), []arrow.RecordBatch{rec})
		if err != nil {
			_ = l.abort(ctx, s.client(c))
		}
		cancel()
		rec.Release()
		errs = append(errs, err)
	}
	if errs[0] != nil {
		c.Fatalf("snapshot_diff into an empty target: %v", errs[0])
	}
	if errs[1] == nil {
		c.Errorf("snapshot_diff deleting 3 of 5 rows with the default max_delete_ratio (0.5): got success, want it refused")
	}
	s.expectTarget(c, target, rowsA(), "after a snapshot_diff refused by max_delete_ratio")
}

// softDeleteCheck loads rowsA then rowsB with snapshot_diff and soft
// deletes: the keys rowsB lacks stay with their old values and a non-NULL
// sdk.DeletedAtColumn, the others hold rowsB's values with it NULL.
func (s *session) softDeleteCheck(c *checkT) {
	target := s.table("soft_diff")
	strategy := map[string]any{"deletes": "soft", "max_delete_ratio": 1}
	for i, rows := range [][]loadRow{rowsA(), rowsB()} {
		l := s.modeLoad(c, fmt.Sprintf("soft%d", i+1), target, sdk.ModeSnapshotDiff, []string{"id"}, strategy)
		rec := buildLoad(rows)
		ctx, cancel := s.ctx()
		err := l.run(ctx, s.client(c), []arrow.RecordBatch{rec})
		cancel()
		rec.Release()
		if err != nil {
			c.Fatalf("snapshot_diff (deletes: soft) load %d into %s: %v", i+1, tableName(target), err)
		}
	}
	withDeleted := arrow.NewSchema(append(slices.Clone(loadSchema.Fields()),
		arrow.Field{Name: sdk.DeletedAtColumn, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true}), nil)
	got := s.readTarget(c, target, withDeleted)
	want := append(rowsA()[:3:3], rowsB()...)
	if d := diffRows(canonLoad(want), got, fieldNames(loadSchema), 10); d != nil {
		c.Errorf("snapshot_diff with deletes: soft: target %s:\n%s", tableName(target), strings.Join(d, "\n"))
		return
	}
	for _, r := range got {
		deleted, ok := r[sdk.DeletedAtColumn]
		switch {
		case !ok:
			c.Errorf("snapshot_diff with deletes: soft: target %s has no %s column", tableName(target), sdk.DeletedAtColumn)
			return
		case (r["id"] == "1" || r["id"] == "2" || r["id"] == "3") == (deleted == nullValue):
			c.Errorf("snapshot_diff with deletes: soft: row id=%s has %s %s, want it set exactly for the ids the second load lacks (1, 2, 3)", r["id"], sdk.DeletedAtColumn, show(deleted))
		}
	}
	c.notef("deletes: soft keeps the missing keys with %s set", sdk.DeletedAtColumn)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
