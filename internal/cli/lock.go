package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/manifest"
)

func newConnectorsLockCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lock [MANIFEST]",
		Short: "Pin connector binaries by sha256 in a lock file that run, plan and certify verify",
		Long: `Lock writes name -> version -> sha256 of connector binaries to a lock file
(like Terraform's .terraform.lock.hcl); commit it with the manifest.

With MANIFEST, it locks the connectors the manifest uses, found where run
finds them, into dpone.lock.json next to the manifest (or the manifest's
plugins.lock_file, dpone.yaml's lock_file, --lock-file). Without, it locks
every installed connector into ./dpone.lock.json (or --lock-file).

run and plan then refuse a binary whose sha256 differs from its pin, or a
connector the lock does not name; certify refuses a pinned name whose
binary differs. Run lock again after installing a connector you trust.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			return runConnectorsLock(cmd.Context(), app, path)
		},
	}
	return cmd
}

func runConnectorsLock(ctx context.Context, app *App, manifestPath string) error {
	reg := connector.NewRegistry(app.PluginDirs(), nil)
	lockPath := app.LockFile
	var names []string
	if manifestPath != "" {
		m, err := manifest.Load(manifestPath, manifest.Options{})
		if err != nil {
			return asUsage(err)
		}
		p, err := app.readProject(m)
		if err != nil {
			return err
		}
		reg = connector.NewRegistry(app.pluginDirsFor(p.pluginDir), nil)
		lockPath = p.lockFile
		seen := map[string]bool{}
		for _, u := range m.Units {
			for _, t := range []string{u.Source.Type, u.Sink.Type} {
				if t != "" && !seen[t] {
					seen[t] = true
					names = append(names, t)
				}
			}
		}
		sort.Strings(names)
	} else {
		installed, err := reg.List(ctx)
		if err != nil {
			return err
		}
		for _, in := range installed {
			names = append(names, in.Name)
		}
	}
	if lockPath == "" {
		lockPath = connector.LockFileName
	}
	if len(names) == 0 {
		return usagef("no connectors to lock in %v: run `make build` or set --plugin-dir", reg.Dirs())
	}
	lf := &connector.LockFile{Path: lockPath, Connectors: map[string]connector.LockEntry{}}
	for _, name := range names {
		c, err := reg.Launch(ctx, name, app.pluginLaunchOptions())
		if err != nil {
			return fmt.Errorf("lock connector %s: %w", name, connectorErr(err))
		}
		spec, err := c.Spec(ctx)
		c.Close()
		if err != nil {
			return fmt.Errorf("lock connector %s: %w", name, err)
		}
		lf.Connectors[name] = connector.LockEntry{Version: spec.GetVersion(), Protocol: spec.GetProtocolVersion(), SHA256: c.SHA256()}
		fmt.Fprintf(app.Out, "%-10s %-10s sha256:%s  %s\n", name, spec.GetVersion(), c.SHA256(), c.Path())
	}
	if err := lf.Write(); err != nil {
		return err
	}
	abs, _ := filepath.Abs(lockPath)
	fmt.Fprintf(app.Out, "wrote %s (%d connectors): commit it; run, plan and certify verify it\n", abs, len(names))
	return nil
}
