package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/scaffold"
)

type pluginNewOptions struct {
	source      bool
	destination bool
	dir         string
	sdk         string
	module      string
	noTidy      bool
}

func newPluginCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "Write connector plugins",
	}
	cmd.AddCommand(newPluginNewCmd(app))
	return cmd
}

func newPluginNewCmd(app *App) *cobra.Command {
	o := &pluginNewOptions{}
	cmd := &cobra.Command{
		Use:   "new NAME [--source] [--destination] [--dir DIR] [--sdk PATH|VERSION]",
		Short: "Scaffold a connector module that passes certification as generated",
		Long: `New writes a Go module for connector NAME (binary dpone-connector-NAME):
a one-line main, a connector with a small working example (a generated
source stream with a cursor; a destination keeping tables as Arrow files
with staging, receipts and LoadStatus), its config and JSON Schema, a
certification test wired to sdk/sdktest, a certify.yaml fixture, a
Makefile and a README. With neither --source nor --destination it
writes both halves.

--sdk: a path to a dpone source checkout (go.mod requires the SDK
version of this dpone and replaces the sdk and proto modules by relative
paths into the checkout) or a released SDK version (e.g. ` + sdk.Version + `).
By default, when dpone runs from a source checkout, that checkout.
A failing go mod tidy (an SDK version that does not exist) fails the
command; --no-tidy skips it.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPluginNew(cmd.Context(), app, args[0], o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.source, "source", false, "write the source half")
	f.BoolVar(&o.destination, "destination", false, "write the destination half")
	f.StringVar(&o.dir, "dir", "", "directory to create (default ./dpone-connector-NAME)")
	f.StringVar(&o.sdk, "sdk", "", "dpone checkout PATH or SDK VERSION (default: the checkout dpone runs from)")
	f.StringVar(&o.module, "module", "", "Go module path (default example.com/dpone-connector-NAME)")
	f.BoolVar(&o.noTidy, "no-tidy", false, "do not run go mod tidy in the new module")
	return cmd
}

var versionRE = regexp.MustCompile(`^v\d+\.\d+\.\d+([-+].*)?$`)

func runPluginNew(ctx context.Context, app *App, name string, o *pluginNewOptions) error {
	opts := scaffold.Options{Name: name, Module: o.module, Source: o.source, Destination: o.destination}
	switch {
	case versionRE.MatchString(o.sdk):
		opts.SDKVersion = o.sdk
	case o.sdk != "":
		if !isCheckout(o.sdk) {
			return usagef("--sdk %s: not a dpone checkout (no sdk/go.mod and proto/go.mod) and not a version like %s", o.sdk, sdk.Version)
		}
		opts.Replace = o.sdk
	default:
		root, ok := findCheckout()
		if !ok {
			return usagef("dpone does not run from a source checkout: pass --sdk PATH (a dpone checkout) or --sdk VERSION")
		}
		opts.Replace = root
	}
	dir := o.dir
	if dir == "" {
		dir = "dpone-connector-" + name
	}
	files, err := scaffold.Generate(dir, opts)
	if err != nil {
		return asUsage(err)
	}
	if opts.Replace != "" {
		if err := scaffold.SeedGoSum(dir, opts.Replace); err != nil {
			return err
		}
	}
	fmt.Fprintf(app.Out, "created %s:\n", dir)
	for _, f := range files {
		fmt.Fprintf(app.Out, "  %s\n", f)
	}
	if opts.Replace != "" {
		fmt.Fprintf(app.Out, "sdk: %s, replaced by the checkout at %s (relative replace in go.mod)\n", sdk.Version, opts.Replace)
	} else {
		fmt.Fprintf(app.Out, "sdk: %s\n", opts.SDKVersion)
	}
	if !o.noTidy {
		if err := goModTidy(ctx, dir); err != nil {
			return exitError{code: ExitFailed, err: fmt.Errorf("go mod tidy in %s: %w\n"+
				"the new module does not build: check that SDK %s exists (this dpone's SDK is %s), or pass --sdk PATH (a dpone checkout); then run go mod tidy in %s",
				dir, err, opts.SDKVersion, sdk.Version, dir)}
		}
	}
	fmt.Fprintf(app.Out, "\nnext:\n  cd %s\n  make test      # certification, in process\n  make certify   # certification of the built binary\n", dir)
	return nil
}

// goModTidy resolves the new module's dependencies outside any workspace.
func goModTidy(ctx context.Context, dir string) error {
	cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(out.String()))
	}
	return nil
}

// isCheckout reports whether dir is the root of a dpone source checkout.
func isCheckout(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "sdk", "go.mod"))
	if err != nil || !bytes.Contains(b, []byte("module github.com/dpone-go/dpone/sdk\n")) {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "proto", "go.mod"))
	return err == nil
}

// findCheckout finds the dpone source checkout dpone runs from: above the
// dpone binary (bin/dpone), above the working directory, or where this
// file was compiled.
func findCheckout() (string, bool) {
	var starts []string
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		starts = append(starts, filepath.Dir(exe))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, s := range starts {
		for d := s; ; d = filepath.Dir(d) {
			if isCheckout(d) {
				abs, err := filepath.Abs(d)
				return abs, err == nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", false
}
