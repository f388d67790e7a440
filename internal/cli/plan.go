package cli

import (
	"context"
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/plan"
)

type planOptions struct {
	manifest  string
	selectors []string
	excludes  []string
	json      bool
}

func newPlanCmd(app *App) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan MANIFEST",
		Short: "Show what a run would do, before any data moves",
		Long: `Plan prints per unit: source, sink, mode, staging object, the DDL the sink
would run (rendered by the sink, not executed) and the state transition. It
refuses combinations the chosen connectors do not support.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.manifest = args[0]
			return runPlan(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringSliceVarP(&o.selectors, "select", "s", nil, "units to plan (default: all)")
	cmd.Flags().StringSliceVar(&o.excludes, "exclude", nil, "units to leave out")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the plan as JSON")
	return cmd
}

func runPlan(ctx context.Context, app *App, o *planOptions) error {
	s, err := openSession(ctx, app, o.manifest, o.selectors, o.excludes)
	if err != nil {
		return err
	}
	defer s.close()
	p, planErr := plan.Build(ctx, s.m, s.units, s.pool, s.store)
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
		return asUsage(planErr)
	}
	return nil
}
