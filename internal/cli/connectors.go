package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/connector/v1convert"
)

// pluginRegistry is the connector registry over the app's plugin
// directories, verified against --lock-file when given (commands that take
// a manifest use manifestRegistry instead).
func (a *App) pluginRegistry() (*connector.Registry, error) {
	reg := connector.NewRegistry(a.PluginDirs(), nil)
	if a.LockFile != "" {
		lf, err := a.readLock(a.LockFile)
		if err != nil {
			return nil, err
		}
		reg.SetLock(lf)
	}
	return reg, nil
}

// launch starts connector name; close the client when done.
func (a *App) launch(ctx context.Context, name string) (*connector.Client, error) {
	reg, err := a.pluginRegistry()
	if err != nil {
		return nil, err
	}
	c, err := reg.Launch(ctx, name, a.pluginLaunchOptions())
	return c, connectorErr(err)
}

// connectorErr maps connector errors to exit codes: a bad config or an
// unknown connector name is the user's input (exit 2); everything else is
// a failure (exit 1).
func connectorErr(err error) error {
	if err == nil || isUsage(err) {
		return err
	}
	if errors.Is(err, connector.ErrConfig) || errors.Is(err, connector.ErrPluginNotFound) ||
		errors.Is(err, connector.ErrPluginNotExecutable) || errors.Is(err, connector.ErrChecksum) ||
		errors.Is(err, connector.ErrNotAPlugin) {
		return asUsage(err)
	}
	return err
}

// usageArgs makes an argument-count error a usage error (exit 2).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		return asUsage(check(cmd, args))
	}
}

// configFlag reads --config: inline JSON, @file, or @- for stdin. Empty
// means {}.
func (a *App) configFlag(v string) ([]byte, error) {
	return a.jsonFlag("--config", v)
}

func (a *App) jsonFlag(flag, v string) ([]byte, error) {
	var b []byte
	switch {
	case v == "":
		return []byte("{}"), nil
	case v == "@-":
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(a.In); err != nil {
			return nil, fmt.Errorf("read %s from stdin: %w", flag, err)
		}
		b = buf.Bytes()
	case strings.HasPrefix(v, "@"):
		var err error
		if b, err = os.ReadFile(v[1:]); err != nil {
			return nil, usagef("%s: %w", flag, err)
		}
	default:
		b = []byte(v)
	}
	if !json.Valid(b) {
		return nil, usagef("%s is not valid JSON (give inline JSON or @file)", flag)
	}
	return bytes.TrimSpace(b), nil
}

func newConnectorsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connectors",
		Short: "List and inspect installed connector plugins",
	}
	cmd.AddCommand(newConnectorsListCmd(app), newConnectorsInfoCmd(app), newConnectorsLockCmd(app))
	return cmd
}

func newConnectorsListCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List installed connectors: name, version, protocol, capabilities, path",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConnectorsList(cmd.Context(), app, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// listEntry is one connector in `dpone connectors list --json`.
type listEntry struct {
	Name            string          `json:"name"`
	Version         string          `json:"version,omitempty"`
	ProtocolVersion int32           `json:"protocol_version,omitempty"`
	Capabilities    json.RawMessage `json:"capabilities,omitempty"`
	Path            string          `json:"path"`
	SHA256          string          `json:"sha256,omitempty"`
	Error           string          `json:"error,omitempty"`
}

func runConnectorsList(ctx context.Context, app *App, asJSON bool) error {
	reg, err := app.pluginRegistry()
	if err != nil {
		return err
	}
	installed, err := reg.List(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		entries := []listEntry{}
		for _, in := range installed {
			e := listEntry{Name: in.Name, Path: in.Path, SHA256: in.SHA256}
			if in.Err != nil {
				e.Error = in.Err.Error()
			} else {
				e.Version, e.ProtocolVersion = in.Spec.Version, in.Spec.ProtocolVersion
				e.Capabilities, _ = protoJSON(v1convert.WireCapabilities(in.Spec.Capabilities), false)
			}
			entries = append(entries, e)
		}
		enc := json.NewEncoder(app.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	if len(installed) == 0 {
		fmt.Fprintf(app.Err, "no connectors found in %s: run `make build` or set --plugin-dir\n", strings.Join(reg.Dirs(), ", "))
		return nil
	}
	tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tPROTOCOL\tCAPABILITIES\tPATH")
	for _, in := range installed {
		if in.Err != nil {
			fmt.Fprintf(tw, "%s\t-\t-\terror: %v\t%s\n", in.Name, in.Err, in.Path)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\tv%d\t%s\t%s\n", in.Name, in.Spec.Version, in.Spec.ProtocolVersion,
			capabilitySummary(in.Spec.Capabilities), in.Path)
	}
	return tw.Flush()
}

// capabilitySummary is a one-line view of what a connector can do:
// "source(full,incremental:column) sink(full_refresh,incremental_merge) +check".
func capabilitySummary(c catalog.Capabilities) string {
	var parts []string
	if c.Source {
		var modes []string
		for _, m := range c.SourceModes {
			modes = append(modes, m.String())
		}
		if s := c.IncrementalStrategies; len(s) > 0 {
			modes = append(modes, "strategies:"+strings.Join(s, "|"))
		}
		parts = append(parts, "source("+strings.Join(modes, ",")+")")
	}
	if c.Destination {
		parts = append(parts, "sink("+strings.Join(c.SinkModes, ",")+")")
	}
	for _, f := range []struct {
		on   bool
		name string
	}{
		{c.Check, "check"}, {c.ParallelPartitions, "partitions"},
		{c.DescribeTarget, "describe"}, {c.ApplySchema, "ddl"},
		{c.LoadStatus, "load_status"}, {c.AtomicReceipts, "receipts"},
		{c.Transactions, "tx"},
	} {
		if f.on {
			parts = append(parts, "+"+f.name)
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func newConnectorsInfoCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info NAME",
		Short: "Show a connector's spec, capabilities, config JSON Schema, source options and sink modes with their keys",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConnectorsInfo(cmd.Context(), app, args[0], asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the spec as JSON")
	return cmd
}

func runConnectorsInfo(ctx context.Context, app *App, name string, asJSON bool) error {
	c, err := app.launch(ctx, name)
	if err != nil {
		return err
	}
	defer c.Close()
	spec, err := c.Spec(ctx)
	if err != nil {
		return connectorErr(err)
	}
	if asJSON {
		b, err := protoJSON(v1convert.WireSpec(spec), true)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(app.Out, "%s\n", b)
		return err
	}
	caps := spec.Capabilities
	w := app.Out
	fmt.Fprintf(w, "name:         %s\n", spec.Name)
	fmt.Fprintf(w, "version:      %s\n", spec.Version)
	fmt.Fprintf(w, "protocol:     v%d\n", spec.ProtocolVersion)
	fmt.Fprintf(w, "path:         %s\n", c.Path())
	if d := spec.Description; d != "" {
		fmt.Fprintf(w, "description:  %s\n", d)
	}
	fmt.Fprintf(w, "capabilities: %s\n", capabilitySummary(caps))
	if ops := caps.SchemaOps; len(ops) > 0 {
		fmt.Fprintf(w, "schema ops:   %s\n", strings.Join(ops, ", "))
	}
	fmt.Fprintln(w, "config schema:")
	schema := spec.ConfigSchemaJSON
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(schema), "  ", "  "); err == nil {
		schema = pretty.String()
	}
	if _, err = fmt.Fprintf(w, "  %s\n", schema); err != nil {
		return err
	}
	renderOptions(w, spec)
	return nil
}

// protoJSON renders a protocol message as JSON with the .proto field names.
func protoJSON(m proto.Message, indent bool) ([]byte, error) {
	opts := protojson.MarshalOptions{UseProtoNames: true}
	if indent {
		opts.Multiline, opts.Indent = true, "  "
	}
	return opts.Marshal(m)
}
