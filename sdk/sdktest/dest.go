package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/loadopts"
	"github.com/dpone-go/dpone/sdk"
)

// destinationChecks runs the destination half of the suite.
func (s *session) destinationChecks(t T) {
	caps := s.spec.GetCapabilities()
	if !caps.GetDestination() {
		s.check(t, "destination", func(c *checkT) {
			c.Errorf("the connector does not advertise the destination capability")
		})
		return
	}
	for _, m := range caps.GetSinkModes() {
		s.check(t, "load/"+m, func(c *checkT) { s.modeCheck(c, m) })
	}
	s.check(t, "lineage", s.lineageCheck)
	s.check(t, "abort", s.abortCheck)
	s.check(t, "crash", s.crashCheck)
	s.check(t, "commit_twice", s.commitTwiceCheck)
	s.check(t, "write/streams", s.streamsCheck)
	s.check(t, "load_status", s.loadStatusCheck)
	s.check(t, "types/load", s.loadTypesCheck)
	s.check(t, "throughput/write", s.writeThroughputCheck)
	s.stagingChecks(t)
}

func (s *session) loadFixture() *LoadFixture {
	if s.f.Load != nil {
		return s.f.Load
	}
	return &LoadFixture{}
}

// table names a fresh target for one check of this run.
func (s *session) table(what string) *connectorv1.TableRef {
	lf := s.loadFixture()
	prefix := lf.Prefix
	if prefix == "" {
		prefix = "certify"
	}
	return &connectorv1.TableRef{Namespace: lf.Namespace, Name: fmt.Sprintf("%s_%s_%s", prefix, what, s.run)}
}

// firstMode is the mode the generic checks load with.
func (s *session) firstMode() string {
	modes := s.spec.GetCapabilities().GetSinkModes()
	for _, m := range []string{"full_refresh", "incremental_append", "incremental_merge"} {
		if slices.Contains(modes, m) {
			return m
		}
	}
	if len(modes) > 0 {
		return modes[0]
	}
	return "full_refresh"
}

func keyFor(mode string) []string {
	if strings.Contains(mode, "merge") {
		return []string{"id"}
	}
	return nil
}

// hostLoad is the load the host asks for in a run: mode and key, the
// fixture's sink options, and lineage into the default columns.
func (s *session) hostLoad(c *checkT, mode string, key []string) loadopts.Load {
	c.Helper()
	var own map[string]any
	if raw := s.loadFixture().Options; len(raw) > 0 {
		if err := json.Unmarshal(raw, &own); err != nil {
			c.Fatalf("fixture load.options: want a JSON object: %v", err)
		}
	}
	return loadopts.Load{Mode: mode, UniqueKey: key, Options: own, Lineage: &loadopts.Lineage{RunID: s.runID(),
		LoadedAt: s.started, RunIDColumn: loadopts.DefaultRunIDColumn, LoadedAtColumn: loadopts.DefaultLoadedAtColumn}}
}

// runID is the lineage run id of this certification run.
func (s *session) runID() string { return "certify-" + s.run }

func (s *session) newLoad(c *checkT, what string, target *connectorv1.TableRef, schema *arrow.Schema, mode string) *load {
	return s.newLoadKey(c, what, target, schema, mode, keyFor(mode))
}

func (s *session) newLoadKey(c *checkT, what string, target *connectorv1.TableRef, schema *arrow.Schema, mode string, key []string) *load {
	c.Helper()
	l, err := newLoad(s.f.Config, s.loadID(what), target, schema, s.hostLoad(c, mode, key), s.spec.GetCapabilities().GetTypedOptions())
	if err != nil {
		c.Fatalf("build load: %v", err)
	}
	return l
}

// loadRows begins, writes and commits rows into target.
func (s *session) loadRows(c *checkT, what string, target *connectorv1.TableRef, mode string, rows []loadRow) *load {
	c.Helper()
	l := s.newLoad(c, what, target, loadSchema, mode)
	rec := buildLoad(rows)
	defer rec.Release()
	ctx, cancel := s.ctx()
	defer cancel()
	if err := l.run(ctx, s.client(c), []arrow.RecordBatch{rec}); err != nil {
		c.Fatalf("%s load into %s: %v", mode, tableName(target), err)
	}
	return l
}

func tableName(t *connectorv1.TableRef) string {
	if t.GetNamespace() != "" {
		return t.GetNamespace() + "." + t.GetName()
	}
	return t.GetName()
}

// readTarget reads a target back as canonical rows, using the fixture's
// reader, or the connector itself when it is also a source. A missing
// table reads as no rows.
func (s *session) readTarget(c *checkT, target *connectorv1.TableRef, schema *arrow.Schema) []row {
	c.Helper()
	lf := s.loadFixture()
	ctx, cancel := s.ctx()
	defer cancel()
	if lf.ReadTarget != nil {
		raw, err := lf.ReadTarget(ctx, sdk.TableRef{Namespace: target.GetNamespace(), Name: target.GetName()})
		if err != nil {
			c.Fatalf("read target %s back: %v", tableName(target), err)
		}
		rows, err := goRows(schema, raw)
		if err != nil {
			c.Fatalf("read target %s back: %v", tableName(target), err)
		}
		return rows
	}
	if r := lf.Reader; r != nil && len(r.Exec) > 0 {
		rows, err := execReadTarget(ctx, r.Exec, target, schema)
		if err != nil {
			c.Fatalf("read target %s back: %v", tableName(target), err)
		}
		return rows
	}
	p, cfg, opts := s.targetReader(c)
	res, err := read(ctx, p, &connectorv1.ReadRequest{ConfigJson: cfg, Namespace: target.GetNamespace(), Stream: target.GetName(),
		Mode: connectorv1.SourceMode_SOURCE_MODE_FULL, OptionsJson: opts}, false)
	if err != nil {
		c.Fatalf("read target %s back: %v", tableName(target), err)
	}
	if res.err != nil {
		if res.err.GetCode() == connectorv1.ErrorCode_ERROR_CODE_NOT_FOUND {
			return nil
		}
		c.Fatalf("read target %s back: %s", tableName(target), errText(res.err))
	}
	return res.rows
}

// targetReader returns the connector that reads targets back.
func (s *session) targetReader(c *checkT) (connectorv1.ConnectorClient, []byte, []byte) {
	c.Helper()
	lf := s.loadFixture()
	r := lf.Reader
	if r != nil && (r.Binary != "" || r.Factory != nil) {
		cfg := r.Config
		if len(cfg) == 0 {
			cfg = s.f.Config
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.reader == nil {
			var l launcher = outOfProcess{path: r.Binary, stderr: s.f.PluginLog}
			if r.Factory != nil {
				l = inProcess{factory: r.Factory}
			}
			if err := s.base.Err(); err != nil {
				c.Fatalf("certification stopped: %v", err)
			}
			ctx, cancel := s.ctx()
			defer cancel()
			p, err := l.start(ctx)
			if err != nil {
				c.Fatalf("start the target reader: %v", err)
			}
			s.reader = p
		}
		return s.reader, cfg, r.Options
	}
	if !s.spec.GetCapabilities().GetSource() {
		c.Skipf("no way to read targets back: the connector is not a source; set load.reader.exec (a command printing a table as JSON Lines), load.reader.binary (a source plugin) or Load.ReadTarget (Go)")
	}
	var opts []byte
	cfg := []byte(s.f.Config)
	if r != nil {
		opts = r.Options
		if len(r.Config) > 0 {
			cfg = r.Config
		}
	}
	return s.client(c), cfg, opts
}

// goRows canonicalizes rows from a Go reader against the loaded schema;
// columns the suite did not load (lineage, ...) are ignored.
func goRows(schema *arrow.Schema, in []map[string]any) ([]row, error) {
	out := make([]row, 0, len(in))
	for i, m := range in {
		r := row{}
		for _, f := range schema.Fields() {
			v, ok := m[f.Name]
			if !ok {
				continue
			}
			cv, err := canon(f.Type, f.Metadata, v)
			if err != nil {
				return nil, fmt.Errorf("row %d column %q: %w", i, f.Name, err)
			}
			r[f.Name] = cv
		}
		out = append(out, r)
	}
	return out, nil
}

// expectTarget compares target with want on the loaded columns.
func (s *session) expectTarget(c *checkT, target *connectorv1.TableRef, want []loadRow, what string) {
	c.Helper()
	got := s.readTarget(c, target, loadSchema)
	if d := diffRows(canonLoad(want), got, fieldNames(loadSchema), 10); d != nil {
		c.Errorf("%s: target %s:\n%s", what, tableName(target), strings.Join(d, "\n"))
	}
}

func (s *session) modeCheck(c *checkT, mode string) {
	if mode == sdk.ModeSCD2 {
		s.scd2Check(c)
		return
	}
	if sc, ok := modeScenarios()[mode]; ok {
		s.scenarioCheck(c, mode, sc)
		return
	}
	want, ok := expectMode(mode)
	if !ok {
		c.skipOptional("mode %s is not one the suite knows (%s): it cannot test the claim", mode, strings.Join(knownModes(), ", "))
	}
	target := s.table(strings.TrimPrefix(mode, "incremental_"))
	s.loadRows(c, "a", target, mode, rowsA())
	s.expectTarget(c, target, rowsA(), "after the first "+mode+" load")
	s.loadRows(c, "b", target, mode, rowsB())
	s.expectTarget(c, target, want, "after the second "+mode+" load")
	if !strings.Contains(mode, "merge") {
		return
	}
	// merge without a unique key is a CONFIG error.
	l := s.newLoadKey(c, "nokey", target, loadSchema, mode, nil)
	rec := buildLoad(rowsB())
	defer rec.Release()
	ctx, cancel := s.ctx()
	defer cancel()
	if err := l.run(ctx, s.client(c), []arrow.RecordBatch{rec}); err == nil {
		c.Errorf("%s without unique_key: got success, want a CONFIG error", mode)
		return
	}
	_ = l.abort(ctx, s.client(c))
	s.expectTarget(c, target, want, "after a refused merge without unique_key")
}

func (s *session) abortCheck(c *checkT) {
	mode := s.firstMode()
	target := s.table("abort")
	s.loadRows(c, "a", target, mode, rowsA())
	l := s.newLoad(c, "b", target, loadSchema, mode)
	rec := buildLoad(rowsB())
	defer rec.Release()
	ctx, cancel := s.ctx()
	defer cancel()
	p := s.client(c)
	if err := l.beginLoad(ctx, p); err != nil {
		c.Fatalf("%v", err)
	}
	if _, err := l.write(ctx, p, []arrow.RecordBatch{rec}); err != nil {
		c.Fatalf("%v", err)
	}
	if err := l.abort(ctx, p); err != nil {
		c.Errorf("%v", err)
	}
	if err := l.abort(ctx, p); err != nil {
		c.Errorf("second AbortLoad (must be idempotent): %v", err)
	}
	s.expectTarget(c, target, rowsA(), "after AbortLoad")
	never := s.newLoad(c, "never", target, loadSchema, mode)
	if err := never.abort(ctx, p); err != nil {
		c.Errorf("AbortLoad of a load that never began (must succeed, the host aborts loads it cannot account for): %v", err)
	}
	if s.spec.GetCapabilities().GetLoadStatus() {
		if st, err := l.status(ctx, p); err != nil {
			c.Errorf("%v", err)
		} else if st != connectorv1.LoadState_LOAD_STATE_UNKNOWN {
			c.Errorf("LoadStatus after AbortLoad: got %s, want LOAD_STATE_UNKNOWN (staging must be gone)", st)
		}
	}
}

// crashCheck kills the plugin between Write and CommitLoad twice: the
// target must be untouched, and a new process must be able to commit the
// first load and abort the second by load id.
func (s *session) crashCheck(c *checkT) {
	mode := s.firstMode()
	target := s.table("crash")
	s.loadRows(c, "a", target, mode, rowsA())
	how := "killed the plugin process (SIGKILL)"
	if s.l.mode() == "in-process" {
		how = "stopped the in-process gRPC server and started a new connector from the Factory"
	}
	c.notef("crash simulation: %s", how)
	hasStatus := s.spec.GetCapabilities().GetLoadStatus()

	stage := func(what string, rows []loadRow) *load {
		l := s.newLoad(c, what, target, loadSchema, mode)
		rec := buildLoad(rows)
		defer rec.Release()
		ctx, cancel := s.ctx()
		defer cancel()
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
	ctx, cancel := context.WithTimeout(context.Background(), 3*s.f.callTimeout())
	defer cancel()

	l1 := stage("crash1", rowsB())
	s.expectTarget(c, target, rowsA(), "after a crash between Write and CommitLoad")
	if hasStatus {
		st, err := l1.status(ctx, s.client(c))
		switch {
		case err != nil:
			c.Errorf("after restart: %v", err)
		case st != connectorv1.LoadState_LOAD_STATE_STAGED:
			c.Errorf("LoadStatus of a written, uncommitted load after restart: got %s, want LOAD_STATE_STAGED", st)
		}
	}
	after, _ := expectMode(mode)
	if _, err := l1.commit(ctx, s.client(c)); err != nil {
		c.Errorf("CommitLoad by load id in a new process: %v", err)
		s.expectTarget(c, target, rowsA(), "after a refused CommitLoad")
		after = rowsA()
	} else {
		s.expectTarget(c, target, after, "after CommitLoad in a new process")
		if hasStatus {
			if st, err := l1.status(ctx, s.client(c)); err != nil || st != connectorv1.LoadState_LOAD_STATE_COMMITTED {
				c.Errorf("LoadStatus after CommitLoad in a new process: got %s (%v), want LOAD_STATE_COMMITTED", st, err)
			}
		}
	}

	l2 := stage("crash2", rowsA())
	if err := l2.abort(ctx, s.client(c)); err != nil {
		c.Errorf("AbortLoad by load id in a new process: %v", err)
	}
	s.expectTarget(c, target, after, "after a crash and AbortLoad in a new process")
	if hasStatus {
		if st, err := l2.status(ctx, s.client(c)); err != nil || st != connectorv1.LoadState_LOAD_STATE_UNKNOWN {
			c.Errorf("LoadStatus after AbortLoad in a new process: got %s (%v), want LOAD_STATE_UNKNOWN", st, err)
		}
	}
}

func (s *session) commitTwiceCheck(c *checkT) {
	mode := s.firstMode()
	if slices.Contains(s.spec.GetCapabilities().GetSinkModes(), "incremental_append") {
		mode = "incremental_append" // a second apply would duplicate rows
	}
	target := s.table("twice")
	l := s.loadRows(c, "a", target, mode, rowsA())
	ctx, cancel := s.ctx()
	defer cancel()
	if _, err := l.commit(ctx, s.client(c)); err != nil {
		c.notef("second CommitLoad refused: %v", err)
	} else {
		c.notef("second CommitLoad succeeded (idempotent)")
	}
	s.expectTarget(c, target, rowsA(), "after a second CommitLoad of the same load_id")
	// A new process must not apply it again either.
	s.crash()
	if _, err := l.commit(ctx, s.client(c)); err != nil {
		c.notef("second CommitLoad in a new process refused: %v", err)
	}
	s.expectTarget(c, target, rowsA(), "after a second CommitLoad of the same load_id in a new process")
}

// streamsCheck writes one load through several Write streams, as the
// host does: two at once for a load whose BeginLoad says two (parallel
// partitions), and two one after the other for a load that says one (the
// count is a hint; a run resuming a load writes again). Either way the
// target must hold every row of both streams exactly once.
func (s *session) streamsCheck(c *checkT) {
	mode := s.firstMode()
	first, second := rowsA(), rowsB()
	for i := range second {
		second[i].id += 100 // disjoint keys: a merge sees no key twice
	}
	want := append(slices.Clone(first), second...)
	for _, tc := range []struct {
		what       string
		writers    int32
		concurrent bool
	}{{"streams2", 2, true}, {"streams1", 1, false}} {
		target := s.table(tc.what)
		l := s.newLoad(c, tc.what, target, loadSchema, mode)
		l.begin.Writers = tc.writers
		ctx, cancel := s.ctx()
		if err := l.beginLoad(ctx, s.client(c)); err != nil {
			cancel()
			c.Fatalf("%v", err)
		}
		recs := []arrow.RecordBatch{buildLoad(first), buildLoad(second)}
		errs := make([]error, len(recs))
		var wg sync.WaitGroup
		for i, rec := range recs {
			write := func() { _, errs[i] = l.write(ctx, s.client(c), []arrow.RecordBatch{rec}) }
			if tc.concurrent {
				wg.Go(write)
			} else {
				write()
			}
		}
		wg.Wait()
		release(recs)
		if err := errors.Join(errs...); err != nil {
			cancel()
			c.Fatalf("%s: %d Write streams into one load (writers %d): %v", mode, len(recs), tc.writers, err)
		}
		_, err := l.commit(ctx, s.client(c))
		cancel()
		if err != nil {
			c.Fatalf("%s: commit of a load written by %d streams: %v", mode, len(recs), err)
		}
		how := "one after the other"
		if tc.concurrent {
			how = "at once"
		}
		s.expectTarget(c, target, want, fmt.Sprintf("%s load written by two Write streams %s (BeginLoad writers %d)", mode, how, tc.writers))
	}
}

func (s *session) loadStatusCheck(c *checkT) {
	caps := s.spec.GetCapabilities()
	if !caps.GetLoadStatus() {
		c.notApplicable("the connector does not implement LoadStatuser")
	}
	mode := s.firstMode()
	l := s.newLoad(c, "status", s.table("status"), loadSchema, mode)
	rec := buildLoad(rowsA())
	defer rec.Release()
	ctx, cancel := s.ctx()
	defer cancel()
	p := s.client(c)
	expect := func(when string, want connectorv1.LoadState) {
		st, err := l.status(ctx, p)
		if err != nil {
			c.Errorf("%s: %v", when, err)
		} else if st != want {
			c.Errorf("LoadStatus %s: got %s, want %s", when, st, want)
		}
	}
	expect("before BeginLoad", connectorv1.LoadState_LOAD_STATE_UNKNOWN)
	if err := l.beginLoad(ctx, p); err != nil {
		c.Fatalf("%v", err)
	}
	if _, err := l.write(ctx, p, []arrow.RecordBatch{rec}); err != nil {
		c.Fatalf("%v", err)
	}
	expect("after Write", connectorv1.LoadState_LOAD_STATE_STAGED)
	if _, err := l.commit(ctx, p); err != nil {
		c.Fatalf("%v", err)
	}
	expect("after CommitLoad", connectorv1.LoadState_LOAD_STATE_COMMITTED)
	if !caps.GetAtomicReceipts() {
		c.notef("atomic_receipts not advertised: LoadStatus may be inexact after a crash during CommitLoad")
	}
}

func (s *session) writeThroughputCheck(c *checkT) {
	n := s.loadFixture().Rows
	if n <= 0 {
		n = 100000
	}
	recs := throughputRecords(n)
	defer release(recs)
	mode := s.firstMode()
	l := s.newLoad(c, "tp", s.table("throughput"), loadSchema, mode)
	ctx, cancel := s.ctx()
	defer cancel()
	p := s.client(c)
	start := time.Now()
	if err := l.run(ctx, p, recs); err != nil {
		c.Fatalf("%v", err)
	}
	el := time.Since(start)
	rps := float64(n) / max(el.Seconds(), 1e-9)
	s.rep.metric("write_rows", float64(n))
	s.rep.metric("write_rows_per_sec", rps)
	c.notef("loaded %d rows (%s) in %s: %.0f rows/s", n, mode, el.Round(time.Millisecond), rps)
	if m := s.f.Floors.MinWriteRowsPerSec; m > 0 && rps < m {
		c.Errorf("write throughput %.0f rows/s is below the fixture floor %.0f rows/s", rps, m)
	}
}
