package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/zeebo/xxh3"

	"github.com/dpone-go/dpone/sdk"
)

// Native passthrough: a file source's Parquet files (sdk.PayloadParquetFiles)
// are streamed as they are to the server's HTTP interface, one INSERT …
// FORMAT Parquet per file, and the server decodes them itself: neither the
// file plugin, the host nor this plugin decodes a value. The native
// protocol cannot carry an input format, hence the connection's http_url
// (httpinsert.go).

var _ sdk.PayloadDestination = (*Connector)(nil)

// AcceptedPayloadFormats lists the native formats WritePayload takes.
func (c *Connector) AcceptedPayloadFormats() []string { return []string{sdk.PayloadParquetFiles} }

// AcceptPayload takes Parquet files when the connection names the
// server's HTTP interface (http_url) and every column of the load is
// staged in the type the Arrow path gives it and has a type ClickHouse's
// Parquet reader stores exactly as the Arrow path does (parquetExact).
// Anything else goes through Arrow, with the reason.
func (c *Connector) AcceptPayload(ctx context.Context, req sdk.LoadRequest, format string) (string, error) {
	if format != sdk.PayloadParquetFiles {
		return "the clickhouse sink takes only " + sdk.PayloadParquetFiles, nil
	}
	cfg, _, err := decodeConfig(req.Config)
	if err != nil {
		return "", err
	}
	if cfg.HTTPURL == "" {
		return "set http_url (the server's HTTP interface, e.g. http://host:8123) to let ClickHouse read Parquet itself", nil
	}
	if req.Schema == nil || req.Schema.NumFields() == 0 {
		return "the load has no schema", nil
	}
	l, err := c.prepare(ctx, req)
	if err != nil {
		return "", err
	}
	st, err := l.stagingTable(ctx)
	if err != nil {
		return "", err
	}
	for _, f := range req.Schema.Fields() {
		col := st.column(f.Name)
		if col == nil {
			return fmt.Sprintf("column %s is not in staging", f.Name), nil
		}
		if why := parquetExact(f, col.typ); why != "" {
			return fmt.Sprintf("column %s: %s", f.Name, why), nil
		}
	}
	return "", nil
}

// parquetExact says why ClickHouse's Parquet reader might store f's values
// in the staging column of type staged otherwise than the Arrow path, or
// "" when it stores them exactly: numbers, booleans, strings (uuid and
// json text included: staging's UUID or String parses them alike),
// binaries, Date32, decimals up to 38 digits and timestamps in
// milliseconds to nanoseconds, into the very type chType gives them.
func parquetExact(f arrow.Field, staged string) string {
	want, _, err := chType(f)
	if err != nil {
		return err.Error()
	}
	if got := bareType(staged); got != want {
		return fmt.Sprintf("staging column is %s, not %s (the Arrow path converts)", staged, want)
	}
	switch t := f.Type.(type) {
	case *arrow.BooleanType, *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type,
		*arrow.Float32Type, *arrow.Float64Type, *arrow.StringType, *arrow.LargeStringType,
		*arrow.BinaryType, *arrow.LargeBinaryType, *arrow.Date32Type:
		return ""
	case *arrow.Decimal128Type:
		if !strings.HasPrefix(want, "Decimal(") {
			return "a decimal stored as text is written through Arrow"
		}
		return ""
	case *arrow.TimestampType:
		if t.Unit == arrow.Second {
			return "second timestamps (milliseconds in Parquet) are written through Arrow"
		}
		return ""
	}
	return f.Type.String() + " is written through Arrow"
}

// bareType is a ClickHouse type without LowCardinality and Nullable.
func bareType(t string) string {
	for _, w := range []string{"LowCardinality(", "Nullable("} {
		if in, ok := strings.CutPrefix(t, w); ok {
			t = strings.TrimSuffix(in, ")")
		}
	}
	return t
}

// stagingTable is the load's staging table, a NOT_FOUND error when it is
// missing or belongs to another load.
func (l *load) stagingTable(ctx context.Context) (*tableInfo, error) {
	st, err := l.srv.table(ctx, l.db, l.staging)
	if err != nil {
		return nil, err
	}
	if st == nil || st.comment != loadMarker+l.req.LoadID {
		return nil, sdk.Errorf(sdk.CodeNotFound, "load %s: staging %s.%s does not exist (BeginLoad first, or the load was committed or aborted)", l.req.LoadID, l.db, l.staging)
	}
	return st, nil
}

// WritePayload inserts every payload's files into the load's staging
// table, each file with one INSERT … FORMAT Parquet over HTTP (the file's
// bytes streamed, not buffered), lineage columns as constants. Each
// insert carries a deduplication token from the load id, the file's
// number in this Write and its path, so a retried insert or a re-sent
// Write stores a file once. The rows the server wrote must be the rows
// the source counted.
func (c *Connector) WritePayload(ctx context.Context, req sdk.LoadRequest, format string, in sdk.PayloadReader) (sdk.WriteResult, error) {
	if format != sdk.PayloadParquetFiles {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeUnsupported, "clickhouse sink: payload format %q: only %s", format, sdk.PayloadParquetFiles)
	}
	cfg, opts, err := decodeConfig(req.Config)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	if cfg.HTTPURL == "" {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeConfig, "load %s: %s payloads need the connection's http_url (the server's HTTP interface, e.g. http://host:8123)", req.LoadID, format)
	}
	l, err := c.prepare(ctx, req)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	st, err := l.stagingTable(ctx)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	h, err := newHTTPInserter(cfg.HTTPURL, opts)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	defer h.close()
	var res sdk.WriteResult
	file := 0
	for {
		data, rows, err := in.Next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		p, err := sdk.DecodeParquetFiles(data)
		if err != nil {
			return res, err
		}
		q, err := l.parquetInsert(st, p.Columns)
		if err != nil {
			return res, err
		}
		var wrote int64
		for _, path := range p.Files {
			token := fmt.Sprintf("%s:parquet:%d:%016x", l.req.LoadID, file, xxh3.HashString(path))
			file++
			n, size, err := h.insert(ctx, l.srv, q, token, path)
			if err != nil {
				return res, sdk.Errorf(sdk.CodeOf(err), "load %s into staging %s.%s: %w", path, l.db, l.staging, err)
			}
			wrote += n
			res.Bytes += size
		}
		if wrote != rows {
			return res, sdk.Errorf(sdk.CodeData, "load %s into staging %s.%s: the server wrote %d rows, the source counted %d",
				strings.Join(p.Files, ", "), l.db, l.staging, wrote, rows)
		}
		res.Rows += wrote
	}
}

// parquetInsert is the INSERT of one Parquet file into staging: the
// payload's columns read by name in their staging types (input()), and
// the lineage columns as constants, as the Arrow path stores them.
func (l *load) parquetInsert(st *tableInfo, cols []string) (string, error) {
	structure := make([]string, len(cols))
	for i, n := range cols {
		if l.req.Schema != nil && len(l.req.Schema.FieldIndices(n)) == 0 {
			return "", sdk.Errorf(sdk.CodeSchema, "load %s: payload column %q is not in the load's schema", l.req.LoadID, n)
		}
		c := st.column(n)
		if c == nil {
			return "", sdk.Errorf(sdk.CodeSchema, "load %s: column %q is not in staging %s.%s (the target lacks it: evolve the target's schema first)", l.req.LoadID, n, l.db, l.staging)
		}
		structure[i] = quote(n) + " " + c.typ
	}
	targets, values := cols, "*"
	if lg := l.lineage(); lg != nil {
		targets = append(append([]string(nil), cols...), lg.RunIDColumn, lg.LoadedAtColumn)
		values = fmt.Sprintf("*, %s, fromUnixTimestamp64Micro(%d, 'UTC')", literal(lg.RunID), l.loadedAt.UnixMicro())
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM input(%s) FORMAT Parquet",
		qualified(l.db, l.staging), columnList(targets), values, literal(strings.Join(structure, ", "))), nil
}
