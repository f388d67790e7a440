package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/state"
)

type backfillStatusOptions struct {
	manifest string
	unit     string
	all      bool
	json     bool
	stateURL string
}

func newBackfillStatusCmd(app *App) *cobra.Command {
	o := &backfillStatusOptions{}
	cmd := &cobra.Command{
		Use:   "status MANIFEST --select UNIT",
		Short: "Show the ledger of a unit's latest backfill (or all of them)",
		Long: `Status prints the unit's latest backfill from dpone's state: its range, chunk
size and status, and per chunk its bounds, status (pending, running, done,
failed), rows, attempts and load id or last error. A chunk shown running
with no backfill holding the unit's lock was interrupted (kill -9): the
same dpone backfill command loads it again. --all lists every backfill of
the unit, newest first; --json prints them as JSON.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.manifest = args[0]
			return runBackfillStatus(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.unit, "select", "s", "", "the unit: <schema>.<table> or id")
	f.BoolVar(&o.all, "all", false, "every backfill of the unit, newest first")
	f.BoolVar(&o.json, "json", false, "print as JSON")
	f.StringVar(&o.stateURL, "state-url", "", "state backend instead of the manifest's: postgres://… or sqlite:PATH (default $DPONE_STATE_URL)")
	return cmd
}

func runBackfillStatus(ctx context.Context, app *App, o *backfillStatusOptions) error {
	if o.unit == "" {
		return usagef("backfill status needs --select UNIT")
	}
	s, err := openSession(ctx, app, o.manifest, []string{o.unit}, nil, o.stateURL)
	if err != nil {
		return err
	}
	defer s.close()
	if len(s.units) != 1 {
		return usagef("--select %s matches %d units: name one", o.unit, len(s.units))
	}
	ledger, ok := s.store.(state.Ledger)
	if !ok {
		return fmt.Errorf("state store %T keeps no backfill ledger", s.store)
	}
	limit := 1
	if o.all {
		limit = 0
	}
	stream := state.StreamKey{Manifest: s.m.Metadata.ID, Unit: s.units[0].ID}
	bs, err := ledger.Backfills(ctx, stream, limit)
	if err != nil {
		return err
	}
	if o.json {
		if bs == nil {
			bs = []state.Backfill{}
		}
		enc := json.NewEncoder(app.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(bs)
	}
	if len(bs) == 0 {
		fmt.Fprintf(app.Out, "no backfill of %s\n", stream)
		return nil
	}
	for i, b := range bs {
		if i > 0 {
			fmt.Fprintln(app.Out)
		}
		writeLedger(app.Out, b)
	}
	return nil
}
