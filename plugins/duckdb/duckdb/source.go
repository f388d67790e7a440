package duckdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// Discover lists user tables (not dpone's own staging and receipt tables)
// with their schema, primary key and row estimate. A selector entry
// matches "schema.table" or "table" as a glob, or names a whole schema;
// no selector means every table.
func (c *Connector) Discover(ctx context.Context, raw json.RawMessage, selector []string) ([]sdk.Stream, error) {
	d, err := c.openConfig(ctx, raw, false)
	if err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT schema_name, table_name, coalesce(estimated_size, 0) FROM duckdb_tables()
		WHERE database_name = current_database() AND NOT internal AND NOT temporary
		  AND NOT starts_with(table_name, '_dpone_') ORDER BY schema_name, table_name`)
	if err != nil {
		return nil, classify(fmt.Errorf("list tables: %w", err))
	}
	type tbl struct {
		schema, name string
		rows         int64
	}
	var tables []tbl
	for rows.Next() {
		var t tbl
		if err := rows.Scan(&t.schema, &t.name, &t.rows); err != nil {
			rows.Close()
			return nil, classify(fmt.Errorf("list tables: %w", err))
		}
		if sdk.Selected(selector, t.schema, t.name) {
			tables = append(tables, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("list tables: %w", err))
	}
	streams := make([]sdk.Stream, 0, len(tables))
	for _, t := range tables {
		schema, pk, _, err := describe(ctx, d.db, t.schema, t.name)
		if err != nil {
			return nil, err
		}
		streams = append(streams, sdk.Stream{Name: t.name, Namespace: t.schema, Schema: schema, PrimaryKey: pk,
			CursorCandidates: sdk.CursorCandidates(schema), RowEstimate: t.rows})
	}
	return streams, nil
}

// sourceOptions are the keys ReadRequest.Options may hold.
type sourceOptions struct {
	Query               string `json:"query"`
	IncrementalStrategy string `json:"incremental_strategy"`
	// CursorOptions are the column strategy's keys (incremental_column,
	// incremental_key, null_policy, lookback, initial_value, safety_lag,
	// tie_cap), shared by every source through the SDK.
	sdk.CursorOptions
	// Parallel and BatchBytes may appear for any source; the host uses them.
	Parallel   json.RawMessage `json:"parallel"`
	BatchBytes json.RawMessage `json:"batch_bytes"`
}

func decodeSourceOptions(raw json.RawMessage) (sourceOptions, error) {
	var o sourceOptions
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		return o, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, sdk.Errorf(sdk.CodeConfig, "duckdb source options: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	switch o.IncrementalStrategy {
	case "":
		if o.IncrementalColumn != "" || len(o.IncrementalKey) > 0 || o.NullPolicy != "" || present(o.Lookback) || present(o.InitialValue) ||
			present(o.SafetyLag) || o.TieCap != nil {
			return o, sdk.Errorf(sdk.CodeConfig, "duckdb source options: incremental_column, incremental_key, null_policy, lookback, initial_value, safety_lag and tie_cap need incremental_strategy: column")
		}
	case "column":
		if o.IncrementalColumn == "" {
			return o, sdk.Errorf(sdk.CodeConfig, "duckdb source options: incremental_strategy column needs incremental_column")
		}
	default:
		return o, sdk.Errorf(sdk.CodeUnsupported, "duckdb source: incremental_strategy %q is not supported (supported: column)", o.IncrementalStrategy)
	}
	return o, nil
}

// present reports whether an optional JSON option was given (not null).
func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && string(t) != "null"
}

// column is one column a Read selects.
type column struct {
	name   string
	native string
	nt     nativeType
	field  arrow.Field
}
