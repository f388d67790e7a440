package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newRunsCmd(app *App) *cobra.Command {
	f := &stateFlags{}
	var limit int
	var htmlFile, reportDir string
	cmd := &cobra.Command{Use: "runs", Short: "The runs registry"}
	f.register(cmd)
	list := &cobra.Command{Use: "list", Short: "List recent runs", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			runs, err := st.Runs(cmd.Context(), limit)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(app.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tMANIFEST\tSTATUS\tSTARTED\tDURATION\tERROR")
			for _, r := range runs {
				dur := "-"
				if !r.FinishedAt.IsZero() {
					dur = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Manifest, r.Status,
					r.StartedAt.UTC().Format(time.RFC3339), dur, abbreviate(r.Error, 60))
			}
			return tw.Flush()
		}}
	list.Flags().IntVarP(&limit, "limit", "n", 20, "how many runs")
	show := &cobra.Command{Use: "show RUN_ID", Short: "Show one run and its per-unit summary", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, _, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := st.Run(cmd.Context(), args[0])
			if err != nil {
				return asUsage(fmt.Errorf("run %s: %w (dpone runs list shows recorded runs)", args[0], err))
			}
			if htmlFile != "" {
				return writeRunHTML(cmd.Context(), app, f, reportDir, r.ID, htmlFile)
			}
			enc := json.NewEncoder(app.Out)
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]any{"id": r.ID, "manifest": r.Manifest, "status": r.Status,
				"started_at": r.StartedAt, "finished_at": r.FinishedAt, "args": r.Args, "error": r.Error,
				"summary": json.RawMessage(jsonOr(r.Summary))})
		}}
	show.Flags().StringVar(&htmlFile, "html", "", "write the run as one self-contained HTML page (timeline, throughput, rows, errors) to this file")
	show.Flags().StringVar(&reportDir, "report-dir", "", "where the run's report is (default: runs/ next to the state)")
	cmd.AddCommand(list, show)
	return cmd
}
