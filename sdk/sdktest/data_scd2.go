package sdktest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/sdk"
)

// The scd2 check loads loadSchema's rows with tracked_columns [name]
// (score is untracked) into a history table with the default history
// columns, and compares the whole table after every step with a history
// the suite computes itself (scd2Model), once with hard_deletes close and
// once with ignore.
var scd2Schema = arrow.NewSchema(append(loadSchema.Fields(),
	arrow.Field{Name: sdk.DefaultValidFromColumn, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	arrow.Field{Name: sdk.DefaultValidToColumn, Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	arrow.Field{Name: sdk.DefaultIsCurrentColumn, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
), nil)

// scd2Rounds are the check's loads. Round 2 changes a tracked value
// (id 1), an untracked one only (2), a NULL to a value (3), leaves 4 out,
// keeps 5 and adds 6; round 3 changes 3 back to NULL, brings 4 back with
// new values and leaves 6 out; rounds 4 and 5 change tracked values
// again (they are loaded around a crash).
func scd2Rounds() [][]loadRow {
	return [][]loadRow{
		rowsA(),
		{{1, str("alpha v2"), num(1.5)}, {2, str(""), num(20)}, {3, str("charlie"), nil}, {5, str("echo"), num(5)}, {6, str("foxtrot"), num(6)}},
		{{1, str("alpha v2"), num(1.5)}, {2, str(""), num(20)}, {3, nil, nil}, {4, str("delta back"), num(4)}, {5, str("echo"), num(5)}},
		{{1, str("alpha v3"), num(1.5)}, {2, str("bravo"), num(21)}, {3, nil, num(3)}, {4, str("delta back"), num(4)}, {5, str("echo"), num(5)}},
		{{1, str("alpha v4"), num(1.5)}, {2, str("bravo"), num(21)}, {4, str("delta back"), num(4)}, {5, str("echo v2"), num(5)}, {7, str("golf"), nil}},
	}
}

// scd2Version is one row of a history table.
type scd2Version struct {
	loadRow
	from time.Time
	to   *time.Time
	cur  bool
}

// scd2Model applies one load at time at to a history, as docs/manifest.md
// ("History tables") describes scd2 with tracked_columns [name]: a
// changed name ends the
// current version and opens one; a changed score alone updates the
// current version in place; a new key opens its first version; with
// closeMissing, the current version of a key the load lacks ends.
func scd2Model(hist []scd2Version, rows []loadRow, at time.Time, closeMissing bool) []scd2Version {
	out := append([]scd2Version(nil), hist...)
	current := map[int64]int{}
	for i, v := range out {
		if v.cur {
			current[v.id] = i
		}
	}
	end := func(i int) {
		t := at
		out[i].to, out[i].cur = &t, false
	}
	loaded := map[int64]bool{}
	for _, r := range rows {
		loaded[r.id] = true
		i, ok := current[r.id]
		switch {
		case !ok:
			out = append(out, scd2Version{loadRow: r, from: at, cur: true})
		case !sameString(out[i].name, r.name):
			end(i)
			out = append(out, scd2Version{loadRow: r, from: at, cur: true})
		case !sameFloat(out[i].score, r.score):
			out[i].score = r.score
		}
	}
	if closeMissing {
		for id, i := range current {
			if !loaded[id] {
				end(i)
			}
		}
	}
	return out
}

func sameString(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func sameFloat(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// canonHistory is the canonical form of a history, columns as scd2Schema.
func canonHistory(hist []scd2Version) []row {
	rows := make([]loadRow, len(hist))
	for i, v := range hist {
		rows[i] = v.loadRow
	}
	out := canonLoad(rows)
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000") + "Z" }
	for i, v := range hist {
		out[i][sdk.DefaultValidFromColumn] = ts(v.from)
		out[i][sdk.DefaultValidToColumn] = nullValue
		if v.to != nil {
			out[i][sdk.DefaultValidToColumn] = ts(*v.to)
		}
		out[i][sdk.DefaultIsCurrentColumn] = fmt.Sprint(v.cur)
	}
	return out
}

// scd2Check runs the history scenario with hard_deletes close and ignore.
func (s *session) scd2Check(c *checkT) {
	for _, hd := range []string{sdk.HardDeletesClose, sdk.HardDeletesIgnore} {
		if !s.scd2Scenario(c, hd) {
			return
		}
	}
	s.scd2DuplicateCheck(c)
}

// scd2Load is an scd2 load of rows whose lineage load time is at.
func (s *session) scd2Load(c *checkT, what string, target *connectorv1.TableRef, strategy map[string]any, at time.Time) *load {
	c.Helper()
	hl := s.hostLoad(c, sdk.ModeSCD2, []string{"id"})
	hl.ModeOptions = strategy
	hl.Lineage.LoadedAt = at
	l, err := newLoad(s.f.Config, s.loadID(what), target, loadSchema, hl, s.spec.GetCapabilities().GetTypedOptions())
	if err != nil {
		c.Fatalf("build load: %v", err)
	}
	return l
}

// scd2Scenario: three rounds of changes, then round 4 written and the
// plugin crashed before CommitLoad, committed by load id in a new process
// and committed again; round 5 written, crashed and aborted, then loaded
// again under a new load id; then round 5's rows once more (no change).
// It reports whether the history matched throughout.
func (s *session) scd2Scenario(c *checkT, hardDeletes string) bool {
	target := s.table("scd2_" + hardDeletes)
	strategy := map[string]any{"tracked_columns": []string{"name"}, "hard_deletes": hardDeletes}
	closeMissing := hardDeletes == sdk.HardDeletesClose
	base := s.started.Truncate(time.Second)
	rounds := scd2Rounds()
	var hist []scd2Version
	ok := true
	expect := func(what string) {
		if !ok {
			return
		}
		got := s.readTarget(c, target, scd2Schema)
		if d := diffRows(canonHistory(hist), got, fieldNames(scd2Schema), 12); d != nil {
			c.Errorf("scd2 (hard_deletes %s) %s: history %s:\n%s", hardDeletes, what, tableName(target), strings.Join(d, "\n"))
			ok = false
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*s.f.callTimeout())
	defer cancel()
	apply := func(what string, rows []loadRow, at time.Time) {
		l := s.scd2Load(c, what, target, strategy, at)
		rec := buildLoad(rows)
		defer rec.Release()
		if err := l.run(ctx, s.client(c), []arrow.RecordBatch{rec}); err != nil {
			c.Fatalf("scd2 (hard_deletes %s) %s load into %s: %v", hardDeletes, what, tableName(target), err)
		}
		hist = scd2Model(hist, rows, at, closeMissing)
	}
	stage := func(what string, rows []loadRow, at time.Time) *load {
		l := s.scd2Load(c, what, target, strategy, at)
		rec := buildLoad(rows)
		defer rec.Release()
		p := s.client(c)
		if err := l.beginLoad(ctx, p); err != nil {
			c.Fatalf("%v", err)
		}
		if _, err := l.write(ctx, p, []arrow.RecordBatch{rec}); err != nil {
			c.Fatalf("%v", err)
		}
		s.crash()
		return l
	}
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Hour) }
	for i := range 3 {
		apply(fmt.Sprintf("%s_r%d", hardDeletes, i+1), rounds[i], at(i+1))
		expect(fmt.Sprintf("after round %d", i+1))
	}

	l4 := stage(hardDeletes+"_r4", rounds[3], at(4))
	expect("after round 4 was written and the plugin crashed before CommitLoad")
	if _, err := l4.commit(ctx, s.client(c)); err != nil {
		c.Errorf("scd2: CommitLoad of round 4 by load id in a new process: %v", err)
		return false
	}
	hist = scd2Model(hist, rounds[3], at(4), closeMissing)
	expect("after round 4 was committed by load id in a new process")
	if _, err := l4.commit(ctx, s.client(c)); err != nil {
		c.notef("second CommitLoad of round 4 refused: %v", err)
	}
	expect("after a second CommitLoad of round 4 (same load id)")

	l5 := stage(hardDeletes+"_r5", rounds[4], at(5))
	if err := l5.abort(ctx, s.client(c)); err != nil {
		c.Errorf("scd2: AbortLoad of round 5 by load id in a new process: %v", err)
	}
	expect("after round 5 was written, the plugin crashed and the load was aborted")
	apply(hardDeletes+"_r5_rerun", rounds[4], at(6))
	expect("after round 5 was loaded again under a new load id")
	apply(hardDeletes+"_r5_same", rounds[4], at(7))
	expect("after a load identical to the one before (nothing may change)")
	if ok {
		c.notef("scd2 (hard_deletes %s): %d versions after 5 rounds, a crash before commit, a rerun and an identical load", hardDeletes, len(hist))
	}
	return ok
}

// scd2DuplicateCheck: a load holding one key twice is refused and leaves
// the history alone.
func (s *session) scd2DuplicateCheck(c *checkT) {
	target := s.table("scd2_dup")
	strategy := map[string]any{"tracked_columns": []string{"name"}}
	at := s.started.Truncate(time.Second).Add(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 3*s.f.callTimeout())
	defer cancel()
	first := rowsA()
	l := s.scd2Load(c, "dup1", target, strategy, at)
	rec := buildLoad(first)
	defer rec.Release()
	if err := l.run(ctx, s.client(c), []arrow.RecordBatch{rec}); err != nil {
		c.Fatalf("scd2 load into %s: %v", tableName(target), err)
	}
	dup := []loadRow{{1, str("one"), nil}, {1, str("uno"), nil}, {2, str("two"), nil}}
	l2 := s.scd2Load(c, "dup2", target, strategy, at.Add(time.Hour))
	rec2 := buildLoad(dup)
	defer rec2.Release()
	if err := l2.run(ctx, s.client(c), []arrow.RecordBatch{rec2}); err == nil {
		c.Errorf("scd2 load with key id=1 twice: got success, want a DATA error (one load holds one version per key)")
	} else {
		_ = l2.abort(ctx, s.client(c))
	}
	want := scd2Model(nil, first, at, false)
	got := s.readTarget(c, target, scd2Schema)
	if d := diffRows(canonHistory(want), got, fieldNames(scd2Schema), 10); d != nil {
		c.Errorf("scd2 after a refused load with a duplicate key: history %s:\n%s", tableName(target), strings.Join(d, "\n"))
	}
}
