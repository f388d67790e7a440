package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/connector/v1convert"
)

func newDiscoverCmd(app *App) *cobra.Command {
	var (
		config string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "discover NAME [SELECTOR...] --config JSON|@file",
		Short: "List a source's streams: columns, primary key, cursor candidates, row estimates",
		Long: "Discover asks a source connector for its catalog. Selectors are stream names or\n" +
			"glob patterns (e.g. public.*); none means every stream.",
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiscover(cmd.Context(), app, args[0], args[1:], config, asJSON)
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "connector config: inline JSON, @file or @- for stdin")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the catalog as JSON (with logical schemas)")
	return cmd
}

func runDiscover(ctx context.Context, app *App, name string, selectors []string, configFlag string, asJSON bool) error {
	cfg, err := app.configFlag(configFlag)
	if err != nil {
		return err
	}
	c, err := app.launch(ctx, name)
	if err != nil {
		return err
	}
	defer c.Close()
	streams, err := c.Discover(ctx, cfg, selectors)
	if err != nil {
		return connectorErr(err)
	}
	if asJSON {
		b, err := protoJSON(v1convert.WireDiscover(streams), true)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(app.Out, "%s\n", b)
		return err
	}
	if len(streams) == 0 {
		fmt.Fprintln(app.Err, "no streams found")
		return nil
	}
	tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tNAME\tCOLUMNS\tPRIMARY KEY\tCURSOR CANDIDATES\tROWS (EST.)")
	for _, s := range streams {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", dash(s.GetNamespace()), s.GetName(),
			len(s.GetSchema().GetFields()), dash(strings.Join(s.PrimaryKey, ",")),
			dash(strings.Join(s.CursorCandidates, ",")), estimate(s.RowEstimate))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func estimate(n int64) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("~%d", n)
}
