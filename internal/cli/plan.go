package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/host/state"
)

type planOptions struct {
	manifest  string
	selectors []string
	excludes  []string
	json      bool
	// backfill: --from, --to, --chunk plan the chunks of dpone backfill.
	from, to, chunk string
}

func newPlanCmd(app *App) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan MANIFEST",
		Short: "Show what a run would do, before any data moves",
		Long: `Plan prints per unit: source, sink, mode, staging object, the DDL the sink
would run (rendered by the sink, not executed) and the state transition. It
refuses combinations the chosen connectors do not support. --json prints the
resolved units run executes (read and BeginLoad requests, policy, contract;
connection secrets redacted). A unit reading a table an earlier unit creates
is planned from the schema that unit produces ("source created by").

Exit codes: 0 ok, 2 configuration error (keys, values, columns, unsupported
combinations), 1 anything else (a connector or database failed, a schema
change the evolution policy refuses).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.manifest = args[0]
			return runPlan(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringSliceVarP(&o.selectors, "select", "s", nil, "units to plan (default: all)")
	cmd.Flags().StringSliceVar(&o.excludes, "exclude", nil, "units to leave out")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the plan as JSON")
	cmd.Flags().StringVar(&o.from, "from", "", "with --to and --chunk: plan dpone backfill of the selected unit (its chunks)")
	cmd.Flags().StringVar(&o.to, "to", "", "upper bound (exclusive) of the backfill range")
	cmd.Flags().StringVar(&o.chunk, "chunk", "", "backfill chunk size (1d, 6h, 10000)")
	return cmd
}

func runPlan(ctx context.Context, app *App, o *planOptions) error {
	s, err := openSession(ctx, app, o.manifest, o.selectors, o.excludes, "")
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Fprintf(app.Err, "state: %s\n", stateLabel(s.m))
	if err := plan.Check(ctx, s.pool, s.units); err != nil {
		return asUsage(err)
	}
	if o.from != "" || o.to != "" || o.chunk != "" {
		return planBackfill(ctx, app, s, o)
	}
	p, planErr := plan.Build(ctx, plan.Options{Manifest: s.m, Connectors: s.pool, Store: s.store,
		RunID: state.NewRunID(time.Now()), At: time.Now()}, s.units)
	if p == nil {
		return asUsage(planErr)
	}
	if o.json {
		enc := json.NewEncoder(app.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p); err != nil {
			return err
		}
	} else {
		p.WriteText(app.Out)
	}
	if planErr != nil {
		if configError(planErr) {
			return asUsage(planErr)
		}
		return exitError{code: ExitFailed, err: planErr}
	}
	return nil
}

// configError reports whether err is the user's configuration (exit 2)
// rather than a failure of a connector or database (exit 1).
func configError(err error) bool {
	return errors.Is(err, plan.ErrConfig) || errors.Is(err, plan.ErrUnsupported) || errors.Is(err, schema.ErrConfig) || errors.Is(err, connector.ErrConfig) || errors.Is(err, connector.ErrPluginNotFound)
}
