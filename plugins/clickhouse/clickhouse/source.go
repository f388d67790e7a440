package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// sourceOptions are the keys ReadRequest.Options may hold.
type sourceOptions struct {
	// Query is read instead of the stream's table.
	Query               string `json:"query"`
	IncrementalStrategy string `json:"incremental_strategy"`
	// CursorOptions are the column strategy's keys, shared by every
	// source through the SDK.
	sdk.CursorOptions
	// Final reads a ReplacingMergeTree-family table with FINAL (default
	// true for those engines), so a merge target reads merged.
	Final *bool `json:"final"`
}

func decodeSourceOptions(raw json.RawMessage) (sourceOptions, error) {
	var o sourceOptions
	if err := sdk.DecodeOptions(raw, &o, "clickhouse source options"); err != nil {
		return o, err
	}
	switch o.IncrementalStrategy {
	case "":
		if o.IncrementalColumn != "" {
			return o, sdk.Errorf(sdk.CodeConfig, "clickhouse source options: incremental_column needs incremental_strategy: column")
		}
	case "column":
		if o.IncrementalColumn == "" {
			return o, sdk.Errorf(sdk.CodeConfig, "clickhouse source options: incremental_strategy column needs incremental_column")
		}
	default:
		return o, sdk.Errorf(sdk.CodeUnsupported, "clickhouse source: incremental_strategy %q is not supported (supported: column)", o.IncrementalStrategy)
	}
	return o, nil
}

// Discover lists tables of the user databases (not system databases nor
// dpone's staging and receipt tables) with their schema, sorting key as
// primary key, cursor candidates and the row estimate of system.parts. A
// selector entry matches "database.table" or "table" as a glob, or names
// a whole database; no selector means every table.
func (c *Connector) Discover(ctx context.Context, raw json.RawMessage, selector []string) ([]sdk.Stream, error) {
	s, err := c.open(ctx, raw)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(detach(ctx), `SELECT t.database, t.name,
			toInt64(ifNull((SELECT sum(rows) FROM system.parts p WHERE p.database = t.database AND p.table = t.name AND p.active), 0)),
			toInt64(ifNull((SELECT sum(bytes_on_disk) FROM system.parts p WHERE p.database = t.database AND p.table = t.name AND p.active), 0))
		FROM system.tables t
		WHERE t.database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') AND NOT t.is_temporary
		  AND NOT startsWith(t.name, '_dpone_') AND t.engine NOT IN ('View', 'MaterializedView', 'Dictionary')
		ORDER BY t.database, t.name`)
	if err != nil {
		return nil, classify(fmt.Errorf("list tables: %w", err))
	}
	type tbl struct {
		db, name    string
		rows, bytes int64
	}
	var tables []tbl
	for rows.Next() {
		var t tbl
		if err := rows.Scan(&t.db, &t.name, &t.rows, &t.bytes); err != nil {
			rows.Close()
			return nil, classify(fmt.Errorf("list tables: %w", err))
		}
		if sdk.Selected(selector, t.db, t.name) {
			tables = append(tables, t)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("list tables: %w", err))
	}
	streams := make([]sdk.Stream, 0, len(tables))
	for _, t := range tables {
		info, err := s.table(ctx, t.db, t.name)
		if err != nil {
			return nil, err
		}
		if info == nil {
			continue // dropped meanwhile
		}
		cols, err := tableColumns(info)
		if err != nil {
			return nil, err
		}
		fields := make([]arrow.Field, len(cols))
		for i, col := range cols {
			fields[i] = col.field
		}
		schema := arrow.NewSchema(fields, nil)
		streams = append(streams, sdk.Stream{Name: t.name, Namespace: t.db, Schema: schema, PrimaryKey: info.key(),
			CursorCandidates: sdk.CursorCandidates(schema), RowEstimate: t.rows, ByteEstimate: t.bytes})
	}
	return streams, nil
}

// key is the table's primary key as dpone sees it: the sorting key of a
// ReplacingMergeTree (rows are unique by it once merged), else none
// (a MergeTree sorting key does not make rows unique).
func (t *tableInfo) key() []string {
	if !strings.Contains(t.engine, "ReplacingMergeTree") {
		return nil
	}
	for _, k := range t.sortingKey {
		if t.column(k) == nil { // an expression, not a column
			return nil
		}
	}
	return t.sortingKey
}
