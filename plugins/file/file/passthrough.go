package file

import (
	"context"

	"github.com/dpone-go/dpone/sdk"
)

// Native passthrough: a full read of Parquet files whose types are the
// files' own (no columns overrides) can name the files instead of sending
// their rows (sdk.PayloadParquetFiles); a sink that reads Parquet itself
// (DuckDB) then loads them with no Arrow hop through dpone.

var _ sdk.PayloadSource = (*Connector)(nil)

// PayloadFormats lists the native formats ReadPayload emits.
func (*Connector) PayloadFormats() []string { return []string{sdk.PayloadParquetFiles} }

// payloadFormats are the formats a full read of files can emit: parquet
// files only when every file is plain Parquet and no column type is
// overridden.
func payloadFormats(files []fileEntry, opts Options) []string {
	if len(files) == 0 || len(opts.Columns) > 0 {
		return nil
	}
	for _, f := range files {
		if f.format != formatParquet || f.gzip {
			return nil
		}
	}
	return []string{sdk.PayloadParquetFiles}
}

// ReadPayload sends one payload per file: its path, the stream's columns
// and its row count from the footer. Like Read, with the files strategy it
// ends with a checkpoint listing every matched file.
func (*Connector) ReadPayload(ctx context.Context, req sdk.ReadRequest, format string, out sdk.PayloadWriter) error {
	if format != sdk.PayloadParquetFiles {
		return sdk.Errorf(sdk.CodeUnsupported, "file source: payload format %q: only %s", format, sdk.PayloadParquetFiles)
	}
	if req.Mode == sdk.ReadIncremental {
		return sdk.Errorf(sdk.CodeUnsupported, "file source: incremental reads name only new files: read Arrow")
	}
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
	if payloadFormats(files, opts) == nil {
		return sdk.Errorf(sdk.CodeUnsupported, "file source: %s is not plain Parquet with its own types: read Arrow", req.Stream)
	}
	st, err := openStream(ctx, files, opts, req.Columns)
	if err != nil {
		return err
	}
	schema := st.Schema()
	if err := out.Schema(schema); err != nil {
		return err
	}
	cols := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = f.Name
	}
	estimate := st.RowEstimate(files)
	var done int64
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows := st.RowEstimate([]fileEntry{f}) // Parquet footers: exact
		if err := out.WritePayload(sdk.ParquetFiles{Files: []string{f.abs}, Columns: cols}.Encode(), rows); err != nil {
			return err
		}
		done += rows
		if err := out.Progress(done, estimate); err != nil {
			return err
		}
	}
	if opts.IncrementalStrategy != strategyFiles {
		return nil
	}
	cp, err := stateOf(files)
	if err != nil {
		return err
	}
	return out.Checkpoint(cp)
}
