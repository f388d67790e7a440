package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/state"
)

// Session is one run that loads one unit several times under one lock:
// dpone backfill loads each chunk of a unit through it, chunks in
// parallel. It is recorded in the runs registry like a run, holds the
// unit's lock (so no `dpone run` of the unit and no other backfill of it
// loads meanwhile) and refreshes it until Close. Load is safe for
// concurrent use.
type Session struct {
	e     *Engine
	u     *manifest.Unit
	lock  state.Lock
	stop  func()
	mu    sync.Mutex
	rep   *evidence.Report
	close sync.Once
}

// OpenSession validates u (as run does), records the run, takes the
// unit's lock (waiting for it when opts.Wait is set, else failing with
// ErrLocked) and resolves the loads earlier runs of the unit left pending.
// opts.Units and opts.Parallel are ignored. Close ends the session.
func OpenSession(ctx context.Context, opts Options, u *manifest.Unit) (*Session, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LockTTL <= 0 {
		opts.LockTTL = 2 * time.Minute
	}
	e := &Engine{opts: opts, store: opts.Store, conns: opts.Pool, progress: opts.Progress, hooks: opts.Hooks,
		manifestID: opts.Manifest.Metadata.ID, startedAt: opts.Now().UTC(), runID: opts.RunID}
	if e.progress == nil {
		e.progress = evidence.NewProgress(io.Discard, false)
	}
	e.timeline = evidence.NewTimeline(e.progress, e.startedAt, opts.Now)
	e.progress = e.timeline
	if e.runID == "" {
		e.runID = state.NewRunID(e.startedAt)
	}
	if err := plan.Check(ctx, opts.Pool, []*manifest.Unit{u}); err != nil {
		return nil, err
	}
	if dead, err := e.store.AbandonDeadRuns(ctx); err != nil {
		e.logf("warning: %v", err)
	} else if len(dead) > 0 {
		e.logf("marked %d run(s) abandoned (their process is gone): %v", len(dead), dead)
	}
	lock, err := e.lock(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if err := e.store.StartRun(ctx, state.Run{ID: e.runID, Manifest: e.manifestID, Status: "running",
		StartedAt: e.startedAt, Args: opts.Args}); err != nil {
		_ = lock.Release(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("record run: %w", err)
	}
	s := &Session{e: e, u: u, lock: lock, stop: e.keepLock(ctx, u.ID, lock),
		rep: &evidence.Report{SchemaVersion: evidence.ReportSchemaVersion, RunID: e.runID, Manifest: e.manifestID,
			StartedAt: e.startedAt, Args: opts.Args}}
	// Loads an earlier run left pending (a backfill killed mid-chunk)
	// are resolved now, before any chunk loads: with chunks loading in
	// parallel, a pending load of this run is no leftover.
	r := &unitRun{e: e, u: u, rep: &evidence.UnitReport{Unit: u.ID}, stream: s.stream(), lock: lock}
	p, perr := s.Planner().Resolve(ctx, u)
	if _, err := r.recoverUnit(ctx, p); err != nil {
		if perr != nil {
			err = perr
		}
		s.Close(ctx, err)
		return nil, err
	}
	return s, nil
}

func (s *Session) stream() state.StreamKey {
	return state.StreamKey{Manifest: s.e.manifestID, Unit: s.u.ID}
}

// RunID is the session's run id.
func (s *Session) RunID() string { return s.e.runID }

// Fence names the session's lock and generation, for writes that must
// stop once another run took the unit over.
func (s *Session) Fence() state.Fence {
	return state.Fence{Key: s.lock.Key(), Generation: s.lock.Generation()}
}

// Planner plans loads as this session's run (its run id and start time).
func (s *Session) Planner() *plan.Planner {
	e := s.e
	return plan.NewPlanner(plan.Options{Manifest: e.opts.Manifest, Connectors: e.conns, Store: e.store, RunID: e.runID, At: e.startedAt})
}

// Load executes p, a plan of the session's unit (p.M has its id), once:
// one load with its own load id, shown on the progress display as label.
// The returned report, also added to the session's report, has Unit set
// to label. A failure aborts the load (or leaves it pending for the next
// run when its outcome is unknown, as run does).
func (s *Session) Load(ctx context.Context, p *plan.Unit, label string, chunk *evidence.ChunkInfo) (evidence.UnitReport, error) {
	e, u := s.e, p.M
	if u == nil || u.ID != s.u.ID {
		return evidence.UnitReport{}, fmt.Errorf("session of unit %s cannot load a plan of another unit", s.u.ID)
	}
	rep := &evidence.UnitReport{Unit: label, Source: u.Source.Type, Sink: u.Sink.Type, Target: targetName(u),
		Mode: u.Sink.Strategy.Mode, Attempts: 1, Chunk: chunk}
	r := &unitRun{e: e, u: u, rep: rep, stream: s.stream(), lock: s.lock, label: label}
	start := time.Now()
	err := r.execute(ctx, p)
	rep.DurationSeconds = time.Since(start).Seconds()
	if err == nil {
		rep.Status = "ok"
		if rep.DurationSeconds > 0 {
			rep.RowsPerSecond = float64(rep.RowsWritten) / rep.DurationSeconds
		}
		e.progress.Done(label, "ok")
	} else {
		rep.Status = "failed"
		if errors.Is(err, context.Canceled) {
			rep.Status = "cancelled"
		}
		rep.Error = errorInfo(err)
		e.progress.Done(label, rep.Status)
	}
	e.timeline.Fill(rep)
	s.mu.Lock()
	s.rep.Units = append(s.rep.Units, *rep)
	s.mu.Unlock()
	return *rep, err
}

// Close finishes the session: the run's report and registry entry
// (status from err: nil ok, a cancelled ctx interrupted, else failed), and
// the unit's lock released. It returns the report; calling it again
// returns the same report.
func (s *Session) Close(ctx context.Context, err error) *evidence.Report {
	s.close.Do(func() {
		e := s.e
		s.stop()
		e.progress.Close()
		rep := s.rep
		rep.FinishedAt = e.opts.Now().UTC()
		rep.DurationSeconds = rep.FinishedAt.Sub(rep.StartedAt).Seconds()
		rep.Status = "ok"
		switch {
		case ctx.Err() != nil:
			rep.Status = "interrupted"
		case err != nil:
			rep.Status = "failed"
		}
		if err != nil {
			rep.Error = &evidence.ErrorInfo{Code: "RUN", Message: err.Error()}
		}
		finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		summary, _ := json.Marshal(rep.Summary())
		if ferr := e.store.FinishRun(finishCtx, e.runID, runStatus(rep.Status), rep.FinishedAt, summary, errString(err)); ferr != nil {
			e.logf("record run end: %v", ferr)
		}
		if rerr := s.lock.Release(finishCtx); rerr != nil {
			e.logf("%s: release run lock: %v", s.u.ID, rerr)
		}
	})
	return s.rep
}
