package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
)

// readOptions are the flags of `dpone read`.
type readOptions struct {
	name, stream string
	config       string
	namespace    string
	options      string
	columns      []string
	limit        int
	format       string
}

func newReadCmd(app *App) *cobra.Command {
	var o readOptions
	cmd := &cobra.Command{
		Use:   "read NAME STREAM --config JSON|@file [--limit N] [--format table|jsonl]",
		Short: "Preview the first rows of a source stream",
		Long: "Read starts a full read of STREAM through the connector, prints the first\n" +
			"--limit rows and cancels the read. Nothing is written and no state is kept.",
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name, o.stream = args[0], args[1]
			return runRead(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "connector config: inline JSON, @file or @- for stdin")
	f.StringVar(&o.namespace, "namespace", "", "namespace (schema, dataset) of the stream")
	f.StringVar(&o.options, "options", "", "source options as in the manifest's source.options: JSON or @file")
	f.StringSliceVar(&o.columns, "columns", nil, "columns to read (default: all)")
	f.IntVar(&o.limit, "limit", 20, "rows to show; 0 shows all")
	f.StringVar(&o.format, "format", formatTable, "output format: table or jsonl")
	return cmd
}

func runRead(ctx context.Context, app *App, o readOptions) error {
	if o.limit < 0 {
		return usagef("--limit must be 0 or more")
	}
	p, err := newPreview(app.Out, o.format, o.limit)
	if err != nil {
		return err
	}
	cfg, err := app.configFlag(o.config)
	if err != nil {
		return err
	}
	var opts []byte
	if o.options != "" {
		if opts, err = app.jsonFlag("--options", o.options); err != nil {
			return err
		}
	}
	c, err := app.launch(ctx, o.name)
	if err != nil {
		return err
	}
	defer c.Close()
	rs, err := c.Read(ctx, &catalog.ReadRequest{ConfigJSON: cfg, Namespace: o.namespace, Stream: o.stream,
		Columns: o.columns, Mode: catalog.SourceModeFull, OptionsJSON: opts})
	if err != nil {
		return connectorErr(err)
	}
	defer rs.Close()
	var schema *arrow.Schema
	for !p.full() {
		msg, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return connectorErr(err)
		}
		switch msg.Kind {
		case catalog.MessageSchema:
			if schema, err = v1convert.ArrowSchema(msg.Schema); err != nil {
				return fmt.Errorf("read %s: schema: %w", o.stream, err)
			}
		case catalog.MessageBatch:
			rec, err := v1convert.DecodeBatch(msg.Batch.ArrowIPC)
			if err != nil {
				return fmt.Errorf("read %s: %w", o.stream, err)
			}
			err = p.add(rec)
			rec.Release()
			if err != nil {
				return err
			}
		case catalog.MessageLog:
			fmt.Fprintf(app.Err, "%s: %s\n", o.name, msg.Log.Message)
		}
	}
	stopped := p.full()
	rs.Close() // stop the plugin's read now: the preview has its rows
	if err := p.flush(schema); err != nil {
		return err
	}
	if stopped {
		fmt.Fprintf(app.Err, "(%s shown; stopped at --limit %d)\n", countOf(int(p.rows), "row"), o.limit)
	} else {
		fmt.Fprintf(app.Err, "(%s)\n", countOf(int(p.rows), "row"))
	}
	return nil
}
