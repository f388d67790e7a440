package cli

import "github.com/spf13/cobra"

// addCommands registers every dpone command on root.
func addCommands(root *cobra.Command, app *App) {
	root.AddCommand(
		// connector commands (issue: protocol/SDK)
		newVersionCmd(app),
		newConnectorsCmd(app),
		newCheckCmd(app),
		newDiscoverCmd(app),
		newReadCmd(app),
		// connector authoring (issue: SDK scaffolding and certification)
		newPluginCmd(app),
		newCertifyCmd(app),
		// run commands (issue: dpone run end to end)
		newRunCmd(app),
		newPlanCmd(app),
		newDagCmd(app),
		newManifestCmd(app),
		newStateCmd(app),
		newBackfillCmd(app),
		newRunsCmd(app),
		// orchestrators (issue: beyond one machine)
		newExportCmd(app),
	)
}
