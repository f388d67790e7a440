package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// stagingTypes are the sink.staging types the sink loads from: a load
// with sink.staging writes Parquet parts there (Write) and CommitLoad
// reads them into the load's staging table with read_parquet, after
// checking every file against the load's checksum manifest.
var stagingTypes = []string{objstage.TypeLocal, objstage.TypeS3, objstage.TypeGCS}

// writeObjects is Write for a load with sink.staging: the records become
// Parquet parts of the load, and the load's manifest lists them.
func (c *Connector) writeObjects(ctx context.Context, req sdk.LoadRequest, records sdk.RecordReader) (sdk.WriteResult, error) {
	a, err := objstage.Open(ctx, req.Staging)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	schema := records.Schema()
	if schema == nil {
		schema = req.Schema
	}
	load := c.objects.Get(a, req.LoadID)
	w, err := load.NewWriter(schema, 0)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	var res sdk.WriteResult
	if res.Rows, _, err = w.WriteAll(ctx, records, nil); err != nil {
		return res, err
	}
	return res, load.WriteManifest(ctx)
}

// fillFromObjects replaces the staging table's rows with the load's
// verified Parquet parts, in one transaction (so a retried commit fills
// it again instead of twice). A load already committed is left alone.
func (l *load) fillFromObjects(ctx context.Context) error {
	a, err := objstage.Open(ctx, l.req.Staging)
	if err != nil {
		return err
	}
	if done, err := hasReceipt(ctx, l.db.db, l.schema, l.req.LoadID); err != nil || done {
		return err
	}
	m, err := a.Verify(ctx, l.req.LoadID)
	if err != nil {
		return err
	}
	paths, cleanup, err := localCopies(ctx, a, l.req.Staging.Type, m)
	if err != nil {
		return err
	}
	defer cleanup()
	return l.db.tx(ctx, func(tx *sql.Tx) error {
		target := qualified(l.schema, l.staging)
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+target); err != nil {
			return classify(fmt.Errorf("empty staging %s: %w", target, err))
		}
		if len(paths) == 0 {
			return nil
		}
		names := fieldNames(l.req.Schema)
		cols := make([]string, len(names))
		for i, n := range names {
			cols[i] = quote(n)
		}
		lits := make([]string, len(paths))
		for i, p := range paths {
			lits[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
		}
		q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM read_parquet([%s])", target,
			strings.Join(cols, ", "), strings.Join(cols, ", "), strings.Join(lits, ", "))
		res, err := tx.ExecContext(ctx, q)
		if err != nil {
			return classify(fmt.Errorf("load %s from %s: %w", l.req.LoadID, a.LoadURI(l.req.LoadID), err))
		}
		if n, err := res.RowsAffected(); err == nil && n != m.Rows {
			return sdk.Errorf(sdk.CodeData, "load %s: read %d rows from %s, its manifest says %d", l.req.LoadID, n, a.LoadURI(l.req.LoadID), m.Rows)
		}
		return nil
	})
}

// localCopies returns local paths of m's files: the files themselves for
// a local area, else copies in a temporary directory (DuckDB here reads
// no s3:// or gs:// URL: its httpfs extension is not bundled).
func localCopies(ctx context.Context, a *objstage.Area, typ string, m objstage.Manifest) ([]string, func(), error) {
	paths := make([]string, len(m.Files))
	if typ == objstage.TypeLocal {
		for i, f := range m.Files {
			paths[i] = f.URI
		}
		return paths, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "dpone-duckdb-stage-*")
	if err != nil {
		return nil, nil, sdk.Errorf(sdk.CodeInternal, "staging copy: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	for i, f := range m.Files {
		r, err := a.OpenFile(ctx, m.LoadID, f.Name)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		paths[i] = filepath.Join(dir, f.Name)
		out, err := os.Create(paths[i])
		if err == nil {
			_, err = io.Copy(out, r)
			err = errors.Join(err, out.Close())
		}
		r.Close()
		if err != nil {
			cleanup()
			return nil, nil, sdk.Errorf(sdk.CodeUnavailable, "staging copy of %s: %w", f.URI, err)
		}
	}
	return paths, cleanup, nil
}

// finishObjects removes a committed load's files unless staging.keep; a
// failure only leaves files behind, so it is logged, not returned.
func (c *Connector) finishObjects(ctx context.Context, req sdk.LoadRequest) {
	if err := c.objects.Finish(ctx, req.Staging, req.LoadID); err != nil {
		logInfo("staging files of a committed load were not removed", "load_id", req.LoadID, "error", err.Error())
	}
}

// abortObjects removes an aborted load's files.
func (c *Connector) abortObjects(ctx context.Context, req sdk.LoadRequest) error {
	return c.objects.Abort(ctx, req.Staging, req.LoadID)
}
