package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/state"
)

func newRunsCmd(app *App) *cobra.Command {
	f := &stateFlags{}
	var limit int
	var asJSON bool
	var htmlFile, reportDir string
	cmd := &cobra.Command{Use: "runs", Short: "The runs registry"}
	f.register(cmd, app)
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
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Manifest, runStatusWord(r.Status),
					r.StartedAt.UTC().Format(time.RFC3339), runDuration(r), abbreviate(r.Error, 60))
			}
			return tw.Flush()
		}}
	list.Flags().IntVarP(&limit, "limit", "n", 20, "how many runs")
	show := &cobra.Command{Use: "show RUN_ID", Short: "Show one run: its arguments, outcome and a per-unit table (--json for machines)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, _, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := st.Run(cmd.Context(), args[0])
			if errors.Is(err, state.ErrNotFound) {
				return usagef("run %s not found (dpone runs list shows the runs of this state)", args[0])
			}
			if err != nil {
				return err
			}
			if htmlFile != "" {
				return writeRunHTML(cmd.Context(), app, f, reportDir, r.ID, htmlFile)
			}
			v := newRunView(&r)
			if asJSON {
				enc := json.NewEncoder(app.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			v.render(app.Out)
			return nil
		}}
	show.Flags().BoolVar(&asJSON, "json", false, "print the run as JSON (snake_case keys)")
	show.Flags().StringVar(&htmlFile, "html", "", "write the run as one self-contained HTML page (timeline, throughput, rows, errors) to this file")
	show.Flags().StringVar(&reportDir, "report-dir", "", "where the run's report is (default: runs/ next to the state)")
	cmd.AddCommand(list, show)
	return cmd
}

// runView is a registry entry as runs show prints it.
type runView struct {
	ID         string                 `json:"id"`
	Manifest   string                 `json:"manifest"`
	Status     string                 `json:"status"`
	StartedAt  time.Time              `json:"started_at"`
	FinishedAt *time.Time             `json:"finished_at,omitempty"`
	Args       []string               `json:"args"`
	Error      string                 `json:"error,omitempty"`
	Summary    *evidence.RunSummary   `json:"summary,omitempty"`
	Units      []evidence.UnitSummary `json:"units"`
	duration   string
}

func newRunView(r *state.Run) runView {
	v := runView{ID: r.ID, Manifest: r.Manifest, Status: runStatusWord(r.Status), StartedAt: r.StartedAt,
		Args: r.Args, Error: r.Error, Units: []evidence.UnitSummary{}, duration: runDuration(*r)}
	if !r.FinishedAt.IsZero() {
		v.FinishedAt = &r.FinishedAt
	}
	var s evidence.RunSummary
	if len(r.Summary) > 0 && json.Unmarshal(r.Summary, &s) == nil && s.Units != nil {
		v.Units = s.Units
		s.Units = nil
		v.Summary = &s
	}
	return v
}

// render writes the run's header, the summary table run printed and each
// failed unit's error message.
func (v runView) render(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "run:\t%s\n", v.ID)
	fmt.Fprintf(tw, "manifest:\t%s\n", v.Manifest)
	fmt.Fprintf(tw, "status:\t%s\n", v.Status)
	fmt.Fprintf(tw, "started:\t%s\n", v.StartedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(tw, "duration:\t%s\n", v.duration)
	fmt.Fprintf(tw, "args:\t%s\n", strings.Join(v.Args, " "))
	if v.Error != "" {
		fmt.Fprintf(tw, "error:\t%s\n", v.Error)
	}
	_ = tw.Flush()
	if v.Summary == nil {
		fmt.Fprintln(w, "\n(no per-unit detail: this run finished before dpone recorded it, or has not finished)")
		return
	}
	fmt.Fprintln(w)
	var runErr *evidence.ErrorInfo
	if v.Error != "" {
		runErr = &evidence.ErrorInfo{Message: v.Error}
	}
	evidence.RenderSummary(w, (&evidence.RunSummary{DurationSeconds: v.Summary.DurationSeconds, Units: v.Units}).Report(v.Status, runErr))
	for _, u := range v.Units {
		if u.Error != nil && u.Status != "skipped" {
			fmt.Fprintf(w, "%s: %s: %s\n", u.Unit, u.Error.Code, u.Error.Message)
		}
	}
}

// runStatusWord is the registry status as dpone prints it: "ok" for a
// successful run, as in the report (registries written before one word
// was used say "succeeded").
func runStatusWord(s string) string {
	if s == "succeeded" {
		return string(state.RunSucceeded)
	}
	return s
}

func runDuration(r state.Run) string {
	if r.FinishedAt.IsZero() {
		return "-"
	}
	return r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
}
