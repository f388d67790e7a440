package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/sdk/sdktest"
)

type certifyOptions struct {
	fixture     string
	reportDir   string
	verbose     bool
	source      bool
	destination bool
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
--report, and exits 1 when a check fails.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCertify(cmd.Context(), app, args[0], o)
		},
	}
	cmd.Flags().StringVar(&o.fixture, "fixture", "", "fixture file (YAML or JSON)")
	cmd.Flags().StringVar(&o.reportDir, "report", ".", "directory for certification.json, certification.md and plugin.log")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "print every check as it runs")
	cmd.Flags().BoolVar(&o.source, "source", false, "run only the source checks (default: what the plugin advertises)")
	cmd.Flags().BoolVar(&o.destination, "destination", false, "run only the destination checks (default: what the plugin advertises)")
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

	fmt.Fprintf(app.Out, "certifying %s\n", path)
	runner := sdktest.NewRunner("", app.Err, o.verbose)
	done := make(chan *sdktest.Report, 1)
	go func() {
		done <- sdktest.Run(runner, f, sdktest.Options{Source: o.source, Destination: o.destination})
	}()
	var rep *sdktest.Report
	select {
	case rep = <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	printCertification(app.Out, rep)
	if err := rep.WriteFiles(o.reportDir); err != nil {
		return err
	}
	fmt.Fprintf(app.Out, "report: %s, %s\n", filepath.Join(o.reportDir, "certification.json"), filepath.Join(o.reportDir, "certification.md"))
	if _, fail, _ := rep.Counts(); fail > 0 {
		return exitError{code: ExitFailed, err: fmt.Errorf("certification failed: %d checks failed", fail)}
	}
	return nil
}

func printCertification(w io.Writer, rep *sdktest.Report) {
	p := rep.Plugin
	fmt.Fprintf(w, "plugin %s %s (protocol %d)\n", p.Name, p.Version, p.ProtocolVersion)
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
