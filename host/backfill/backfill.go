package backfill

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/run"
	"github.com/dpone-go/dpone/host/state"
)

// Options configure one backfill.
type Options struct {
	Unit *manifest.Unit
	// From, To and Chunk are the range [From, To) and the chunk size (see
	// Split).
	From, To, Chunk string
	// Parallel is how many chunks load at once (default 1).
	Parallel int
	// Restart gives up an unfinished backfill of the unit with another
	// range or chunk (its loaded chunks stay loaded) and starts this one.
	Restart bool
	// Run holds the manifest, state, connectors, progress, log, retries
	// (every chunk failure but a configuration one is retried: a chunk is
	// an idempotent replace), lock ttl and wait, args and run id.
	Run run.Options
}

// ErrConflict is an unfinished backfill of the unit with another range
// or chunk size.
var ErrConflict = errors.New("another backfill of the unit is unfinished")

// ErrChunksFailed is a backfill that ended with failed chunks.
var ErrChunksFailed = errors.New("backfill chunks failed")

// Result is what a backfill did: its ledger entry as it ended and the
// run's report (one load per chunk loaded).
type Result struct {
	Backfill state.Backfill
	Report   *evidence.Report
	// Resumed is true when the backfill continued an unfinished one.
	Resumed bool
}

// Run backfills o.Unit: it opens a run session (the unit's lock; pending
// loads of earlier runs resolved), splits the range, records or resumes the
// ledger, and loads the chunks not done yet in o.Parallel lanes (the
// first one alone, so that a target it creates exists before the others
// plan), retrying each failed chunk with backoff. The error lists the
// chunks that failed; the Result is returned whenever the run started.
func Run(ctx context.Context, o Options) (*Result, error) {
	ledger, ok := o.Run.Store.(state.Ledger)
	if !ok {
		return nil, fmt.Errorf("state store %T keeps no backfill ledger", o.Run.Store)
	}
	if o.Parallel <= 0 {
		o.Parallel = 1
	}
	if o.Run.RetryBackoff <= 0 {
		o.Run.RetryBackoff = time.Second
	}
	if o.Run.RetryMaxBackoff <= 0 {
		o.Run.RetryMaxBackoff = run.DefaultRetryMaxBackoff
	}
	sess, err := run.OpenSession(ctx, o.Run, o.Unit)
	if err != nil {
		return nil, err
	}
	b := &runner{o: o, ledger: ledger, sess: sess, fence: sess.Fence(), log: o.Run.Log}
	res := &Result{}
	err = b.run(ctx, res)
	res.Report = sess.Close(ctx, err)
	if b.bf != nil {
		res.Backfill = *b.snapshot()
	}
	return res, err
}

// runner is one backfill in progress.
type runner struct {
	o      Options
	ledger state.Ledger
	sess   *run.Session
	fence  state.Fence
	log    io.Writer
	cursor Cursor

	mu   sync.Mutex // guards bf's chunks, rows, done, stopped
	bf   *state.Backfill
	rows int64
	done int
	// stopped is the first ledger write that failed (a lost lock): the
	// backfill stops with it.
	stopped string
}

func (b *runner) run(ctx context.Context, res *Result) error {
	u := b.o.Unit
	cursor, ranges, err := Chunks(ctx, b.sess.Planner(), u, b.o.From, b.o.To, b.o.Chunk)
	if err != nil {
		return err
	}
	b.cursor = cursor
	// What every chunk needs (a source with cursor_range, a sink with
	// replace, a valid where) is checked on the first one before the
	// ledger records anything.
	if _, err := b.sess.Planner().ResolveSlice(ctx, u, ranges[0], Where(u.Sink.Type, cursor, ranges[0])); err != nil {
		return err
	}
	stream := state.StreamKey{Manifest: b.o.Run.Manifest.Metadata.ID, Unit: u.ID}
	if res.Resumed, err = b.open(ctx, stream, ranges); err != nil {
		return err
	}
	var todo []int
	for i, c := range b.bf.Chunks {
		if c.Status == state.ChunkDone {
			b.done++
			b.rows += c.Rows
			continue
		}
		todo = append(todo, i)
	}
	verb := "starting"
	if res.Resumed {
		verb = "resuming"
	}
	b.logf("%s: %s backfill %s of [%s, %s) on %s in chunks of %s: %d chunk(s), %d to load, %d lane(s)",
		u.ID, verb, b.bf.ID, b.o.From, b.o.To, cursor.Column, b.o.Chunk, len(b.bf.Chunks), len(todo), b.o.Parallel)
	if u.Sink.Strategy.Mode == "incremental_append" {
		b.logf("warning: %s loads by incremental_append: rows of the backfill range at or above the unit's checkpoint are read again by the next dpone run and appended twice; backfill below the checkpoint, or load the unit by incremental_merge", u.ID)
	}
	if len(todo) > 0 {
		// The first chunk alone: a target it creates (or evolves) must
		// exist before other lanes plan their chunks.
		b.chunk(ctx, todo[0])
		b.lanes(ctx, todo[1:])
	}
	return b.finish(ctx)
}

// open finds the unit's unfinished backfill and resumes it when it has
// the same range and chunk, or starts a new one.
func (b *runner) open(ctx context.Context, stream state.StreamKey, ranges []catalog.CursorRange) (resumed bool, err error) {
	active, err := b.ledger.ActiveBackfill(ctx, stream)
	switch {
	case errors.Is(err, state.ErrNotFound):
	case err != nil:
		return false, err
	case active.From == b.o.From && active.To == b.o.To && active.Chunk == b.o.Chunk && !b.o.Restart:
		if len(active.Chunks) != len(ranges) || active.Column != b.cursor.Column {
			return false, fmt.Errorf("%w: backfill %s of [%s, %s) in chunks of %s was split into %d chunks on %q, now %d on %q (the cursor column or its type changed): "+
				"start it afresh with --restart", ErrConflict, active.ID, active.From, active.To, active.Chunk, len(active.Chunks), active.Column, len(ranges), b.cursor.Column)
		}
		if err := b.ledger.ResumeBackfill(ctx, active.ID, b.sess.RunID(), b.fence); err != nil {
			return false, err
		}
		active.Status, active.RunID, active.Error = state.BackfillRunning, b.sess.RunID(), ""
		b.bf = &active
		return true, nil
	case b.o.Restart:
		if err := b.ledger.FinishBackfill(ctx, active.ID, state.BackfillCancelled, "restarted by run "+b.sess.RunID(), b.fence); err != nil {
			return false, err
		}
		b.logf("%s: gave up unfinished backfill %s of [%s, %s) in chunks of %s (--restart); its loaded chunks stay loaded", stream.Unit, active.ID, active.From, active.To, active.Chunk)
	default:
		return false, fmt.Errorf("%w: backfill %s of [%s, %s) in chunks of %s is %s with %s: "+
			"rerun it with those flags to finish it, see it with `dpone backfill status MANIFEST --select %s`, or give it up and start this one with --restart",
			ErrConflict, active.ID, active.From, active.To, active.Chunk, active.Status, progressOf(active), stream.Unit)
	}
	bf := state.Backfill{ID: newID(), Stream: stream, Column: b.cursor.Column, Kind: b.cursor.Kind, From: b.o.From, To: b.o.To,
		Chunk: b.o.Chunk, RunID: b.sess.RunID(), Status: state.BackfillRunning}
	for i, r := range ranges {
		bf.Chunks = append(bf.Chunks, state.Chunk{Index: i, Lower: r.Lower, Upper: r.Upper, Status: state.ChunkPending})
	}
	if err := b.ledger.StartBackfill(ctx, bf, b.fence); err != nil {
		return false, err
	}
	b.bf = &bf
	return false, nil
}

// Chunks resolves u's cursor column and its type from the source's schema
// and splits [from, to) on it.
func Chunks(ctx context.Context, pl *plan.Planner, u *manifest.Unit, from, to, chunk string) (Cursor, []catalog.CursorRange, error) {
	column, err := plan.CursorColumn(u)
	if err != nil {
		return Cursor{}, nil, err
	}
	up, err := pl.Resolve(ctx, u)
	if err != nil {
		return Cursor{}, nil, err
	}
	c, err := cursorOf(column, up.SourceSchema)
	if err != nil {
		return Cursor{}, nil, err
	}
	ranges, err := Split(c, from, to, chunk)
	return c, ranges, err
}

// lanes loads the chunks idx in o.Parallel goroutines.
func (b *runner) lanes(ctx context.Context, idx []int) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(b.o.Parallel, len(idx)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				b.chunk(ctx, i)
			}
		}()
	}
	for _, i := range idx {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
}

// chunk loads chunk i, retrying a failure that is not a configuration
// error up to o.Run.Retries times with backoff, and records each step in
// the ledger.
func (b *runner) chunk(ctx context.Context, i int) {
	if ctx.Err() != nil {
		return
	}
	c := b.chunkAt(i)
	n := len(b.bf.Chunks)
	label := fmt.Sprintf("%s chunk %d/%d", b.o.Unit.ID, i+1, n)
	info := &evidence.ChunkInfo{Unit: b.o.Unit.ID, Backfill: b.bf.ID, Index: i, Count: n, Lower: c.Lower, Upper: c.Upper}
	r := catalog.CursorRange{Lower: c.Lower, Upper: c.Upper}
	for attempt := 1; ; attempt++ {
		c.Attempts++
		c.Status, c.Error, c.LoadID = state.ChunkRunning, "", ""
		if err := b.record(ctx, c); err != nil {
			return
		}
		p, err := b.sess.Planner().ResolveSlice(ctx, b.o.Unit, r, Where(b.o.Unit.Sink.Type, b.cursor, r))
		var rep evidence.UnitReport
		if err == nil {
			rep, err = b.sess.Load(ctx, p, label, info)
		}
		c.LoadID = rep.LoadID
		if err == nil {
			c.Status, c.Rows = state.ChunkDone, rep.RowsWritten
			if b.record(ctx, c) == nil {
				b.mu.Lock()
				b.done++
				b.rows += c.Rows
				done, rows := b.done, b.rows
				b.mu.Unlock()
				b.logf("%s [%s, %s): %d rows (load %s); %d/%d chunks done, %d rows", label, c.Lower, c.Upper, c.Rows, c.LoadID, done, n, rows)
			}
			return
		}
		c.Error = err.Error()
		if ctx.Err() != nil {
			// Interrupted: the chunk is redone by the next run.
			c.Status, c.Error = state.ChunkPending, "interrupted: "+c.Error
			_ = b.record(context.WithoutCancel(ctx), c)
			return
		}
		c.Status = state.ChunkFailed
		if b.record(ctx, c) != nil {
			return
		}
		if attempt > b.o.Run.Retries || !retryable(err) {
			b.logf("%s [%s, %s) failed after %d attempt(s): %v", label, c.Lower, c.Upper, attempt, err)
			return
		}
		delay := run.RetryDelay(b.o.Run.RetryBackoff, b.o.Run.RetryMaxBackoff, attempt)
		b.logf("%s [%s, %s): attempt %d failed (%v); retrying in %s", label, c.Lower, c.Upper, attempt, err, delay.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			c.Status = state.ChunkPending
			_ = b.record(context.WithoutCancel(ctx), c)
			return
		case <-time.After(delay):
		}
	}
}

// retryable reports whether a chunk failure may pass on a retry: every
// failure but a configuration, schema, contract or lock one (a chunk is an
// idempotent replace, so retrying any other failure is safe).
func retryable(err error) bool {
	switch run.ErrorCode(err) {
	case "CONFIG", "UNSUPPORTED", "SCHEMA", "CONTRACT", "GATE", "LOCK_LOST", "LOCKED":
		return false
	}
	return !errors.Is(err, plan.ErrConfig) && !errors.Is(err, plan.ErrUnsupported) && !errors.Is(err, state.ErrLockLost)
}

// record writes chunk c to the ledger and to the runner's copy; a failed
// write (a lost lock) is logged and stops the chunk.
func (b *runner) record(ctx context.Context, c state.Chunk) error {
	if err := b.ledger.UpdateChunk(ctx, b.bf.ID, c, b.fence); err != nil {
		b.logf("%s: %v", b.o.Unit.ID, err)
		b.mu.Lock()
		if b.stopped == "" {
			b.stopped = err.Error()
		}
		b.mu.Unlock()
		return err
	}
	c.UpdatedAt = time.Now().UTC()
	b.mu.Lock()
	b.bf.Chunks[c.Index] = c
	b.mu.Unlock()
	return nil
}

func (b *runner) chunkAt(i int) state.Chunk {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bf.Chunks[i]
}

func (b *runner) snapshot() *state.Backfill {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := *b.bf
	c.Chunks = append([]state.Chunk(nil), b.bf.Chunks...)
	return &c
}

// finish records how the backfill ended: done, failed (listing its failed
// chunks) or interrupted (left running: the same command resumes it).
func (b *runner) finish(ctx context.Context) error {
	bf := b.snapshot()
	b.mu.Lock()
	stopped := b.stopped
	b.mu.Unlock()
	var failed, left []string
	for _, c := range bf.Chunks {
		switch c.Status {
		case state.ChunkDone:
		case state.ChunkFailed:
			failed = append(failed, fmt.Sprintf("chunk %d/%d [%s, %s): %s", c.Index+1, len(bf.Chunks), c.Lower, c.Upper, c.Error))
		default:
			left = append(left, fmt.Sprint(c.Index+1))
		}
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("backfill %s interrupted with %s: run the same command again to load the rest: %w", bf.ID, progressOf(*bf), ctx.Err())
	case stopped != "":
		return fmt.Errorf("backfill %s stopped: %s", bf.ID, stopped)
	case len(failed) > 0:
		msg := fmt.Sprintf("%d of %d chunks failed", len(failed), len(bf.Chunks))
		if err := b.ledger.FinishBackfill(ctx, bf.ID, state.BackfillFailed, msg, b.fence); err != nil {
			return err
		}
		b.bf.Status, b.bf.Error = state.BackfillFailed, msg
		return fmt.Errorf("%w: backfill %s: %s:\n  %s\nfix the cause and run the same command again: it loads only the chunks not done",
			ErrChunksFailed, bf.ID, msg, strings.Join(failed, "\n  "))
	case len(left) > 0:
		return fmt.Errorf("backfill %s: chunks %s were not loaded: run the same command again", bf.ID, strings.Join(left, ", "))
	}
	if err := b.ledger.FinishBackfill(ctx, bf.ID, state.BackfillDone, "", b.fence); err != nil {
		return err
	}
	b.bf.Status = state.BackfillDone
	b.logf("%s: backfill %s done: %d chunks, %d rows", b.o.Unit.ID, bf.ID, len(bf.Chunks), b.rows)
	return nil
}

// progressOf is "3 of 10 chunks done".
func progressOf(b state.Backfill) string {
	done := 0
	for _, c := range b.Chunks {
		if c.Status == state.ChunkDone {
			done++
		}
	}
	return fmt.Sprintf("%d of %d chunks done", done, len(b.Chunks))
}

func (b *runner) logf(format string, args ...any) {
	if b.log == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(b.log, format+"\n", args...)
}

// newID returns a backfill id such as "bf-20261205T032914Z-a1b2c3".
func newID() string {
	r := make([]byte, 3)
	_, _ = rand.Read(r)
	return "bf-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(r)
}
