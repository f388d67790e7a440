package duckdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// receiptsTable is the table of load receipts in every target schema.
const receiptsTable = "_dpone_loads"

// sinkOptions are the host's load options (LoadRequest.Load); the DuckDB
// sink has no options of its own yet.
type sinkOptions = sdk.LoadOptions

// load is a validated LoadRequest.
type load struct {
	req      sdk.LoadRequest
	db       *database
	schema   string
	staging  string
	opts     sinkOptions
	strategy sdk.Strategy
	loadedAt time.Time
}

// decodeOptions checks the sink's own options: it has none yet, so any
// key is a mistake.
func decodeOptions(raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&struct{}{}); err != nil {
		return sdk.Errorf(sdk.CodeConfig, "duckdb sink options: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// lineageOn reports whether both lineage columns are to be written.
func (l *load) lineageOn() bool {
	lg := l.opts.Lineage
	return lg != nil && lg.RunIDColumn != "" && lg.LoadedAtColumn != ""
}

// prepare validates req and opens its database.
func (c *Connector) prepare(ctx context.Context, req sdk.LoadRequest) (*load, error) {
	if !slices.Contains(sinkModes, req.Mode) {
		return nil, sdk.Errorf(sdk.CodeUnsupported, "duckdb sink: mode %q is not supported (supported: %s)",
			req.Mode, strings.Join(sinkModes, ", "))
	}
	if req.Target.Name == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "load %s: target table name is empty", req.LoadID)
	}
	if err := decodeOptions(req.Options); err != nil {
		return nil, err
	}
	opts := req.Load
	st, err := req.Strategy()
	if err != nil {
		return nil, err
	}
	l := &load{req: req, schema: namespace(req.Target), staging: sdk.StagingName(req.LoadID), opts: opts, strategy: st}
	if err := l.checkPartitionColumns(); err != nil {
		return nil, err
	}
	if l.lineageOn() {
		at, err := time.Parse(time.RFC3339Nano, opts.Lineage.LoadedAt)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "lineage loaded_at %q: want RFC 3339: %w", opts.Lineage.LoadedAt, err)
		}
		l.loadedAt = at
	}
	if req.Schema != nil {
		for _, k := range req.UniqueKey {
			if len(req.Schema.FieldIndices(k)) == 0 {
				return nil, sdk.Errorf(sdk.CodeSchema, "unique_key column %q is not in the load's schema", k)
			}
		}
	}
	if l.db, err = c.openConfig(ctx, req.Config, true); err != nil {
		return nil, err
	}
	return l, nil
}

func needSchema(req sdk.LoadRequest) error {
	if req.Schema == nil || req.Schema.NumFields() == 0 {
		return sdk.Errorf(sdk.CodeSchema, "load %s: the load request has no schema", req.LoadID)
	}
	return nil
}

// BeginLoad creates the schema if missing and (re)creates the load's
// staging table in it, empty. A full_refresh stages in the target's shape
// when it can, to commit by swap (swap.go).
func (c *Connector) BeginLoad(ctx context.Context, req sdk.LoadRequest) (string, error) {
	l, err := c.prepare(ctx, req)
	if err != nil {
		return "", err
	}
	if err := needSchema(req); err != nil {
		return "", err
	}
	l.db.ddl.Lock()
	defer l.db.ddl.Unlock()
	err = l.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quote(l.schema)); err != nil {
			return classify(fmt.Errorf("create schema %s: %w", l.schema, err))
		}
		if err := l.fenceForBegin(ctx, tx); err != nil {
			return err
		}
		defs, swap, err := l.swapStagingDefs(ctx, tx)
		if err != nil {
			return err
		}
		if !swap {
			if defs, err = (typeMapper{jsonType: l.db.jsonType, staging: true}).columnDefs(req.Schema); err != nil {
				return err
			}
		}
		q := fmt.Sprintf("CREATE OR REPLACE TABLE %s (%s)", qualified(l.schema, l.staging), strings.Join(defs, ", "))
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return classify(fmt.Errorf("create staging %s.%s: %w", l.schema, l.staging, err))
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return l.schema + "." + l.staging, nil
}

// Write inserts records into the load's staging table in one transaction
// (an INSERT ... SELECT over an Arrow view per chunk of about 8 MiB,
// stage_arrow.go and chunks.go). Concurrent Writes into one load are safe:
// each uses its own connection, and DuckDB appends never conflict.
func (c *Connector) Write(ctx context.Context, req sdk.LoadRequest, records sdk.RecordReader) (sdk.WriteResult, error) {
	l, err := c.prepare(ctx, req)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	schema := req.Schema
	if schema == nil {
		schema = records.Schema()
	}
	if schema == nil {
		return sdk.WriteResult{}, needSchema(req)
	}
	names := fieldNames(schema)
	ok, err := tableExists(ctx, l.db.db, l.schema, l.staging)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	if !ok {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeNotFound, "load %s: staging %s.%s does not exist (BeginLoad first, or the load was committed or aborted)",
			req.LoadID, l.schema, l.staging)
	}
	if req.Staging != nil {
		return c.writeObjects(ctx, req, records)
	}
	rows, err := l.db.stage(ctx, l.schema, l.staging, names, records)
	return sdk.WriteResult{Rows: rows}, err
}

// AbortLoad drops the load's staging table; it is idempotent.
func (c *Connector) AbortLoad(ctx context.Context, req sdk.LoadRequest) error {
	d, err := c.openConfig(ctx, req.Config, true)
	if err != nil {
		return err
	}
	schema, staging := namespace(req.Target), sdk.StagingName(req.LoadID)
	if req.Staging != nil {
		if err := c.abortObjects(ctx, req); err != nil {
			return err
		}
	}
	d.ddl.Lock()
	defer d.ddl.Unlock()
	if _, err := d.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+qualified(schema, staging)); err != nil {
		return classify(fmt.Errorf("drop staging %s.%s: %w", schema, staging, err))
	}
	return nil
}

// LoadStatus is committed when the load's receipt exists, staged when its
// staging table exists, else unknown. With a fence it first raises the
// unit's fence (takeOver), so an older holder can no longer commit.
func (c *Connector) LoadStatus(ctx context.Context, req sdk.LoadRequest) (sdk.LoadState, error) {
	d, err := c.openConfig(ctx, req.Config, true)
	if err != nil {
		return 0, err
	}
	if err := c.takeOver(ctx, d, req); err != nil {
		return 0, err
	}
	schema := namespace(req.Target)
	committed, err := hasReceipt(ctx, d.db, schema, req.LoadID)
	switch {
	case err != nil:
		return 0, err
	case committed:
		return sdk.LoadCommitted, nil
	}
	staged, err := tableExists(ctx, d.db, schema, sdk.StagingName(req.LoadID))
	switch {
	case err != nil:
		return 0, err
	case staged:
		return sdk.LoadStaged, nil
	}
	return sdk.LoadUnknown, nil
}

// queryer is what *sql.DB, *sql.Conn and *sql.Tx share.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func tableExists(ctx context.Context, q queryer, schema, table string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = ? AND table_name = ?`, schema, table).Scan(&n)
	if err != nil {
		return false, classify(fmt.Errorf("look up table %s.%s: %w", schema, table, err))
	}
	return n > 0, nil
}

func hasReceipt(ctx context.Context, q queryer, schema, loadID string) (bool, error) {
	ok, err := tableExists(ctx, q, schema, receiptsTable)
	if err != nil || !ok {
		return false, err
	}
	var n int
	err = q.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE load_id = ?", qualified(schema, receiptsTable)), loadID).Scan(&n)
	if err != nil {
		return false, classify(fmt.Errorf("read receipts %s.%s: %w", schema, receiptsTable, err))
	}
	return n > 0, nil
}

func fieldNames(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return names
}

// columnsByName returns rec's columns in the order of names.
func columnsByName(rec arrow.RecordBatch, names []string) ([]arrow.Array, error) {
	cols := make([]arrow.Array, len(names))
	for i, n := range names {
		idx := rec.Schema().FieldIndices(n)
		if len(idx) == 0 {
			return nil, sdk.Errorf(sdk.CodeSchema, "record has no column %q of the load's schema", n)
		}
		cols[i] = rec.Column(idx[0])
	}
	return cols, nil
}
