package cli

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/run"
)

func newManifestCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "manifest", Short: "Validate, render and explain manifests"}
	cmd.AddCommand(
		newManifestValidateCmd(app),
		newManifestRenderCmd(app),
		newManifestExplainCmd(app),
	)
	return cmd
}

// renderedUnit is a unit as `manifest render` prints it: fully layered and
// templated, with credentials redacted.
type renderedUnit struct {
	ID          string         `json:"id"`
	ProcessName string         `json:"process_name"`
	DependsOn   []string       `json:"depends_on,omitempty"`
	Source      renderedEnd    `json:"source"`
	Sink        renderedEnd    `json:"sink"`
	Contract    map[string]any `json:"schema_contract,omitempty"`
}

type renderedEnd struct {
	Type         string         `json:"type"`
	ConnectionID string         `json:"connection_id,omitempty"`
	Config       map[string]any `json:"config,omitempty"`
	Table        string         `json:"table"`
	Options      map[string]any `json:"options,omitempty"`
	Mode         string         `json:"mode,omitempty"`
	UniqueKey    []string       `json:"unique_key,omitempty"`
}

func renderEnd(e manifest.Endpoint) renderedEnd {
	return renderedEnd{Type: e.Type, ConnectionID: e.ConnectionID, Config: e.RedactedConfig(),
		Table: e.Table.String(), Options: e.Options, Mode: e.Strategy.Mode, UniqueKey: e.Strategy.UniqueKey}
}

func newManifestRenderCmd(app *App) *cobra.Command {
	var selectors []string
	cmd := &cobra.Command{
		Use:   "render MANIFEST",
		Short: "Print every unit after layering and templating (secrets redacted)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := manifest.Load(args[0], offlineLoad)
			if err != nil {
				return asUsage(err)
			}
			units, err := m.Select(selectors, nil)
			if err != nil {
				return asUsage(err)
			}
			out := make([]renderedUnit, 0, len(units))
			for _, u := range units {
				out = append(out, renderedUnit{ID: u.ID, ProcessName: u.ProcessName, DependsOn: u.Needs,
					Source: renderEnd(u.Source), Sink: renderEnd(u.Sink), Contract: u.SchemaContract})
			}
			enc := json.NewEncoder(app.Out)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
	cmd.Flags().StringSliceVarP(&selectors, "select", "s", nil, "units to render (default: all)")
	return cmd
}

func newManifestExplainCmd(app *App) *cobra.Command {
	var why string
	cmd := &cobra.Command{
		Use:   "explain MANIFEST --why SELECTOR FIELD",
		Short: "Say which layer set a unit's field, e.g. --why public.orders sink.strategy.mode",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if why == "" || len(args) != 2 {
				return usagef("usage: dpone manifest explain MANIFEST --why SELECTOR FIELD (or --why SELECTOR FIELD MANIFEST)")
			}
			args = manifestFirst(args)
			m, err := manifest.Load(args[0], offlineLoad)
			if err != nil {
				return asUsage(err)
			}
			units, err := m.Select([]string{why}, nil)
			if err != nil {
				return asUsage(err)
			}
			for _, u := range units {
				v, layer, err := u.Explain(args[1])
				if err != nil {
					return asUsage(err)
				}
				b, _ := json.Marshal(v)
				fmt.Fprintf(app.Out, "%s %s = %s  (set by %s)\n", u.ID, args[1], b, layer)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&why, "why", "", "the unit selector whose field to explain")
	return cmd
}

func newManifestValidateCmd(app *App) *cobra.Command {
	var offline bool
	cmd := &cobra.Command{
		Use:   "validate MANIFEST",
		Short: "Parse, layer and validate a manifest, as plan and run do, before any I/O",
		Long: `Validate parses and layers the manifest and runs the validation plan and run
run before any I/O: option keys (with did-you-mean) and value types, merge
keys, the connectors' declared capabilities, each connection config against
its connector's config schema and source options against its options
schema. Connectors are started only to ask their spec (no connection is
opened); a connector that is not installed is noted and its checks left
out; --offline starts none.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := manifest.Load(args[0], offlineLoad)
			if err != nil {
				return asUsage(err)
			}
			var conns plan.Connectors
			if !offline {
				reg, err := app.manifestRegistry(m)
				if err != nil {
					return err
				}
				pool := run.NewPool(reg, app.pluginLaunchOptions())
				defer pool.Close()
				conns = pool
			}
			noteMissingCredentials(app, m)
			skipped := func(name string, err error) {
				fmt.Fprintf(app.Err, "note: %v\n  (units using connector %s were validated without its spec: install it, or pass --plugin-dir, to check their options and config)\n", err, name)
			}
			if err := plan.CheckAvailable(cmd.Context(), conns, m.Units, skipped); err != nil {
				return asUsage(err)
			}
			fmt.Fprintf(app.Out, "%s: ok (%s, %s)\n", args[0], m.Metadata.ID, countOf(len(m.Units), "unit"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&offline, "offline", false, "do not start connectors (skips capability and config schema checks)")
	return cmd
}

// offlineLoad loads a manifest for the commands that open no connection
// (validate, render, explain): missing credentials are not errors there;
// plan, check and run, which connect, ask for them.
var offlineLoad = manifest.Options{WithoutCredentials: true}

// manifestFirst puts the manifest first in explain's two arguments: with
// --why SELECTOR before them, "FIELD MANIFEST" is the order a reader
// writes too. The manifest is the argument naming an existing file.
func manifestFirst(args []string) []string {
	if !isFile(args[0]) && isFile(args[1]) {
		return []string{args[1], args[0]}
	}
	return args
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// noteMissingCredentials says, once per connection, which credentials the
// manifest's units lack: validate checks everything else.
func noteMissingCredentials(app *App, m *manifest.Manifest) {
	seen := map[string]bool{}
	for _, u := range m.Units {
		for _, e := range []manifest.Endpoint{u.Source, u.Sink} {
			if e.CredentialsMissing != "" && !seen[e.CredentialsMissing] {
				seen[e.CredentialsMissing] = true
				fmt.Fprintf(app.Err, "note: %s (not needed to validate; checked by plan, check and run)\n", e.CredentialsMissing)
			}
		}
	}
}
