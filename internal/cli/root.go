// Package cli implements dpone's commands. Each command parses its flags
// into an options struct and calls a function that does the work, so both
// halves are testable; main only wires signals and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/run"
)

// Exit codes (STYLE.md rule 8).
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// IO holds the streams a command uses.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// App is the state shared by commands: streams, version, global flags.
type App struct {
	IO
	Version   string
	PluginDir string
	LogLevel  string
	// LockFile overrides the connector lock file (default: dpone.lock.json
	// next to the manifest).
	LockFile string
	// PluginTimeout bounds each control-plane call to a plugin;
	// CommitTimeout hard-bounds CommitLoad/ApplySchema (0: none).
	PluginTimeout, CommitTimeout time.Duration
	// Args are the arguments Run was given (the runs registry records
	// them).
	Args []string
	// hooks are Options.Hooks (nil in a released dpone).
	hooks run.Hooks
	// StateDir overrides where state lives (--state-dir; see statedir.go).
	StateDir string
}

// usageError marks errors that are the user's input: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns an error that exits with ExitUsage.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// asUsage marks err as a usage/config error (exit 2).
func asUsage(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// exitError carries an explicit exit code (e.g. a run that failed but
// already printed its summary).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// Options are what a caller other than main gives Run: test binaries pass
// fault-injection hooks; a released dpone passes none.
type Options struct {
	// Hooks are called at the load phases of every run (run.Hook).
	Hooks run.Hooks
}

// Run executes dpone with args and returns the process exit code.
func Run(ctx context.Context, args []string, streams IO, version string) int {
	return RunWith(ctx, args, streams, version, Options{})
}

// RunWith is Run with opts.
func RunWith(ctx context.Context, args []string, streams IO, version string, opts Options) int {
	app := &App{IO: streams, Version: version, Args: args, hooks: opts.Hooks}
	root := newRootCmd(app)
	root.SetArgs(args)
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(streams.Err, "error:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(streams.Err, "error:", err)
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return ExitInterrupted
	case isUsage(err):
		return ExitUsage
	}
	return ExitFailed
}

func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:           "dpone",
		Short:         "dpone moves tables between databases fast, safely and with proof",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return asUsage(err) })
	pf := root.PersistentFlags()
	pf.StringVar(&app.PluginDir, "plugin-dir", "", "directory of dpone-connector-* binaries, searched first (then $DPONE_PLUGIN_DIR, the manifest's plugins.dir or dpone.yaml plugin_dir, the dpone binary's directory; never the working directory)")
	pf.StringVar(&app.LockFile, "lock-file", "", "connector lock file to verify plugins against (default: "+connector.LockFileName+" next to the manifest)")
	pf.DurationVar(&app.PluginTimeout, "plugin-timeout", connector.DefaultCallTimeout, "bound on each plugin control-plane call (GetSpec, Check, Discover, DescribeTarget, BeginLoad, LoadStatus, ...); CommitLoad and ApplySchema run while the plugin keeps answering within it")
	pf.DurationVar(&app.CommitTimeout, "commit-timeout", 0, "hard bound on CommitLoad and ApplySchema (0: none; they already fail when the plugin stops answering)")
	pf.StringVar(&app.StateDir, "state-dir", "", "directory of state.db and runs/ for every command (default: $"+StateDirEnv+", else the manifest's state block, else .dpone in the project root: the directory of dpone.yaml or of the manifest)")
	root.PersistentFlags().StringVar(&app.LogLevel, "log-level", "warn", "plugin log level: trace, debug, info, warn, error")
	addCommands(root, app)
	usageArgsAll(root)
	return root
}

// usageArgsAll makes every command's argument-count errors usage errors
// (exit 2).
func usageArgsAll(cmd *cobra.Command) {
	if cmd.Args != nil {
		cmd.Args = usageArgs(cmd.Args)
	}
	for _, c := range cmd.Commands() {
		usageArgsAll(c)
	}
}

// PluginDirs lists where plugin binaries are looked up, in order, for
// commands without a manifest: --plugin-dir, $DPONE_PLUGIN_DIR, the dpone
// binary's directory.
func (a *App) PluginDirs() []string { return a.pluginDirsFor("") }
