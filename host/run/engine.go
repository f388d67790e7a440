package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/dag"
	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
)

// Options configure one run.
type Options struct {
	Manifest *manifest.Manifest
	// Units to run (a selection of Manifest.Units); dependencies on units
	// outside the selection are ignored.
	Units []*manifest.Unit
	// Parallel bounds how many units load at once (default 4).
	Parallel int
	Store    state.Store
	// Pool gives the connectors (a *Pool, or a fake in tests).
	Pool     Connectors
	Progress evidence.Progress
	// Log receives plain messages (plugin logs, warnings); nil discards.
	Log io.Writer
	// Retries is how many times a unit is retried after a retryable error
	// (UNAVAILABLE, RATE_LIMITED); RetryBackoff is the first delay, doubled
	// each time, with jitter.
	Retries      int
	RetryBackoff time.Duration
	// RetryMaxBackoff caps the delay between retries (jitter included);
	// 0 means DefaultRetryMaxBackoff.
	RetryMaxBackoff time.Duration
	// LockTTL is how long a unit lock lives without refresh (default 2m).
	LockTTL time.Duration
	// Wait makes a unit locked by another run wait instead of failing.
	Wait bool
	// Args are recorded in the runs registry and the report.
	Args  []string
	RunID string
	Now   func() time.Time
	Hooks Hooks
	// Lineage receives OpenLineage START/COMPLETE/FAIL events per unit;
	// nil turns them off.
	Lineage evidence.LineageEmitter
	// Metrics, when set, is updated live (rows, bytes, durations, status),
	// e.g. for a /metrics endpoint during the run.
	Metrics *evidence.Metrics
}

// Engine runs one manifest's units.
type Engine struct {
	opts       Options
	store      state.Store
	conns      Connectors
	progress   evidence.Progress
	timeline   *evidence.Timeline
	hooks      Hooks
	runID      string
	manifestID string
	startedAt  time.Time
	logMu      sync.Mutex
}

// Execute runs the selected units in DAG order and returns the run report.
// The error is non-nil when the run could not start or any unit failed;
// the report is returned in both cases once the run started.
func Execute(ctx context.Context, opts Options) (*evidence.Report, error) {
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTTL <= 0 {
		opts.LockTTL = 2 * time.Minute
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = time.Second
	}
	if opts.RetryMaxBackoff <= 0 {
		opts.RetryMaxBackoff = DefaultRetryMaxBackoff
	}
	e := &Engine{opts: opts, store: opts.Store, conns: opts.Pool, progress: opts.Progress, hooks: opts.Hooks,
		manifestID: opts.Manifest.Metadata.ID, startedAt: opts.Now().UTC()}
	if e.progress == nil {
		e.progress = evidence.NewProgress(io.Discard, false)
	}
	e.timeline = evidence.NewTimeline(e.progress, e.startedAt, opts.Now)
	e.progress = e.timeline
	e.runID = opts.RunID
	if e.runID == "" {
		e.runID = state.NewRunID(e.startedAt)
	}

	g, err := buildGraph(opts.Units)
	if err != nil {
		return nil, err
	}
	// One validation, the one plan and manifest validate run, before any
	// I/O: a configuration error stops the run before it starts.
	if err := plan.Check(ctx, opts.Pool, opts.Units); err != nil {
		return nil, err
	}
	// Runs killed with kill -9 stay "running" in the registry: mark them.
	// Their pending loads are resolved unit by unit, by the runs that run
	// those units (recoverUnit).
	if dead, err := e.store.AbandonDeadRuns(ctx); err != nil {
		e.logf("warning: %v", err)
	} else if len(dead) > 0 {
		e.logf("marked %d run(s) abandoned (their process is gone): %v", len(dead), dead)
	}
	if err := e.store.StartRun(ctx, state.Run{ID: e.runID, Manifest: e.manifestID, Status: "running",
		StartedAt: e.startedAt, Args: opts.Args}); err != nil {
		return nil, fmt.Errorf("record run: %w", err)
	}

	rep := &evidence.Report{SchemaVersion: evidence.ReportSchemaVersion, RunID: e.runID,
		Manifest: e.manifestID, StartedAt: e.startedAt, Args: opts.Args}
	units := map[string]*manifest.Unit{}
	reports := map[string]*evidence.UnitReport{}
	for _, u := range opts.Units {
		units[u.ID] = u
		ur := &evidence.UnitReport{Unit: u.ID, Source: u.Source.Type, Sink: u.Sink.Type,
			Target: targetName(u), Mode: u.Sink.Strategy.Mode, Status: "pending"}
		reports[u.ID] = ur
		rep.Units = append(rep.Units, *ur)
	}

	results := g.Walk(ctx, opts.Parallel, func(ctx context.Context, id string) error {
		return e.runUnit(ctx, units[id], reports[id])
	})
	e.progress.Close()

	failed := 0
	for i := range rep.Units {
		ur := reports[rep.Units[i].Unit]
		if res, ok := results[ur.Unit]; ok && res.Status == dag.Skipped && ur.Status == "pending" {
			ur.Status = "skipped"
			ur.Error = &evidence.ErrorInfo{Code: "SKIPPED", Message: "a dependency failed"}
		}
		if res, ok := results[ur.Unit]; ok && res.Status == dag.Failed && (ur.Status == "pending" || ur.Status == "") {
			// fn never returned normally (a panic Walk recovered).
			ur.Status, ur.Error = "failed", errorInfo(res.Err)
		}
		if ur.Status == "pending" || ur.Status == "" {
			ur.Status = "cancelled"
		}
		if ur.Status != "ok" {
			failed++
		}
		e.timeline.Fill(ur)
		rep.Units[i] = *ur
	}
	rep.FinishedAt = opts.Now().UTC()
	rep.DurationSeconds = rep.FinishedAt.Sub(rep.StartedAt).Seconds()
	rep.Status = "ok"
	var runErr error
	switch {
	case ctx.Err() != nil:
		rep.Status = "interrupted"
		runErr = ctx.Err()
	case failed > 0:
		rep.Status = "failed"
		runErr = fmt.Errorf("%d of %d units did not load", failed, len(rep.Units))
	}
	if runErr != nil {
		rep.Error = &evidence.ErrorInfo{Code: "RUN", Message: runErr.Error()}
	}
	if opts.Metrics != nil {
		opts.Metrics.SetRunStatus(rep.Status)
	}
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	summary, _ := json.Marshal(rep.Summary())
	if err := e.store.FinishRun(finishCtx, e.runID, runStatus(rep.Status), rep.FinishedAt, summary, errString(runErr)); err != nil {
		e.logf("record run end: %v", err)
	}
	return rep, runErr
}

// runStatus maps a report status to the runs registry's.
func runStatus(s string) state.RunStatus {
	switch s {
	case "ok":
		return state.RunSucceeded
	case "interrupted":
		return state.RunInterrupted
	}
	return state.RunFailed
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func targetName(u *manifest.Unit) string {
	if u.Sink.Table.Schema == "" {
		return u.Sink.Table.Name
	}
	return u.Sink.Table.Schema + "." + u.Sink.Table.Name
}

// buildGraph makes the DAG of the selected units.
func buildGraph(units []*manifest.Unit) (*dag.Graph, error) {
	g := manifest.GraphOf(units)
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g, nil
}

// runUnit loads one unit with its lock, retries and report.
func (e *Engine) runUnit(ctx context.Context, u *manifest.Unit, rep *evidence.UnitReport) error {
	stream := state.StreamKey{Manifest: e.manifestID, Unit: u.ID}
	if e.opts.Metrics != nil {
		e.opts.Metrics.SetUnit(u.ID, u.Source.Type, u.Sink.Type)
	}
	lock, err := e.lock(ctx, u.ID)
	if err != nil {
		e.fail(u, rep, err)
		return err
	}
	defer lock.Release(context.WithoutCancel(ctx))
	stopRefresh := e.keepLock(ctx, u.ID, lock)
	defer stopRefresh()

	for attempt := 1; ; attempt++ {
		rep.Attempts = attempt
		r := &unitRun{e: e, u: u, rep: rep, stream: stream, lock: lock}
		*rep = evidence.UnitReport{Unit: rep.Unit, Source: rep.Source, Sink: rep.Sink, Target: rep.Target,
			Mode: rep.Mode, Attempts: attempt}
		// load resolves pending loads of earlier runs first; a transient
		// sink error there is retried like one in the load.
		err = r.load(ctx)
		if err == nil {
			rep.Status = "ok"
			if rep.DurationSeconds > 0 {
				rep.RowsPerSecond = float64(rep.RowsWritten) / rep.DurationSeconds
			}
			if e.opts.Metrics != nil {
				e.opts.Metrics.Attempt(rep)
			}
			e.progress.Done(u.ID, "ok")
			return nil
		}
		if e.opts.Metrics != nil {
			attemptRep := *rep
			attemptRep.Error = errorInfo(err)
			e.opts.Metrics.Attempt(&attemptRep)
		}
		var committed errCommitted
		if attempt > e.opts.Retries || !connector.IsRetryable(err) || ctx.Err() != nil || errors.As(err, &committed) {
			// A load that committed, or may have, is never retried: a retry
			// reads from the old checkpoint and would load its rows again.
			// The next run of the unit finishes it from the sink's receipt.
			break
		}
		if e.opts.Metrics != nil {
			e.opts.Metrics.Retry(u.ID)
		}
		delay := retryDelay(e.opts.RetryBackoff, e.opts.RetryMaxBackoff, attempt, nil)
		e.logf("%s: attempt %d failed (%v); retrying in %s", u.ID, attempt, err, delay.Round(time.Millisecond))
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
	e.fail(u, rep, err)
	return err
}

func (e *Engine) fail(u *manifest.Unit, rep *evidence.UnitReport, err error) {
	rep.Status = "failed"
	if errors.Is(err, context.Canceled) {
		rep.Status = "cancelled"
	}
	rep.Error = errorInfo(err)
	e.progress.Done(u.ID, rep.Status)
	e.emitLineage(evidence.LineageFail, u, rep, nil)
}

// ErrLocked means another live run holds the unit's lock (report code
// LOCKED, not INTERNAL).
var ErrLocked = errors.New("unit locked by another run")

// lock takes the unit's run lock, waiting when Options.Wait is set.
func (e *Engine) lock(ctx context.Context, unit string) (state.Lock, error) {
	key := LockKey(e.manifestID, unit)
	for {
		l, err := e.store.Lock(ctx, key, e.runID, e.opts.LockTTL)
		var held state.ErrLocked
		if err == nil || !errors.As(err, &held) || !e.opts.Wait {
			if err != nil && errors.As(err, &held) {
				return nil, fmt.Errorf("unit %s is being loaded by run %s (since %s): %w: wait for it or pass --wait", unit, held.HeldBy, held.Since.Format(time.RFC3339), ErrLocked)
			}
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// keepLock refreshes a unit's lock every third of its ttl while the unit
// loads, so a long load keeps it; the returned func stops refreshing.
func (e *Engine) keepLock(ctx context.Context, unit string, lock state.Lock) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(e.opts.LockTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := lock.Refresh(ctx, e.opts.LockTTL); err != nil && ctx.Err() == nil {
					e.logf("%s: refresh run lock: %v", unit, err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// errorInfo classifies err for the report.
func errorInfo(err error) *evidence.ErrorInfo {
	info := &evidence.ErrorInfo{Code: "INTERNAL", Message: err.Error()}
	var ce *connector.Error
	switch {
	case errors.Is(err, ErrPendingLoad):
		info.Code, info.Retryable = "PENDING_LOAD", connector.IsRetryable(err)
	case errors.As(err, &ce):
		info.Code, info.Retryable = connector.CodeName(ce.Code), ce.Retryable
	case errors.Is(err, context.Canceled):
		info.Code = "CANCELLED"
	case errors.Is(err, connector.ErrPluginExited):
		info.Code = "PLUGIN_EXITED"
	case errors.Is(err, connector.ErrPluginNotFound), errors.Is(err, connector.ErrPluginNotExecutable),
		errors.Is(err, connector.ErrNotAPlugin), errors.Is(err, connector.ErrChecksum):
		info.Code = "CONFIG"
	case errors.Is(err, ErrLocked):
		info.Code = "LOCKED"
	case errors.Is(err, connector.ErrCallTimeout):
		info.Code = "TIMEOUT"
	case errors.Is(err, ErrGate):
		info.Code = "GATE"
	case errors.Is(err, ErrContract):
		info.Code = "CONTRACT"
	case errors.Is(err, plan.ErrSchemaChange):
		info.Code = "SCHEMA"
	case errors.Is(err, schema.ErrConfig), errors.Is(err, plan.ErrConfig):
		info.Code = "CONFIG"
	case errors.Is(err, plan.ErrUnsupported):
		info.Code = "UNSUPPORTED"
	case errors.Is(err, state.ErrLockLost):
		info.Code = "LOCK_LOST"
	}
	return info
}

func (e *Engine) logf(format string, args ...any) {
	if e.opts.Log == nil {
		return
	}
	e.logMu.Lock()
	defer e.logMu.Unlock()
	fmt.Fprintf(e.opts.Log, format+"\n", args...)
}

// ErrorCode classifies err as a run report does (CONFIG, UNAVAILABLE,
// LOCKED, ...).
func ErrorCode(err error) string { return errorInfo(err).Code }
