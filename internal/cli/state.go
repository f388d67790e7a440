package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/state"
)

// stateFlags choose the state store: a manifest's state block, a file, or
// the rule of statedir.go. Commands print which state they read.
type stateFlags struct {
	app      *App
	manifest string
	path     string
	// create lets the command create a state that does not exist yet
	// (state import); the others refuse it.
	create bool
}

func (f *stateFlags) register(cmd *cobra.Command, app *App) {
	f.app = app
	cmd.PersistentFlags().StringVarP(&f.manifest, "manifest", "m", "", "use this manifest's state (its state block, else its project root's .dpone/state.db)")
	cmd.PersistentFlags().StringVar(&f.path, "state", "", "SQLite state file (default: --state-dir, $"+StateDirEnv+", else .dpone/state.db in the project root: the nearest directory with a dpone.yaml, else the working directory)")
}

func (f *stateFlags) open(ctx context.Context) (state.Store, string, error) {
	st, m, err := f.openManifest(ctx)
	if err != nil || m == nil {
		return st, "", err
	}
	return st, m.Metadata.ID, nil
}

// openManifest opens the store and, with --manifest, the manifest (nil
// without it), and says on stderr which state it opened.
func (f *stateFlags) openManifest(ctx context.Context) (state.Store, *manifest.Manifest, error) {
	if f.manifest != "" {
		opts, closeVault := f.app.credentialOptions()
		opened := false
		defer func() {
			if !opened {
				closeVault()
			}
		}()
		m, err := manifest.Load(f.manifest, opts)
		if err != nil {
			return nil, nil, asUsage(err)
		}
		if err := f.app.applyStateRule(m); err != nil {
			return nil, nil, err
		}
		if err := applyStateURL(m, ""); err != nil {
			return nil, nil, err
		}
		if m.State.Backend != "postgres" && !f.create {
			if err := needStateFile(m.State.Path); err != nil {
				return nil, nil, err
			}
		}
		st, err := openStore(ctx, m)
		if err == nil {
			fmt.Fprintf(f.app.Err, "state: %s\n", stateLabel(m))
			opened = true
			return closingStore{st, closeVault}, m, nil
		}
		return st, m, err
	}
	path := f.path
	if path == "" {
		var err error
		if path, err = f.app.defaultStatePath(); err != nil {
			return nil, nil, err
		}
	}
	if !f.create {
		if err := needStateFile(path); err != nil {
			return nil, nil, err
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("create state directory: %w", err)
	}
	st, err := state.Open(ctx, "sqlite", path)
	if err != nil {
		return nil, nil, fmt.Errorf("open state %s: %w", path, err)
	}
	fmt.Fprintf(f.app.Err, "state: %s\n", path)
	return st, nil, nil
}

// streamKey parses "manifest/unit", or "unit" with the manifest's id.
func streamKey(arg, manifestID string) (state.StreamKey, error) {
	for i := 0; i < len(arg); i++ {
		if arg[i] == '/' {
			return state.StreamKey{Manifest: arg[:i], Unit: arg[i+1:]}, nil
		}
	}
	if manifestID == "" {
		return state.StreamKey{}, usagef("stream %q: write <manifest id>/<unit>, or pass --manifest", arg)
	}
	return state.StreamKey{Manifest: manifestID, Unit: arg}, nil
}

func newStateCmd(app *App) *cobra.Command {
	f := &stateFlags{}
	var yes bool
	var reason string
	cmd := &cobra.Command{Use: "state", Short: "Inspect and change incremental state (checkpoints)"}
	f.register(cmd, app)
	list := &cobra.Command{Use: "list", Short: "List stream checkpoints", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			cps, err := st.Checkpoints(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(app.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "STREAM\tVERSION\tUPDATED\tRUN\tSTATE")
			for _, c := range cps {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", c.Stream, c.Version, c.UpdatedAt.UTC().Format(time.RFC3339), c.RunID, abbreviate(string(c.State), 60))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			pending, err := st.Loads(cmd.Context(), state.LoadFilter{Status: state.LoadPending})
			if err != nil || len(pending) == 0 {
				return err
			}
			fmt.Fprintf(app.Out, "\n%d pending load(s): the next run of each unit resolves its own; `dpone state abandon LOAD_ID --yes` gives one up\n", len(pending))
			return printLoads(app, pending)
		}}
	show := &cobra.Command{Use: "show STREAM", Short: "Show a stream's checkpoint and history", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, mid, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			key, err := streamKey(args[0], mid)
			if err != nil {
				return err
			}
			cp, err := st.Checkpoint(cmd.Context(), key)
			if err != nil && !errors.Is(err, state.ErrNotFound) {
				return fmt.Errorf("checkpoint of %s: %w", key, err)
			}
			pending, perr := st.Loads(cmd.Context(), state.LoadFilter{Status: state.LoadPending, Stream: &key})
			if perr != nil {
				return perr
			}
			if err != nil && len(pending) == 0 {
				return fmt.Errorf("checkpoint of %s: %w (dpone state list shows the streams)", key, err)
			}
			hist, err := st.History(cmd.Context(), key, 20)
			if err != nil {
				return err
			}
			events := make([]map[string]any, 0, len(hist))
			for _, ev := range hist {
				events = append(events, map[string]any{"at": ev.At, "kind": ev.Kind, "version": ev.Version,
					"run_id": ev.RunID, "load_id": ev.LoadID, "reason": ev.Reason,
					"before": json.RawMessage(jsonOr(ev.Before)), "after": json.RawMessage(jsonOr(ev.After))})
			}
			enc := json.NewEncoder(app.Out)
			enc.SetIndent("", "  ")
			loads := make([]map[string]any, 0, len(pending))
			for _, l := range pending {
				loads = append(loads, loadJSON(l))
			}
			return enc.Encode(map[string]any{"stream": key.String(), "version": cp.Version, "updated_at": cp.UpdatedAt,
				"run_id": cp.RunID, "load_id": cp.LoadID, "state": json.RawMessage(jsonOr(cp.State)), "history": events,
				"pending_loads": loads})
		}}
	set := &cobra.Command{Use: "set STREAM JSON", Short: "Set a stream's checkpoint by hand (needs --yes)", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return usagef("state set changes where the next run starts reading: add --yes to confirm")
			}
			if !json.Valid([]byte(args[1])) {
				return usagef("state set: %q is not valid JSON", args[1])
			}
			return changeState(cmd.Context(), app, f, args[0], []byte(args[1]), reason, "set")
		}}
	reset := &cobra.Command{Use: "reset STREAM", Short: "Forget a stream's checkpoint: the next run reads everything (needs --yes)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return usagef("state reset makes the next run read the whole source: add --yes to confirm")
			}
			return changeState(cmd.Context(), app, f, args[0], nil, reason, "reset")
		}}
	for _, c := range []*cobra.Command{set, reset} {
		c.Flags().BoolVar(&yes, "yes", false, "confirm the change")
		c.Flags().StringVar(&reason, "reason", "", "why (recorded in the stream's history)")
	}
	export := &cobra.Command{Use: "export", Short: "Write every checkpoint as JSON to stdout", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			return state.Export(cmd.Context(), st, app.Out)
		}}
	imp := &cobra.Command{Use: "import FILE", Short: "Load checkpoints written by export (needs --yes)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return usagef("state import overwrites checkpoints: add --yes to confirm")
			}
			f.create = true // importing into a new state is how a state moves
			st, _, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := os.Open(args[0])
			if err != nil {
				return asUsage(err)
			}
			defer r.Close()
			return state.Import(cmd.Context(), st, r)
		}}
	imp.Flags().BoolVar(&yes, "yes", false, "confirm the import")
	cmd.AddCommand(list, show, set, reset, export, imp, newStateLoadsCmd(app, f), newStateAbandonCmd(app, f))
	return cmd
}

func changeState(ctx context.Context, app *App, f *stateFlags, arg string, blob []byte, reason, verb string) error {
	st, mid, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	key, err := streamKey(arg, mid)
	if err != nil {
		return err
	}
	if reason == "" {
		reason = "dpone state " + verb + " by " + os.Getenv("USER")
	}
	// The change is a run of its own in the runs registry, so `dpone runs
	// list` shows who moved a stream's state, and when.
	now := time.Now()
	runID := state.NewRunID(now)
	args := []string{"state", verb, key.String()}
	if blob != nil {
		args = append(args, string(blob))
	}
	if err := st.StartRun(ctx, state.Run{ID: runID, Manifest: key.Manifest, StartedAt: now, Args: args}); err != nil {
		return err
	}
	err = st.SetCheckpoint(ctx, key, blob, reason+" (run "+runID+")")
	status, msg := state.RunSucceeded, ""
	if err != nil {
		status, msg = state.RunFailed, err.Error()
	}
	summary, _ := json.Marshal(map[string]string{"state_" + verb: key.String(), "reason": reason})
	if ferr := st.FinishRun(ctx, runID, status, time.Now(), summary, msg); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Out, "%s: state %s (run %s; recorded in its history and the runs registry)\n", key, verb, runID)
	return nil
}

// jsonOr returns b when it is JSON, else b as a JSON string (null when
// empty).
func jsonOr(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	if json.Valid(b) {
		return b
	}
	q, _ := json.Marshal(string(b))
	return q
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
