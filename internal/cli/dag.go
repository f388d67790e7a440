package cli

import (
	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/manifest"
)

func newDagCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{Use: "dag", Short: "Inspect the manifest's dependency graph"}
	var format string
	var asJSON bool
	show := &cobra.Command{
		Use:   "show MANIFEST",
		Short: "Print the DAG of load units as text, mermaid, dot, json or html",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				format = "json"
			}
			m, err := manifest.Load(args[0], manifest.Options{WithoutCredentials: true})
			if err != nil {
				return asUsage(err)
			}
			out, err := m.Graph().Render(format)
			if err != nil {
				return asUsage(err)
			}
			_, err = app.Out.Write([]byte(out))
			return err
		},
	}
	show.Flags().StringVar(&format, "format", "text", "text, mermaid, dot, json or html")
	show.Flags().BoolVar(&asJSON, "json", false, "same as --format json")
	cmd.AddCommand(show)
	return cmd
}
