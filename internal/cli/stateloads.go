package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/run"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
)

// newStateLoadsCmd is `dpone state loads [--pending]`.
func newStateLoadsCmd(app *App, f *stateFlags) *cobra.Command {
	var pending bool
	var limit int
	cmd := &cobra.Command{Use: "loads", Short: "List loads (newest first): pending, committed and aborted", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			filter := state.LoadFilter{Limit: limit}
			if pending {
				filter.Status = state.LoadPending
			}
			loads, err := st.Loads(cmd.Context(), filter)
			if err != nil {
				return err
			}
			return printLoads(app, loads)
		}}
	cmd.Flags().BoolVar(&pending, "pending", false, "only loads still pending (begun, neither committed nor aborted in state)")
	cmd.Flags().IntVarP(&limit, "limit", "n", 50, "how many loads (0: all)")
	return cmd
}

func printLoads(app *App, loads []state.Load) error {
	tw := tabwriter.NewWriter(app.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LOAD\tSTREAM\tTARGET\tMODE\tSTATUS\tCREATED\tRUN\tREASON")
	for _, l := range loads {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Stream, l.Target, l.Mode, l.Status,
			l.CreatedAt.UTC().Format(time.RFC3339), l.RunID, abbreviate(l.Reason, 60))
	}
	return tw.Flush()
}

// loadJSON is a load as `state show` prints it (never the record's bytes).
func loadJSON(l state.Load) map[string]any {
	out := map[string]any{"load_id": l.ID, "run_id": l.RunID, "target": l.Target, "mode": l.Mode,
		"status": l.Status, "created_at": l.CreatedAt, "checkpoint": json.RawMessage(jsonOr(l.Checkpoint))}
	if rec, err := state.DecodeLoadRecord(l.Begin); err == nil {
		out["sink"], out["connection_id"] = rec.Sink, rec.ConnectionID
	}
	return out
}

// newStateAbandonCmd is `dpone state abandon LOAD_ID --yes`.
func newStateAbandonCmd(app *App, f *stateFlags) *cobra.Command {
	var yes bool
	var reason string
	cmd := &cobra.Command{Use: "abandon LOAD_ID", Short: "Give up a pending load: drop its staging where reachable, mark it aborted (needs --yes)",
		Long: `Abandon gives up a load an earlier run left pending and that the next run
cannot resolve (its sink unreachable, its config changed). With --manifest it
reaches the sink as the manifest and environment configure the load's unit
now and drops the load's staging; a load the target has committed is refused
(the next run records it). The load is marked aborted, and the change is a
run of its own in the runs registry.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return usagef("state abandon marks load %s aborted: add --yes to confirm", args[0])
			}
			ctx := cmd.Context()
			st, m, err := f.openManifest(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			l, err := st.Load(ctx, args[0])
			if err != nil {
				return asUsage(fmt.Errorf("%w (dpone state loads --pending lists pending loads)", err))
			}
			var u *manifest.Unit
			if m != nil && m.Metadata.ID == l.Stream.Manifest {
				unit := strings.TrimSuffix(l.Stream.Unit, schema.QuarantineSuffix)
				for _, x := range m.Units {
					if x.ID == unit {
						u = x
					}
				}
			}
			if reason == "" {
				reason = "abandoned by dpone state abandon (" + os.Getenv("USER") + ")"
			}
			reg, err := app.pluginRegistry()
			if m != nil {
				reg, err = app.manifestRegistry(m)
			}
			if err != nil {
				return err
			}
			now := time.Now()
			runID := state.NewRunID(now)
			if err := st.StartRun(ctx, state.Run{ID: runID, Manifest: l.Stream.Manifest, StartedAt: now,
				Args: []string{"state", "abandon", l.ID}}); err != nil {
				return err
			}
			pool := run.NewPool(reg, app.pluginLaunchOptions())
			res, err := run.Abandon(ctx, st, pool, u, l, runID, reason+" (run "+runID+")")
			pool.Close()
			status, msg := state.RunSucceeded, ""
			if err != nil {
				status, msg = state.RunFailed, err.Error()
			}
			summary, _ := json.Marshal(map[string]any{"state_abandon": l.ID, "stream": l.Stream.String(), "reason": reason,
				"staging_dropped": res.StagingDropped, "warning": res.Warning})
			if ferr := st.FinishRun(ctx, runID, status, time.Now(), summary, msg); ferr != nil && err == nil {
				err = ferr
			}
			if err != nil {
				return err
			}
			if res.Warning != "" {
				fmt.Fprintf(app.Err, "warning: %s\n", res.Warning)
			}
			fmt.Fprintf(app.Out, "load %s of %s: abandoned (staging dropped: %v; run %s, recorded in the runs registry)\n",
				l.ID, l.Stream, res.StagingDropped, runID)
			return nil
		}}
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm")
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded with the load)")
	return cmd
}
