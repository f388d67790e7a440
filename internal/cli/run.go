package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/run"
	"github.com/dpone-go/dpone/host/state"
)

type runOptions struct {
	manifest     string
	selectors    []string
	excludes     []string
	parallel     int
	retries      int
	retryBackoff time.Duration
	retryMax     time.Duration
	wait         bool
	lockTTL      time.Duration
	reportDir    string
	progress     string
	metricsFile  string
	metricsAddr  string
	metricsPush  string
	lineage      lineageFlags
	stateURL     string
}

func newRunCmd(app *App) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run MANIFEST",
		Short: "Load every selected table of a manifest, atomically, with a report",
		Long: `Run walks the manifest's DAG with bounded parallelism. Per table it resolves
the unit's plan (what dpone plan shows) and executes it: reads the source,
applies the plan's DDL, stages the batches in the sink, commits the load
atomically and only then advances incremental state. A failed or interrupted
table is aborted: its staged rows are dropped (a target the plan created
stays, empty).

Exit codes: 0 ok, 1 a unit failed, 2 configuration error (found before the
run or by a unit), 130 interrupted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.manifest = args[0]
			return runRun(cmd.Context(), app, o, app.Args)
		},
	}
	f := cmd.Flags()
	f.StringSliceVarP(&o.selectors, "select", "s", nil, "units to run: <schema>.<table>, id or glob (default: all)")
	f.StringSliceVar(&o.excludes, "exclude", nil, "units to leave out")
	f.IntVarP(&o.parallel, "parallel", "p", 0, "units loading at once (default: the manifest's run.parallel, else 4)")
	f.IntVar(&o.retries, "retries", -1, "retries per unit after a retryable error (UNAVAILABLE, RATE_LIMITED; default: the manifest's run.retries, else 2)")
	f.DurationVar(&o.retryBackoff, "retry-backoff", 2*time.Second, "first retry delay, doubled each retry, with jitter")
	f.DurationVar(&o.retryMax, "retry-max-backoff", run.DefaultRetryMaxBackoff, "longest delay between retries")
	f.BoolVar(&o.wait, "wait", false, "wait for units locked by another run instead of failing")
	f.DurationVar(&o.lockTTL, "lock-ttl", 2*time.Minute, "how long a unit lock outlives a stalled run before another run may take the unit over (refreshed every third of it)")
	f.StringVar(&o.reportDir, "report-dir", "", "where run reports go (default: .dpone/runs next to the state)")
	f.StringVar(&o.progress, "progress", "auto", "progress display: auto, bars, plain, none")
	f.StringVar(&o.metricsFile, "metrics-textfile", "", "write Prometheus metrics to this file at the end (node_exporter textfile)")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus /metrics on this address during the run (e.g. 127.0.0.1:9464)")
	f.StringVar(&o.metricsPush, "metrics-push", "", "push the run's final metrics to this Prometheus Pushgateway URL (job dpone, instance = manifest id)")
	f.StringVar(&o.lineage.file, "openlineage", "", "append OpenLineage START/COMPLETE/FAIL events (NDJSON) to this file")
	f.StringVar(&o.lineage.url, "openlineage-url", "", "POST OpenLineage events to this URL, e.g. http://marquez:5000/api/v1/lineage (default $OPENLINEAGE_URL); a backend that is down only warns")
	f.StringVar(&o.lineage.tokenEnv, "openlineage-token-env", "OPENLINEAGE_API_KEY", "environment variable holding the bearer token for --openlineage-url")
	f.DurationVar(&o.lineage.timeout, "openlineage-timeout", 5*time.Second, "timeout of each OpenLineage POST")
	f.IntVar(&o.lineage.retries, "openlineage-retries", 2, "retries of an OpenLineage POST that failed with a network error, 429 or 5xx")
	f.StringVar(&o.stateURL, "state-url", "", "state backend instead of the manifest's: postgres://… or sqlite:PATH (default $DPONE_STATE_URL)")
	return cmd
}

// session is what run, plan and state commands share: the manifest, the
// selected units, the state store and the connector pool.
type session struct {
	m     *manifest.Manifest
	units []*manifest.Unit
	store state.Store
	pool  *run.Pool
	// closeVault revokes the Vault leases the manifest's credentials took.
	closeVault func()
}

func (s *session) close() {
	if s.closeVault != nil {
		defer s.closeVault()
	}
	if s.pool != nil {
		s.pool.Close()
	}
	if s.store != nil {
		_ = s.store.Close()
	}
}

// openSession loads the manifest, selects units, opens the state store and
// prepares (but does not start) the connector pool.
func openSession(ctx context.Context, app *App, path string, selectors, excludes []string, stateURL string) (*session, error) {
	opts, closeVault := app.credentialOptions()
	m, err := manifest.Load(path, opts)
	if err != nil {
		closeVault()
		return nil, asUsage(err)
	}
	s, err := openUnits(ctx, app, path, m, selectors, excludes, stateURL)
	if err != nil {
		closeVault()
		return nil, err
	}
	s.closeVault = closeVault
	return s, nil
}

// openUnits is openSession after the manifest loaded.
func openUnits(ctx context.Context, app *App, path string, m *manifest.Manifest, selectors, excludes []string, stateURL string) (*session, error) {
	units, err := m.Select(selectors, excludes)
	if err != nil {
		return nil, asUsage(err)
	}
	if len(units) == 0 {
		return nil, usagef("no unit matches the selection (manifest %s has %s)", path, countOf(len(m.Units), "unit"))
	}
	reg, err := app.manifestRegistry(m)
	if err != nil {
		return nil, err
	}
	if err := app.applyStateRule(m); err != nil {
		return nil, err
	}
	// An explicit state URL (--state-url, $DPONE_STATE_URL) wins over the
	// state directory rule: an orchestrator's tasks share it.
	if err := applyStateURL(m, stateURL); err != nil {
		return nil, err
	}
	store, err := openStore(ctx, m)
	if err != nil {
		return nil, err
	}
	return &session{m: m, units: units, store: store, pool: run.NewPool(reg, app.pluginLaunchOptions())}, nil
}

func openStore(ctx context.Context, m *manifest.Manifest) (state.Store, error) {
	backend, target := m.State.Backend, m.State.Path
	if backend == "" {
		backend = "sqlite"
	}
	if backend == "postgres" {
		target = m.State.DSN
	}
	store, err := state.Open(ctx, backend, target)
	if err != nil {
		return nil, fmt.Errorf("open state (%s): %w", backend, err)
	}
	return store, nil
}

func runRun(ctx context.Context, app *App, o *runOptions, args []string) error {
	s, err := openSession(ctx, app, o.manifest, o.selectors, o.excludes, o.stateURL)
	if err != nil {
		return err
	}
	defer s.close()

	reportDir := o.reportDir
	if reportDir == "" {
		reportDir = filepath.Join(filepath.Dir(s.m.State.Path), "runs")
	}
	var progress evidence.Progress
	switch o.progress {
	case "auto":
		progress = evidence.NewProgress(app.Err, drawBars(app.Err))
	case "bars":
		progress = evidence.NewProgress(app.Err, true)
	case "plain":
		progress = evidence.NewProgress(app.Err, false)
	case "none":
		progress = evidence.NewProgress(io.Discard, false)
	default:
		return usagef("--progress %q: want auto, bars, plain or none", o.progress)
	}

	runID := state.NewRunID(time.Now())
	metrics := evidence.NewMetrics(s.m.Metadata.ID, runID)
	if o.metricsAddr != "" {
		stop, err := serveMetrics(o.metricsAddr, metrics)
		if err != nil {
			return asUsage(err)
		}
		defer stop()
	}
	evidence.Version = app.Version
	lineage, lineageReport, err := o.lineage.open()
	if err != nil {
		return err
	}
	if lineage != nil {
		defer lineage.Close()
	}
	rep, runErr := run.Execute(ctx, run.Options{
		Manifest: s.m, Units: s.units, Parallel: runParallel(o.parallel, s.m), Store: s.store, Pool: s.pool,
		Progress: progress, Log: app.Err, Retries: runRetries(o.retries, s.m), RetryBackoff: o.retryBackoff, RetryMaxBackoff: o.retryMax,
		Wait: o.wait, LockTTL: o.lockTTL, Args: args, Hooks: app.hooks, RunID: runID, Lineage: lineage, Metrics: metrics,
	})
	if rep == nil {
		if configError(runErr) {
			return asUsage(runErr)
		}
		return runErr
	}
	path, err := evidence.WriteReport(reportDir, rep)
	if err != nil {
		fmt.Fprintf(app.Err, "warning: write run report: %v\n", err)
	}
	if o.metricsFile != "" || o.metricsPush != "" {
		metrics.SetReport(rep)
	}
	if o.metricsFile != "" {
		if err := metrics.WriteTextfile(o.metricsFile); err != nil {
			fmt.Fprintf(app.Err, "warning: write metrics: %v\n", err)
		}
	}
	if o.metricsPush != "" {
		if err := metrics.Push(o.metricsPush); err != nil {
			fmt.Fprintf(app.Err, "warning: %v (the run's result does not depend on it)\n", err)
		}
	}
	lineageReport(app.Err)
	fmt.Fprintln(app.Out)
	evidence.RenderSummary(app.Out, rep)
	evidence.RenderViolations(app.Out, rep)
	if path != "" {
		fmt.Fprintf(app.Out, "report: %s\n", path)
	}
	fmt.Fprintf(app.Out, "state: %s\n", stateLabel(s.m))
	for _, u := range rep.Units {
		if u.Error != nil && u.Status != "skipped" {
			fmt.Fprintf(app.Err, "%s: %s: %s\n", u.Unit, u.Error.Code, u.Error.Message)
		}
	}
	switch {
	case runErr == nil:
		return nil
	case ctx.Err() != nil:
		return exitError{code: ExitInterrupted, err: fmt.Errorf("interrupted: in-flight loads were aborted; targets and state are as before them")}
	case onlyConfigErrors(rep):
		return exitError{code: ExitUsage, err: fmt.Errorf("%w: fix the configuration named above; nothing was loaded into the failed units' targets", runErr)}
	default:
		return exitError{code: ExitFailed, err: runErr}
	}
}

// onlyConfigErrors reports whether every unit that failed failed on its
// configuration (CONFIG, UNSUPPORTED): the run exits 2 then, as it does
// when the manifest itself is wrong. A refused schema change (SCHEMA) is a
// finding about the data, not the manifest: exit 1.
func onlyConfigErrors(rep *evidence.Report) bool {
	failed := 0
	for _, u := range rep.Units {
		if u.Status == "ok" || u.Status == "skipped" {
			continue
		}
		failed++
		if u.Error == nil {
			return false
		}
		switch u.Error.Code {
		case "CONFIG", "UNSUPPORTED":
		default:
			return false
		}
	}
	return failed > 0
}

// drawBars reports whether --progress auto draws bars on w: a terminal
// with a size. A terminal reporting 0 columns (CI runners, some IDEs)
// gets plain lines, as a file or pipe does: bars would print nothing.
func drawBars(w any) bool {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	return err == nil && cols > 0
}

// serveMetrics serves m on addr/metrics until stop is called.
func serveMetrics(addr string, m *evidence.Metrics) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}

// countOf is "1 unit", "2 units".
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// runParallel is -p, else the manifest's run.parallel, else 4.
func runParallel(flag int, m *manifest.Manifest) int {
	switch {
	case flag > 0:
		return flag
	case m.Run.Parallel > 0:
		return m.Run.Parallel
	}
	return 4
}

// runRetries is --retries, else the manifest's run.retries, else 2.
func runRetries(flag int, m *manifest.Manifest) int {
	switch {
	case flag >= 0:
		return flag
	case m.Run.Retries != nil:
		return *m.Run.Retries
	}
	return 2
}
