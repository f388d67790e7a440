package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/sdk/sdktest"
)

type certifyOptions struct {
	fixture     string
	reportDir   string
	junit       string
	verbose     bool
	source      bool
	destination bool
	strict      bool
}

func newCertifyCmd(app *App) *cobra.Command {
	o := &certifyOptions{}
	cmd := &cobra.Command{
		Use:   "certify PLUGIN --fixture FILE [--report DIR]",
		Short: "Run the connector certification suite against a plugin binary",
		Long: `Certify runs dpone's certification suite (sdk/sdktest) against a plugin
binary, out of process with the real handshake: spec and config schema,
check, discover, full and incremental reads, cancellation, partitions,
type round trips, every declared load mode, abort, a crash between Write
and CommitLoad, LoadStatus, throughput and peak memory.

PLUGIN is an installed connector name (looked up like dpone run does) or
a path to a binary. The fixture (YAML or JSON) gives configs, the streams
and what they hold, load settings and floors; see docs/plugin-authoring.md.
It prints a table, writes certification.json and certification.md into
--report (and JUnit XML for CI with --junit FILE), and exits 1 when a
check fails. A skipped core check (a claimed capability the fixture gives
no input for) fails; --strict fails any skip. Checks of capabilities the
plugin does not claim are n/a. The plugin runs with TZ=America/St_Johns
unless the fixture sets time_zone. However certify ends — a failed check,
Ctrl-C, its output closed (certify | head) — it ends the plugin processes
it started.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCertify(cmd.Context(), app, args[0], o)
		},
	}
	cmd.Flags().StringVar(&o.fixture, "fixture", "", "fixture file (YAML or JSON)")
	cmd.Flags().StringVar(&o.reportDir, "report", ".", "directory for certification.json, certification.md and plugin.log")
	cmd.Flags().StringVar(&o.junit, "junit", "", "also write the checks as JUnit XML to FILE (for CI test reports)")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "print every check as it runs")
	cmd.Flags().BoolVar(&o.source, "source", false, "run only the source checks (default: what the plugin advertises)")
	cmd.Flags().BoolVar(&o.destination, "destination", false, "run only the destination checks (default: what the plugin advertises)")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "fail on any skipped check (CI; also DPONE_CERTIFY_STRICT=1); without it only skips of core checks fail")
	return cmd
}

// pluginPath resolves a plugin argument: a path when it names a file or
// contains a separator, else an installed connector name.
func (a *App) pluginPath(arg string) (string, error) {
	if strings.ContainsRune(arg, os.PathSeparator) {
		if _, err := os.Stat(arg); err != nil {
			return "", usagef("plugin binary %s: %w", arg, err)
		}
		return arg, nil
	}
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		return arg, nil
	}
	reg, err := a.pluginRegistry()
	if err != nil {
		return "", err
	}
	p, err := reg.Find(arg)
	return p, connectorErr(err)
}

func runCertify(ctx context.Context, app *App, target string, o *certifyOptions) error {
	if o.fixture == "" {
		return usagef("--fixture is required: a YAML or JSON fixture (see docs/plugin-authoring.md)")
	}
	path, err := app.pluginPath(target)
	if err != nil {
		return err
	}
	if err := app.verifyLocked(path); err != nil {
		return connectorErr(err)
	}
	f, err := sdktest.ReadFixture(o.fixture)
	if err != nil {
		return asUsage(err)
	}
	f.Binary = path
	if f.Load != nil && f.Load.Reader != nil && f.Load.Reader.Binary != "" {
		if f.Load.Reader.Binary, err = app.pluginPath(f.Load.Reader.Binary); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(o.reportDir, 0o755); err != nil {
		return fmt.Errorf("report directory: %w", err)
	}
	logf, err := os.Create(filepath.Join(o.reportDir, "plugin.log"))
	if err != nil {
		return fmt.Errorf("plugin log: %w", err)
	}
	defer logf.Close()
	f.PluginLog = logf

	// Every exit path ends the plugins: a cancelled run (Ctrl-C, or an
	// output that cannot be written) stops the suite, which kills them,
	// and certify waits for that before it returns.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	keepSIGPIPE()
	out, errOut := &stopWriter{w: app.Out, stop: cancel}, &stopWriter{w: app.Err, stop: cancel}
	fmt.Fprintf(out, "certifying %s\n", path)
	runner := sdktest.NewRunner("", errOut, o.verbose)
	done := make(chan *sdktest.Report, 1)
	go func() {
		done <- sdktest.Run(runner, f, sdktest.Options{Source: o.source, Destination: o.destination, Strict: o.strict, Context: ctx})
	}()
	rep := <-done
	if err := ctx.Err(); err != nil {
		return err
	}
	printCertification(out, rep)
	if err := rep.WriteFiles(o.reportDir); err != nil {
		return err
	}
	if o.junit != "" {
		if err := rep.WriteJUnit(o.junit); err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
	}
	fmt.Fprintf(out, "report: %s, %s\n", filepath.Join(o.reportDir, "certification.json"), filepath.Join(o.reportDir, "certification.md"))
	if _, fail, _ := rep.Counts(); fail > 0 {
		return exitError{code: ExitFailed, err: fmt.Errorf("certification failed: %d checks failed", fail)}
	}
	return nil
}

func printCertification(w io.Writer, rep *sdktest.Report) {
	p := rep.Plugin
	fmt.Fprintf(w, "plugin %s %s (protocol %d, sdk %s, suite %s)\n", p.Name, p.Version, p.ProtocolVersion, sdkOrUnknown(p.SDKVersion), p.SuiteVersion)
	if p.SHA256 != "" {
		fmt.Fprintf(w, "sha256 %s\n", p.SHA256)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, rep.Table())
	fmt.Fprintln(w)
	for _, m := range []struct{ key, label, unit string }{
		{"read_rows_per_sec", "read", "rows/s"},
		{"write_rows_per_sec", "write", "rows/s"},
		{"peak_rss_mb", "peak RSS", "MiB"},
	} {
		if v, ok := rep.Metrics[m.key]; ok {
			fmt.Fprintf(w, "%-9s %.0f %s\n", m.label, v, m.unit)
		}
	}
	pass, fail, skip := rep.Counts()
	verdict := "PASSED"
	if fail > 0 {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "%s: %d passed, %d failed, %d skipped\n", verdict, pass, fail, skip)
}

// stopWriter passes writes on and stops the run at the first failed one:
// certify's output is gone (a closed pipe), so nobody sees the rest.
type stopWriter struct {
	w    io.Writer
	stop context.CancelFunc
}

func (s *stopWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		s.stop()
	}
	return n, err
}

// keepSIGPIPE makes a write to a closed stdout or stderr fail with EPIPE
// (which stopWriter turns into a stopped run) instead of letting the Go
// runtime kill dpone and leave its plugins running. The signal itself
// means nothing here: a killed plugin's pipes raise it too. It stays
// registered until dpone exits: its last words (the error line) must not
// die of SIGPIPE either.
func keepSIGPIPE() {
	sigpipeOnce.Do(func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGPIPE)
		go func() {
			for range ch {
			}
		}()
	})
}

var sigpipeOnce sync.Once

func sdkOrUnknown(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}
