// Package file is the dpone source connector for CSV, JSON Lines and
// Parquet files under a root directory.
//
// A stream is a group of files: by default the files of a directory whose
// base name, without extension and part number, is the stream name
// (orders.csv, orders_001.csv, orders-part-2.csv.gz are stream "orders"),
// or the files matched by options.path (a path, directory or glob relative
// to root). Schemas are inferred from a sample for CSV and JSONL (see
// docs/types/file.md) and read from the footer for Parquet. The
// incremental strategy "files" reads only files that are new or changed
// since the last checkpoint.
package file

import (
	"context"
	"encoding/json"

	"github.com/dpone-go/dpone/sdk"
)

// Version is the connector's version.
const Version = "0.1.0"

// Connector is the file source.
type Connector struct{}

var (
	_ sdk.Source  = (*Connector)(nil)
	_ sdk.Checker = (*Connector)(nil)
)

// New returns the file source connector.
func New() sdk.Connector { return &Connector{} }

// Spec describes the connector.
func (*Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:                  "file",
		Version:               Version,
		Description:           "CSV, JSON Lines and Parquet files under a root directory",
		ConfigSchema:          configSchema,
		SourceOptionsSchema:   sdk.OptionsSchema(Options{}),
		IncrementalStrategies: []string{strategyFiles},
	}
}

// Check verifies that the config is valid and its root is a directory.
func (*Connector) Check(_ context.Context, config json.RawMessage) error {
	cfg, err := parseConfig(config)
	if err != nil {
		return err
	}
	return cfg.checkRoot()
}

// Read reads one stream: every matched file in path order (full), or only
// files new or changed since req.PriorState (incremental, strategy files).
// With the files strategy it ends with a checkpoint listing every matched
// file.
func (*Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return err
	}
	opts, err := parseOptions(req.Options)
	if err != nil {
		return err
	}
	files, err := matchFiles(cfg, opts, req.Namespace, req.Stream)
	if err != nil {
		return err
	}
	track := opts.IncrementalStrategy == strategyFiles || req.Mode == sdk.ReadIncremental
	todo := files
	if req.Mode == sdk.ReadIncremental {
		prior, err := parseState(req.PriorState)
		if err != nil {
			return err
		}
		todo = nil
		for _, f := range files {
			if !prior.loaded(f) {
				todo = append(todo, f)
			}
		}
	}
	st, err := openStream(ctx, files, opts, req.Columns)
	if err != nil {
		return err
	}
	if err := out.Schema(st.Schema()); err != nil {
		return err
	}
	pw := &progressWriter{RecordWriter: out, estimate: st.RowEstimate(todo)}
	if len(todo) > 0 {
		if err := st.Read(ctx, todo, pw); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !track {
		return nil
	}
	cp, err := stateOf(files)
	if err != nil {
		return err
	}
	return out.Checkpoint(cp)
}
