package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
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
}

// load runs one unit: Read (schema first) -> schema evolution DDL ->
// RecordPending -> BeginLoad -> Write (contracts, quarantine, gates on the
// way) -> SetPendingCheckpoint -> CommitLoad -> MarkCommitted. Any failure
// after RecordPending aborts the load and marks it aborted; a failure the
// plugin cannot answer leaves it pending for the next run's Recover.
func (r *unitRun) load(ctx context.Context) (err error) {
	e, u := r.e, r.u
	start := time.Now()
	defer func() { r.rep.DurationSeconds = time.Since(start).Seconds() }()

	src, srcSpec, err := e.pool.Get(ctx, u.Source.Type)
	if err != nil {
		return err
	}
	sink, sinkSpec, err := e.pool.Get(ctx, u.Sink.Type)
	if err != nil {
		return err
	}
	if err := checkCapabilities(u, srcSpec, sinkSpec); err != nil {
		return err
	}
	if !sinkSpec.GetCapabilities().GetFencing() {
		r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf("sink %s does not fence commits: a run stalled past the lock ttl "+
			"between its lock check and its commit could still commit after another run took unit %s over", u.Sink.Type, u.ID))
	}
	for _, w := range Warnings(u) {
		r.rep.Warnings = append(r.rep.Warnings, w)
		e.logf("warning: %s", w)
	}
	policy, err := Policy(u)
	if err != nil {
		return err
	}
	contract, err := schema.ParseContract(u.SchemaContract)
	if err != nil {
		return fmt.Errorf("unit %s: %w", u.ID, err)
	}
	srcCfg, err := configJSON(u.Source)
	if err != nil {
		return err
	}
	sinkCfg, err := configJSON(u.Sink)
	if err != nil {
		return err
	}
	srcOpts, err := sourceOptions(u)
	if err != nil {
		return err
	}

	readReq := &connectorv1.ReadRequest{
		ConfigJson: srcCfg, Namespace: u.Source.Table.Schema, Stream: u.Source.Table.Name,
		Mode: connectorv1.SourceMode_SOURCE_MODE_FULL, OptionsJson: srcOpts, BatchBytes: batchBytes(u),
	}
	if Incremental(u) {
		readReq.Mode = connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL
		cp, err := e.store.Checkpoint(ctx, r.stream)
		switch {
		case err == nil:
			readReq.PriorState = cp.State
			r.rep.StateBefore = jsonOrString(cp.State)
		case !errors.Is(err, state.ErrNotFound):
			return fmt.Errorf("read state of %s: %w", u.ID, err)
		}
	}

	readCtx, cancelRead := context.WithCancel(ctx)
	defer cancelRead()
	streams, srcSchema, estimate, err := r.openReads(readCtx, src, srcSpec, readReq)
	if err != nil {
		return err
	}
	e.progress.Start(u.ID, estimate)
	e.emitLineage(evidence.LineageStart, u, r.rep, srcSchema)

	// Schema evolution: decide, then apply the safe DDL before staging; a
	// refused change stops here, before any DDL or DML.
	table := &connectorv1.TableRef{Namespace: u.Sink.Table.Schema, Name: u.Sink.Table.Name}
	ev, err := TargetEvolution(ctx, u, sink, sinkSpec, sinkCfg, table, srcSchema.GetFields(), policy)
	if err != nil {
		return err
	}
	ddl, lossy, err := ApplyEvolution(ctx, sink, sinkCfg, table, ev, false)
	if err != nil {
		return err
	}
	r.rep.DDL = ddl
	r.rep.Warnings = append(r.rep.Warnings, lossy...)
	t := &transformer{ev: ev, stamp: schema.Stamp{RunID: e.runID, At: e.startedAt}}
	as, err := arrowSchema(srcSchema)
	if err != nil {
		return err
	}
	g, err := parseGates(u)
	if err != nil {
		return err
	}
	if t.gates, err = g.checker(as); err != nil {
		return fmt.Errorf("unit %s: quality_gates: %w", u.ID, err)
	}
	if contract != nil {
		if t.checker, err = schema.NewChecker(contract, as); err != nil {
			return fmt.Errorf("unit %s: %w", u.ID, err)
		}
		t.enforcement = contract.Enforcement
		t.quarantine = &quarantineLoad{ctx: ctx, r: r, sink: sink, spec: sinkSpec, sinkTy: u.Sink.Type, cfg: sinkCfg,
			table: &connectorv1.TableRef{Namespace: table.GetNamespace(), Name: schema.QuarantineTable(table.GetName())}}
	}
	loadSchema, err := t.loadSchema(srcSchema)
	if err != nil {
		return err
	}

	sinkOpts, err := sinkOptions(u, e.runID, e.startedAt)
	if err != nil {
		return err
	}
	loadID := state.NewLoadID(e.runID, u.ID)
	begin := &connectorv1.BeginLoadRequest{
		ConfigJson: sinkCfg, LoadId: loadID,
		Target: table, Schema: loadSchema, Mode: u.Sink.Strategy.Mode, UniqueKey: u.Sink.Strategy.UniqueKey,
		OptionsJson: sinkOpts,
	}
	r.fence(begin)
	r.rep.LoadID = loadID
	// Record the load before anything is staged: a crash from here on
	// leaves a pending record that the next run resolves (abort or finish).
	// The record holds no config: recovery resolves credentials anew.
	pendingRec, err := state.NewLoadRecord(u.Sink.Type, u.Sink.ConnectionID, begin)
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
	staging, err := sink.BeginLoad(ctx, begin)
	if err != nil {
		return fmt.Errorf("begin load into %s: %w", r.rep.Target, err)
	}
	r.rep.Staging = staging

	readStart := time.Now()
	checkpoint, err := r.pumpAll(ctx, streams, sink, begin, t)
	r.rep.ReadSeconds = time.Since(readStart).Seconds()
	t.report(r.rep)
	if err != nil {
		return err
	}
	if err := e.gate(u, r.rep); err != nil {
		return err
	}
	if !Incremental(u) {
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
	res, err := sink.CommitLoad(ctx, &connectorv1.CommitLoadRequest{
		ConfigJson: sinkCfg, LoadId: loadID, ReceiptJson: receipt, Begin: begin,
	})
	r.rep.CommitSeconds = time.Since(commitStart).Seconds()
	if err != nil {
		if lerr := r.checkLock(context.WithoutCancel(ctx)); lerr != nil {
			return fmt.Errorf("%w (the sink said: %v)", lerr, err)
		}
		return fmt.Errorf("commit load into %s: %w", r.rep.Target, err)
	}
	r.rep.RowsInserted, r.rep.RowsUpdated, r.rep.RowsDeleted = res.GetRowsInserted(), res.GetRowsUpdated(), res.GetRowsDeleted()
	e.hooks.fire(ctx, HookAfterCommit, u.ID)

	// The target holds the data now: the state commit must happen even if
	// the run is being interrupted, or the next run would reload it.
	stateCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := e.store.MarkCommitted(stateCtx, loadID); err != nil {
		// Not an abort: the target committed. The next run's Recover
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

// abort drops the load's staging after a failure and marks the load
// aborted; it runs even when ctx was cancelled (Ctrl-C), with a bounded
// timeout of its own, and restarts the sink plugin if it died.
func (r *unitRun) abort(sinkType string, begin *connectorv1.BeginLoadRequest, cause error) {
	var committed errCommitted
	if errors.As(cause, &committed) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	sink, _, err := r.e.pool.Get(ctx, sinkType)
	if err == nil {
		err = sink.AbortLoad(ctx, &connectorv1.AbortLoadRequest{ConfigJson: begin.GetConfigJson(), LoadId: begin.GetLoadId(), Begin: begin})
	}
	if err != nil {
		// The load stays pending: the next run's Recover aborts it.
		r.e.logf("%s: abort load %s: %v (the next run cleans it up)", r.u.ID, begin.GetLoadId(), err)
		return
	}
	if err := r.e.store.MarkAborted(ctx, begin.GetLoadId(), cause.Error()); err != nil {
		r.e.logf("%s: mark load %s aborted: %v", r.u.ID, begin.GetLoadId(), err)
	}
}

// fence stamps a BeginLoad request with the unit's identity and this
// run's lock generation (see sdk.Fence).
func (r *unitRun) fence(b *connectorv1.BeginLoadRequest) {
	b.ManifestId, b.UnitId = r.e.manifestID, r.u.ID
	b.SharedTarget = r.u.Sink.SharedTarget
	if r.lock != nil {
		b.FenceGeneration = r.lock.Generation()
	}
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
