package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
)

// cleanupTimeout bounds AbortLoad after the run's context was cancelled.
const cleanupTimeout = 30 * time.Second

// unitRun is one attempt at loading one unit.
type unitRun struct {
	e      *Engine
	u      *manifest.Unit
	rep    *evidence.UnitReport
	stream state.StreamKey
	// lock is the unit's run lock; its generation fences the load.
	lock state.Lock
	// label names the load on the progress display ("": the unit id); a
	// session's loads of one unit each have their own.
	label string
	// handoffs are the in-process handoff ids of the open reads, one per
	// stream (nil: the payloads travel through the host).
	handoffs []string
}

// name is the load's name on the progress display.
func (r *unitRun) name() string {
	if r.label != "" {
		return r.label
	}
	return r.u.ID
}

// load resolves the unit into its plan (package plan: configs, read
// request, policy, contract, schema changes, BeginLoad request), resolves
// the loads earlier runs of the unit left pending (with the plan's sink
// config: the credentials as the manifest and environment give them now),
// and executes the plan: Read (schema first, checked against the plan's)
// -> the plan's schema changes -> RecordPending -> BeginLoad -> Write
// (contracts, quarantine, gates on the way) -> SetPendingCheckpoint ->
// lock check -> CommitLoad -> MarkCommitted. Any failure after
// RecordPending aborts the load and marks it aborted; a failure the
// plugin cannot answer leaves it pending for the next run of the unit.
func (r *unitRun) load(ctx context.Context) (err error) {
	e, u := r.e, r.u
	start := time.Now()
	defer func() { r.rep.DurationSeconds = time.Since(start).Seconds() }()

	planner := func() *plan.Planner {
		return plan.NewPlanner(plan.Options{Manifest: e.opts.Manifest, Connectors: e.conns, Store: e.store,
			RunID: e.runID, At: e.startedAt})
	}
	p, perr := planner().Resolve(ctx, u)
	// Pending loads first, even when the plan failed (a sink unreachable
	// now fails the unit as PENDING_LOAD, naming the load and the fix).
	n, err := r.recoverUnit(ctx, p)
	if err != nil {
		if perr != nil && (p == nil || p.SinkConfigJSON == nil) {
			return perr // the plan failed before it resolved the sink
		}
		return err
	}
	if perr != nil {
		return perr
	}
	if n > 0 {
		// A recovered load moved the unit's checkpoint (or its target):
		// plan again from what is there now.
		if p, err = planner().Resolve(ctx, u); err != nil {
			return err
		}
	}
	return r.execute(ctx, p)
}

// execute runs one resolved unit. Nothing here re-derives what the plan
// resolved.
func (r *unitRun) execute(ctx context.Context, p *plan.Unit) (err error) {
	e, u := r.e, r.u
	src, _, err := e.conns.Source(ctx, u.Source.Type)
	if err != nil {
		return err
	}
	sink, _, err := e.conns.Sink(ctx, u.Sink.Type)
	if err != nil {
		return err
	}
	if !p.SinkSpec.Capabilities.Fencing {
		r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf("sink %s does not fence commits: a run stalled past the lock ttl "+
			"between its lock check and its commit could still commit after another run took unit %s over", u.Sink.Type, u.ID))
	}
	for _, w := range p.Warnings {
		r.rep.Warnings = append(r.rep.Warnings, w)
		e.logf("warning: %s", w)
	}
	if p.Incremental && p.Read.PriorState != nil {
		r.rep.StateBefore = jsonOrString(p.Read.PriorState)
	}

	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()
	format := p.PayloadFormat // native passthrough when the sink confirms it at BeginLoad
	// One plugin process as source and sink passes the payloads in memory.
	handoff := format != "" && sameProcess(src, sink, p.SinkSpec.Capabilities)
	streams, srcSchema, estimate, err := r.openReads(readCtx, src, p, format, handoff)
	if err != nil {
		return err
	}
	if err := sameSchema(p.SourceSchema, srcSchema); err != nil {
		return fmt.Errorf("unit %s: the source's read schema differs from the one it described for the plan (%w); run again, and report it to the connector's author if it persists", u.ID, err)
	}
	e.progress.Start(r.name(), estimate)
	e.emitLineage(evidence.LineageStart, u, r.rep, srcSchema)
	// The plan drops source columns named like the lineage columns (its
	// warning says so): the sink sets its own load's values.
	if srcSchema, err = plan.WithoutFields(srcSchema, p.DropColumns); err != nil {
		return err
	}

	// The plan's schema changes, before staging: the DDL plan showed.
	table := p.TargetRef()
	if len(p.Changes) > 0 {
		cat, _, err := e.conns.Catalog(ctx, u.Sink.Type)
		if err != nil {
			return err
		}
		ddl, lossy, err := plan.ApplyChanges(ctx, cat, &catalog.SchemaRequest{ConfigJSON: p.SinkConfigJSON, Table: table, Changes: p.Changes, For: p.Begin})
		if err != nil {
			return err
		}
		r.rep.DDL = ddl
		r.rep.Warnings = append(r.rep.Warnings, lossy...)
	}
	t := &transformer{ev: p.Ev, stamp: schema.Stamp{RunID: e.runID, At: e.startedAt}, drop: p.DropColumns}
	as, err := arrowSchema(srcSchema)
	if err != nil {
		return err
	}
	if t.gates, err = gateChecker(p.Gates, as); err != nil {
		return fmt.Errorf("unit %s: quality_gates: %w", u.ID, err)
	}
	if p.Checker != nil {
		if t.checker, err = schema.NewChecker(p.Checker, as); err != nil {
			return fmt.Errorf("unit %s: %w", u.ID, err)
		}
		t.enforcement = p.Checker.Enforcement
		if p.Quarantine != nil {
			cat, _, err := e.conns.Catalog(ctx, u.Sink.Type)
			if err != nil {
				return err
			}
			t.quarantine = &quarantineLoad{ctx: ctx, r: r, sink: sink, cat: cat, plan: p.Quarantine, sinkTy: u.Sink.Type, spec: p.SinkSpec,
				cfg: p.SinkConfigJSON, table: p.Quarantine.Ref}
		}
	}

	loadID := state.NewLoadID(e.runID, u.ID)
	begin := p.BeginFor(loadID)
	begin.PayloadFormat = format
	begin.Writers = len(streams) // one Write stream per partition, at once
	r.fence(begin)
	r.rep.LoadID = loadID
	// Record the load before anything is staged: a crash from here on
	// leaves a pending record that the next run resolves (abort or finish).
	// The record holds no config: recovery resolves credentials anew.
	pendingRec, err := loadRecord(u.Sink.Type, u.Sink.ConnectionID, begin)
	if err != nil {
		return fmt.Errorf("encode load %s: %w", loadID, err)
	}
	err = e.store.RecordPending(ctx, state.Load{
		ID: loadID, RunID: e.runID, Stream: r.stream, Target: r.rep.Target, Mode: u.Sink.Strategy.Mode, Begin: pendingRec,
	})
	if err != nil {
		return fmt.Errorf("record pending load %s: %w", loadID, err)
	}
	defer func() {
		if err != nil {
			if t.quarantine != nil {
				qctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
				t.quarantine.abort(qctx, err)
				cancel()
			}
			r.abort(u.Sink.Type, begin, err)
		}
	}()
	staging, accepted, reason, err := beginLoad(ctx, sink, begin)
	if err != nil {
		return fmt.Errorf("begin load into %s: %w", r.rep.Target, err)
	}
	r.rep.Staging, r.rep.Path = staging, pathLine(format, accepted, reason)
	if r.rep.Path == "" {
		r.rep.Path = p.Path
	}
	if handoff && accepted == format {
		r.rep.Path += " " + plan.InProcess
	}
	if accepted != format {
		// The sink cannot take the source's native bytes for this load:
		// read again, as Arrow (nothing was written yet).
		e.logf("%s: %s", u.ID, r.rep.Path)
		cancelRead()
		for _, rs := range streams {
			_ = rs.Close()
		}
		readCtx, cancelRead = context.WithCancel(ctx)
		defer cancelRead()
		if streams, _, _, err = r.openReads(readCtx, src, p, "", false); err != nil {
			return err
		}
		begin.PayloadFormat = ""
	}

	readStart := time.Now()
	checkpoint, err := r.pumpAll(ctx, streams, sink, begin, t)
	r.rep.ReadSeconds = time.Since(readStart).Seconds()
	t.report(r.rep)
	if err != nil {
		return err
	}
	if err := e.gate(u, p.Gates, r.rep); err != nil {
		return err
	}
	if !p.Incremental {
		checkpoint = nil // a full read leaves no resume point
	}
	if checkpoint != nil {
		if err := e.store.SetPendingCheckpoint(ctx, loadID, checkpoint); err != nil {
			return fmt.Errorf("record checkpoint of load %s: %w", loadID, err)
		}
	}
	e.hooks.fire(ctx, HookAfterPending, u.ID)

	// A run that lost its lock (stalled past the ttl while another run
	// took the unit over) stops here; the sink's fence refuses it anyway
	// if the lock is lost between this check and the commit.
	if err := r.checkLock(ctx); err != nil {
		return err
	}
	e.hooks.fire(ctx, HookBeforeCommit, u.ID)
	commitStart := time.Now()
	if t.quarantine != nil {
		if err := t.quarantine.commit(ctx); err != nil {
			if lerr := r.checkLock(context.WithoutCancel(ctx)); lerr != nil {
				return fmt.Errorf("%w (the sink said: %v)", lerr, err)
			}
			return err
		}
	}
	receipt, _ := json.Marshal(map[string]any{
		"run_id": e.runID, "unit": u.ID, "manifest": e.manifestID, "rows": r.rep.RowsWritten,
		"checkpoint_sha256": digest(checkpoint),
	})
	res, err := sink.CommitLoad(ctx, begin, receipt)
	r.rep.CommitSeconds = time.Since(commitStart).Seconds()
	if err != nil {
		// The answer may be lost after the sink committed: ask before
		// aborting, or the next run would load the rows again.
		if cerr := r.commitOutcome(ctx, sink, p, begin, err); cerr != nil {
			return r.lockLostOr(ctx, cerr, err)
		}
		e.logf("%s: commit load %s: %v; the sink reports it committed", u.ID, loadID, err)
	}
	r.rep.RowsInserted, r.rep.RowsUpdated, r.rep.RowsDeleted = res.RowsInserted, res.RowsUpdated, res.RowsDeleted
	e.hooks.fire(ctx, HookAfterCommit, u.ID)

	// The target holds the data now: the state commit must happen even if
	// the run is being interrupted, or the next run would reload it.
	stateCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := e.store.MarkCommitted(stateCtx, loadID); err != nil {
		// Not an abort: the target committed. The next run of the unit
		// finishes the state commit from the sink's receipt.
		err = fmt.Errorf("commit state of %s (the target committed; the next run completes it): %w", u.ID, err)
		return errCommitted{err}
	}
	if checkpoint != nil {
		r.rep.StateAfter = jsonOrString(checkpoint)
	}
	e.emitLineage(evidence.LineageComplete, u, r.rep, srcSchema)
	return nil
}

// errCommitted marks an error after the sink committed: no abort.
type errCommitted struct{ err error }

func (e errCommitted) Error() string { return e.err.Error() }
func (e errCommitted) Unwrap() error { return e.err }

// commitOutcome decides what a failed CommitLoad means. It returns nil
// when the sink's LoadStatus says the load committed (the run goes on to
// the state commit), an error that aborts the load when the sink says it
// did not, and an errCommitted (no abort: the load stays pending for the
// next run of the unit) when the sink cannot say.
func (r *unitRun) commitOutcome(ctx context.Context, sink Sink, p *plan.Unit, begin *catalog.BeginLoad, cause error) error {
	cause = fmt.Errorf("commit load into %s: %w", r.rep.Target, cause)
	if !p.SinkSpec.Capabilities.LoadStatus {
		return cause
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if s, _, err := r.e.conns.Sink(sctx, r.u.Sink.Type); err == nil {
		sink = s // restarted if the plugin died
	}
	st, err := sink.LoadStatus(sctx, begin)
	switch {
	case err != nil:
		return errCommitted{fmt.Errorf("%w; its outcome is unknown (load status: %v): the next run resolves it", cause, err)}
	case st == catalog.LoadStateCommitted:
		return nil
	}
	return cause
}

// abort drops the load's staging after a failure and marks the load
// aborted; it runs even when ctx was cancelled (Ctrl-C), with a bounded
// timeout of its own, and restarts the sink plugin if it died.
func (r *unitRun) abort(sinkType string, begin *catalog.BeginLoad, cause error) {
	var committed errCommitted
	if errors.As(cause, &committed) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	sink, _, err := r.e.conns.Sink(ctx, sinkType)
	if err == nil {
		err = sink.AbortLoad(ctx, begin)
	}
	if err != nil {
		// The load stays pending: the next run of the unit aborts it.
		r.e.logf("%s: abort load %s: %v (the next run cleans it up)", r.u.ID, begin.LoadID, err)
		return
	}
	if err := r.e.store.MarkAborted(ctx, begin.LoadID, cause.Error()); err != nil {
		r.e.logf("%s: mark load %s aborted: %v", r.u.ID, begin.LoadID, err)
	}
}

// fence stamps a BeginLoad request with the unit's identity and this
// run's lock generation (see sdk.Fence).
func (r *unitRun) fence(b *catalog.BeginLoad) {
	b.ManifestID, b.UnitID = r.e.manifestID, r.u.ID
	b.SharedTarget = r.u.Sink.SharedTarget
	b.FenceGeneration = r.generation()
}

// loadRecord is the record state keeps of load begin into sink: the
// request as the protocol encodes it, which state strips of its config and
// options (see state.NewLoadRecord).
func loadRecord(sink, connectionID string, begin *catalog.BeginLoad) ([]byte, error) {
	enc, err := v1convert.MarshalBegin(begin)
	if err != nil {
		return nil, err
	}
	return state.NewLoadRecord(sink, connectionID, enc)
}

// generation is this run's lock generation of the unit (0 without a lock).
func (r *unitRun) generation() int64 {
	if r.lock == nil {
		return 0
	}
	return r.lock.Generation()
}

// lockLostOr returns the error of a failed commit: cerr, unless the unit's
// lock was lost meanwhile, which then names the cause (the sink's answer,
// sinkErr, beside it). A commit of unknown outcome (errCommitted) stays one:
// it is never aborted.
func (r *unitRun) lockLostOr(ctx context.Context, cerr, sinkErr error) error {
	lerr := r.checkLock(context.WithoutCancel(ctx))
	if lerr == nil {
		return cerr
	}
	lerr = fmt.Errorf("%w (the sink said: %v)", lerr, sinkErr)
	var committed errCommitted
	if errors.As(cerr, &committed) {
		return errCommitted{lerr}
	}
	return lerr
}

// checkLock refreshes the unit's lock; a lock another run took over fails
// the load with ErrLockLost, naming the lock and what happened.
func (r *unitRun) checkLock(ctx context.Context) error {
	if r.lock == nil {
		return nil
	}
	err := r.lock.Refresh(ctx, r.e.opts.LockTTL)
	if err == nil || !errors.Is(err, state.ErrLockLost) {
		return nil // a state store hiccup is no proof of a lost lock; the sink's fence decides
	}
	return fmt.Errorf("unit %s lost its run lock %s (generation %d) before its commit: the run stalled longer than the lock ttl (%s) "+
		"and another run took the unit over; nothing of this run's load was committed: %w",
		r.u.ID, r.lock.Key(), r.lock.Generation(), r.e.opts.LockTTL, state.ErrLockLost)
}

func digest(b []byte) string {
	if b == nil {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// jsonOrString keeps a checkpoint readable in the report.
func jsonOrString(b []byte) json.RawMessage {
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}
