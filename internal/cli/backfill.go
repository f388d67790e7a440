package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/backfill"
	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/run"
	"github.com/dpone-go/dpone/host/state"
)

type backfillOptions struct {
	manifest          string
	unit              string
	from, to, chunk   string
	parallel, retries int
	retryBackoff      time.Duration
	retryMax          time.Duration
	restart, wait     bool
	lockTTL           time.Duration
	reportDir         string
	progress          string
	stateURL          string
}

func newBackfillCmd(app *App) *cobra.Command {
	o := &backfillOptions{}
	cmd := &cobra.Command{
		Use:   "backfill MANIFEST --select UNIT --from A --to B --chunk SIZE",
		Short: "Load a unit's history in resumable chunks of its cursor column",
		Long: `Backfill splits [--from, --to) on the unit's cursor column (source.options
incremental_column; incremental_strategy column) into chunks: --chunk is a
duration for a date or timestamp cursor (1d, 6h, 30m) and a count for an
integer one (10000). Each chunk is read with a cursor range and loaded as a
replace of exactly that slice of the target (cursor >= lower AND cursor <
upper), so loading a chunk twice leaves it loaded once. Rows with a NULL
cursor are in no chunk.

A ledger in dpone's state records every chunk (status, rows, load id,
attempts, error). After a crash, kill -9 or Ctrl-C, the same command loads
only the chunks not done; another range or chunk size for an unfinished
backfill is refused (see it with dpone backfill status; --restart gives it
up). A failed chunk is retried with backoff (--retries, except configuration
errors); the backfill then fails listing the chunks that failed.

The unit's lock is held throughout: a dpone run of the unit, or a second
backfill of it, is refused meanwhile (or waits with --wait). The unit's
incremental checkpoint is never read nor moved. Each chunk is a load in the
run report. dpone plan with --from/--to/--chunk shows the chunks.

Exit codes: 0 ok, 1 chunks failed, 2 configuration or usage error,
130 interrupted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.manifest = args[0]
			return runBackfill(cmd.Context(), app, o, app.Args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.unit, "select", "s", "", "the unit to backfill: <schema>.<table> or id (one unit)")
	f.StringVar(&o.from, "from", "", "lower bound of the range, inclusive: a date, timestamp (UTC without an offset) or integer")
	f.StringVar(&o.to, "to", "", "upper bound of the range, exclusive")
	f.StringVar(&o.chunk, "chunk", "", "chunk size: a duration (1d, 6h, 30m) for time cursors, a count (10000) for integer ones")
	f.IntVarP(&o.parallel, "parallel", "p", 1, "chunks loading at once")
	f.IntVar(&o.retries, "retries", -1, "retries per chunk after a failure (default: the manifest's run.retries, else 2)")
	f.DurationVar(&o.retryBackoff, "retry-backoff", 2*time.Second, "first retry delay, doubled each retry, with jitter")
	f.DurationVar(&o.retryMax, "retry-max-backoff", run.DefaultRetryMaxBackoff, "longest delay between retries")
	f.BoolVar(&o.restart, "restart", false, "give up the unit's unfinished backfill with another range or chunk and start this one")
	f.BoolVar(&o.wait, "wait", false, "wait for the unit's lock instead of failing when a run or backfill holds it")
	f.DurationVar(&o.lockTTL, "lock-ttl", 2*time.Minute, "how long the unit lock outlives a stalled backfill")
	f.StringVar(&o.reportDir, "report-dir", "", "where run reports go (default: .dpone/runs next to the state)")
	f.StringVar(&o.progress, "progress", "auto", "progress display: auto, bars, plain, none")
	f.StringVar(&o.stateURL, "state-url", "", "state backend instead of the manifest's: postgres://… or sqlite:PATH (default $DPONE_STATE_URL)")
	cmd.AddCommand(newBackfillStatusCmd(app))
	return cmd
}

func (o *backfillOptions) check() error {
	switch {
	case o.unit == "":
		return usagef("backfill needs --select UNIT (one unit)")
	case o.from == "" || o.to == "" || o.chunk == "":
		return usagef("backfill needs --from, --to and --chunk (e.g. --from 2024-01-01 --to 2024-02-01 --chunk 1d)")
	case o.parallel < 1:
		return usagef("--parallel %d: want 1 or more", o.parallel)
	}
	return nil
}

func runBackfill(ctx context.Context, app *App, o *backfillOptions, args []string) error {
	if err := o.check(); err != nil {
		return err
	}
	s, err := openSession(ctx, app, o.manifest, []string{o.unit}, nil, o.stateURL)
	if err != nil {
		return err
	}
	defer s.close()
	if len(s.units) != 1 {
		return usagef("--select %s matches %d units: backfill takes one", o.unit, len(s.units))
	}
	progress, err := progressFor(app, o.progress)
	if err != nil {
		return err
	}
	reportDir := o.reportDir
	if reportDir == "" {
		reportDir = filepath.Join(filepath.Dir(s.m.State.Path), "runs")
	}
	evidence.Version = app.Version
	res, bfErr := backfill.Run(ctx, backfill.Options{
		Unit: s.units[0], From: o.from, To: o.to, Chunk: o.chunk, Parallel: o.parallel, Restart: o.restart,
		Run: run.Options{Manifest: s.m, Store: s.store, Pool: s.pool, Progress: progress, Log: app.Err,
			Retries: runRetries(o.retries, s.m), RetryBackoff: o.retryBackoff, RetryMaxBackoff: o.retryMax,
			Wait: o.wait, LockTTL: o.lockTTL, Args: args, Hooks: app.hooks, RunID: state.NewRunID(time.Now())},
	})
	if res != nil {
		path, err := evidence.WriteReport(reportDir, res.Report)
		if err != nil {
			fmt.Fprintf(app.Err, "warning: write run report: %v\n", err)
		}
		fmt.Fprintln(app.Out)
		if res.Backfill.ID != "" {
			writeLedger(app.Out, res.Backfill)
		}
		if path != "" {
			fmt.Fprintf(app.Out, "report: %s\n", path)
		}
		fmt.Fprintf(app.Out, "state: %s\n", stateLabel(s.m))
	}
	switch {
	case bfErr == nil:
		return nil
	case ctx.Err() != nil:
		return exitError{code: ExitInterrupted, err: fmt.Errorf("interrupted: the chunk(s) in flight were aborted; run the same command again to load the chunks not done")}
	case configError(bfErr), errors.Is(bfErr, backfill.ErrUsage), errors.Is(bfErr, backfill.ErrConflict):
		return asUsage(bfErr)
	case errors.Is(bfErr, run.ErrLocked):
		return exitError{code: ExitFailed, err: bfErr}
	}
	return exitError{code: ExitFailed, err: bfErr}
}

// progressFor is the progress display --progress names.
func progressFor(app *App, mode string) (evidence.Progress, error) {
	switch mode {
	case "auto":
		return evidence.NewProgress(app.Err, drawBars(app.Err)), nil
	case "bars":
		return evidence.NewProgress(app.Err, true), nil
	case "plain":
		return evidence.NewProgress(app.Err, false), nil
	case "none":
		return evidence.NewProgress(io.Discard, false), nil
	}
	return nil, usagef("--progress %q: want auto, bars, plain or none", mode)
}

// writeLedger prints a backfill's ledger as a table.
func writeLedger(w io.Writer, b state.Backfill) {
	done, rows := 0, int64(0)
	for _, c := range b.Chunks {
		if c.Status == state.ChunkDone {
			done++
		}
		rows += c.Rows
	}
	fmt.Fprintf(w, "backfill %s of %s: [%s, %s) on %s (%s) in chunks of %s\n", b.ID, b.Stream, b.From, b.To, b.Column, b.Kind, b.Chunk)
	fmt.Fprintf(w, "status: %s, %d/%d chunks done, %d rows, last run %s\n", b.Status, done, len(b.Chunks), rows, b.RunID)
	if b.Error != "" {
		fmt.Fprintf(w, "error: %s\n", b.Error)
	}
	fmt.Fprintf(w, "%-7s %-32s %-32s %-8s %10s %8s  %s\n", "CHUNK", "LOWER", "UPPER", "STATUS", "ROWS", "ATTEMPTS", "LOAD / ERROR")
	for _, c := range b.Chunks {
		last := c.LoadID
		if c.Error != "" {
			last = c.Error
		}
		fmt.Fprintf(w, "%-7s %-32s %-32s %-8s %10d %8d  %s\n", fmt.Sprintf("%d/%d", c.Index+1, len(b.Chunks)), c.Lower, c.Upper, c.Status, c.Rows, c.Attempts, last)
	}
}
