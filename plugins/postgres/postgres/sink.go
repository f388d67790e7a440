package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// sinkOptions are the host's load options (LoadRequest.Load); the
// PostgreSQL sink has no options of its own yet.
type sinkOptions = sdk.LoadOptions

// load is a LoadRequest resolved to names.
type load struct {
	req     sdk.LoadRequest
	schema  string // target schema (namespace); public when empty
	target  string // qualified target
	staging string // qualified staging table
	stgName string
	opts    sinkOptions
	// strategy holds the mode's options (checked only with the mode).
	strategy sdk.Strategy
}

// resolveLoad checks a LoadRequest; modes are checked only when checkMode
// (AbortLoad and LoadStatus work whatever the mode).
func resolveLoad(req sdk.LoadRequest, checkMode bool) (*load, error) {
	l := &load{req: req, schema: req.Target.Namespace, stgName: sdk.StagingName(req.LoadID)}
	if l.schema == "" {
		l.schema = "public"
	}
	if req.Target.Name == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres sink: target table name is empty")
	}
	l.target = qualified(l.schema, req.Target.Name)
	l.staging = qualified(l.schema, l.stgName)
	// The sink has no options of its own: any key is a mistake.
	if err := decodeOptions(req.Options, &struct{}{}, "sink options"); err != nil {
		return nil, err
	}
	l.opts = req.Load
	if lg := l.opts.Lineage; lg != nil && lg.LoadedAtColumn != "" && lg.LoadedAt == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres sink: lineage.loaded_at is empty")
	}
	if !checkMode {
		return l, nil
	}
	if !slices.Contains(sinkModes, req.Mode) {
		return nil, sdk.Errorf(sdk.CodeUnsupported, "postgres sink: mode %q is not supported (supported: %s)", req.Mode, strings.Join(sinkModes, ", "))
	}
	st, err := req.Strategy()
	if err != nil {
		return nil, err
	}
	l.strategy = st
	return l, nil
}

// receipts is the qualified receipts table of the target's schema.
func (l *load) receipts() string { return qualified(l.schema, "_dpone_loads") }

const receiptsDDL = `CREATE TABLE IF NOT EXISTS %s (
  load_id text PRIMARY KEY, target text NOT NULL, mode text NOT NULL, rows bigint NOT NULL,
  receipt text, committed_at timestamptz NOT NULL DEFAULT now())`

// BeginLoad creates the target schema, the receipts table and a staging
// table named after the load id: LOGGED and shaped like the target for a
// full_refresh that can swap (swap.go), else UNLOGGED with the load's
// columns. It is idempotent.
func (c *Connector) BeginLoad(ctx context.Context, req sdk.LoadRequest) (string, error) {
	l, err := resolveLoad(req, true)
	if err != nil {
		return "", err
	}
	if req.Schema == nil || req.Schema.NumFields() == 0 {
		return "", sdk.Errorf(sdk.CodeSchema, "postgres sink: begin load %s: no schema", req.LoadID)
	}
	cols, err := columnDefs(req.Schema, false)
	if err != nil {
		return "", err
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Serialise DDL per schema: concurrent CREATE ... IF NOT EXISTS race.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "dpone:schema:"+l.schema); err != nil {
			return err
		}
		for _, q := range []string{
			"CREATE SCHEMA IF NOT EXISTS " + ident(l.schema),
			fmt.Sprintf(receiptsDDL, l.receipts()),
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		if err := l.fenceForBegin(ctx, tx); err != nil {
			return err
		}
		staged, err := regclassExists(ctx, tx, l.staging)
		if err != nil || staged {
			return err
		}
		ddl := []string{"CREATE UNLOGGED TABLE " + l.staging + " (" + strings.Join(cols, ", ") + ")"}
		if req.Mode == sdk.ModeFullRefresh {
			notNull, err := columnDefs(req.Schema, true)
			if err != nil {
				return err
			}
			swap, reason, err := l.swapStagingDDL(ctx, tx, notNull)
			if err != nil {
				return err
			}
			if swap != nil {
				ddl = swap
			} else {
				logInfo("full_refresh will truncate+insert", "load_id", req.LoadID, "target", l.target, "reason", reason)
			}
		}
		for _, q := range ddl {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", classify(fmt.Errorf("begin load %s: %w", req.LoadID, err))
	}
	return l.schema + "." + l.stgName, nil
}

// columnDefs renders "name type [NOT NULL]" for every field.
func columnDefs(s *arrow.Schema, notNull bool) ([]string, error) {
	defs := make([]string, 0, s.NumFields())
	for _, f := range s.Fields() {
		t, err := ddlType(f)
		if err != nil {
			return nil, err
		}
		d := ident(f.Name) + " " + t
		if notNull && !f.Nullable {
			d += " NOT NULL"
		}
		defs = append(defs, d)
	}
	return defs, nil
}

// Write appends records to the load's staging table with binary COPY on a
// connection of its own, so Writes to one load may run concurrently.
func (c *Connector) Write(ctx context.Context, req sdk.LoadRequest, records sdk.RecordReader) (sdk.WriteResult, error) {
	l, err := resolveLoad(req, false)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	first, err := records.Next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return sdk.WriteResult{}, nil
		}
		return sdk.WriteResult{}, err
	}
	want := map[string]string{}
	if req.Schema != nil {
		for _, f := range req.Schema.Fields() {
			t, err := ddlType(f)
			if err != nil {
				return sdk.WriteResult{}, err
			}
			want[f.Name] = t
		}
	}
	check := func(s *arrow.Schema) error {
		if len(want) == 0 {
			return nil
		}
		for _, f := range s.Fields() {
			t, err := ddlType(f)
			if err != nil {
				return err
			}
			if w, ok := want[f.Name]; !ok || w != t {
				return sdk.Errorf(sdk.CodeSchema, "postgres sink: column %q of a record (%s) does not match the load's schema (%s)", f.Name, t, w)
			}
		}
		return nil
	}
	names := make([]string, first.NumCols())
	for i, f := range first.Schema().Fields() {
		names[i] = ident(f.Name)
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	enc := newCopyEncoder(&prepended{first: first, rest: records}, check)
	tag, err := copyIntoStaging(ctx, conn, l, names, enc, soleWriter(req))
	if enc.err != nil {
		return sdk.WriteResult{}, classify(fmt.Errorf("write %s: %w", l.staging, enc.err))
	}
	if err != nil {
		if ctx.Err() != nil {
			return sdk.WriteResult{}, ctx.Err()
		}
		return sdk.WriteResult{}, classify(fmt.Errorf("write %s: copy into staging: %w", l.staging, err))
	}
	return sdk.WriteResult{Rows: tag.RowsAffected()}, nil
}

// prepended is a RecordReader that yields first before the rest.
type prepended struct {
	first arrow.RecordBatch
	rest  sdk.RecordReader
	used  bool
}

func (p *prepended) Schema() *arrow.Schema { return p.first.Schema() }

func (p *prepended) Next() (arrow.RecordBatch, error) {
	if !p.used {
		p.used = true
		return p.first, nil
	}
	return p.rest.Next()
}

// AbortLoad drops the load's staging table; it is idempotent.
func (c *Connector) AbortLoad(ctx context.Context, req sdk.LoadRequest) error {
	l, err := resolveLoad(req, false)
	if err != nil {
		return err
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+l.staging); err != nil {
		return classify(fmt.Errorf("abort load %s: %w", req.LoadID, err))
	}
	return nil
}
