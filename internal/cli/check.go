package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newCheckCmd(app *App) *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "check NAME --config JSON|@file",
		Short: "Check a connector config: credentials, reachability, permissions",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd.Context(), app, args[0], config)
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "connector config: inline JSON, @file or @- for stdin")
	return cmd
}

func runCheck(ctx context.Context, app *App, name, configFlag string) error {
	cfg, err := app.configFlag(configFlag)
	if err != nil {
		return err
	}
	c, err := app.launch(ctx, name)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Check(ctx, cfg); err != nil {
		return connectorErr(err)
	}
	_, err = fmt.Fprintf(app.Out, "ok: %s config checked\n", name)
	return err
}
