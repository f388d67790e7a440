package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// sinkModes lists every mode the destination implements.
var sinkModes = []string{sdk.ModeFullRefresh, sdk.ModeAppend, sdk.ModeMerge, sdk.ModePartitionReplace, sdk.ModeReplace, sdk.ModeSnapshotDiff, sdk.ModeSCD2}

// receiptsTable is the table of load receipts in every target database.
const receiptsTable = "_dpone_loads"

// Table comments that mark a load's progress (see docs/guarantees.md): a
// staging table is created with loadMarker, which a full_refresh's
// EXCHANGE carries onto the target; publishMarker on staging says its
// publish began and must be finished, never aborted.
const (
	loadMarker    = "dpone:load:"
	publishMarker = "dpone:publishing:"
)

// load is a validated LoadRequest.
type load struct {
	req      sdk.LoadRequest
	srv      *server
	db       string
	staging  string
	opts     sinkOptions
	strategy sdk.Strategy
	loadedAt time.Time
	// version is the load's versionColumn value once its publish began
	// (0: not versioned, or not known).
	version uint64
	// receiptsReady: ensureReceipts ran in this call.
	receiptsReady bool
}

// lineage is the load's lineage block when both columns are on.
func (l *load) lineage() *sdk.Lineage {
	lg := l.req.Load.Lineage
	if lg == nil || lg.RunIDColumn == "" || lg.LoadedAtColumn == "" {
		return nil
	}
	return lg
}

// prepare validates req and opens its server.
func (c *Connector) prepare(ctx context.Context, req sdk.LoadRequest) (*load, error) {
	if !slices.Contains(sinkModes, req.Mode) {
		return nil, sdk.Errorf(sdk.CodeUnsupported, "clickhouse sink: mode %q is not supported (supported: %s)", req.Mode, strings.Join(sinkModes, ", "))
	}
	if req.Target.Name == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "load %s: target table name is empty", req.LoadID)
	}
	opts, err := decodeSinkOptions(req.Options)
	if err != nil {
		return nil, err
	}
	st, err := req.Strategy()
	if err != nil {
		return nil, err
	}
	l := &load{req: req, staging: sdk.StagingName(req.LoadID), opts: opts, strategy: st}
	if lg := l.lineage(); lg != nil {
		at, err := time.Parse(time.RFC3339Nano, lg.LoadedAt)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "lineage loaded_at %q: want RFC 3339: %w", lg.LoadedAt, err)
		}
		l.loadedAt = at
	}
	if req.Schema != nil {
		for _, k := range append(slices.Clone(req.UniqueKey), l.partitionBy()...) {
			if len(req.Schema.FieldIndices(k)) == 0 {
				return nil, sdk.Errorf(sdk.CodeSchema, "unique_key column %q is not in the load's schema", k)
			}
		}
	}
	if l.srv, err = c.open(ctx, req.Config); err != nil {
		return nil, err
	}
	l.db = database(req.Target, l.srv.database)
	return l, nil
}

func needSchema(req sdk.LoadRequest) error {
	if req.Schema == nil || req.Schema.NumFields() == 0 {
		return sdk.Errorf(sdk.CodeSchema, "load %s: the load request has no schema", req.LoadID)
	}
	return nil
}

// exec runs one statement, classifying its error under what.
func (l *load) exec(ctx context.Context, what, q string) error {
	if err := l.srv.conn.Exec(detach(ctx), q); err != nil {
		return classify(fmt.Errorf("%s: %w", what, err))
	}
	return nil
}

// BeginLoad creates the target database if missing and (re)creates the
// load's staging table, empty, in the target's shape: a copy of the
// target's structure when it exists (so publishing can move its parts),
// else the DDL the sink options describe. Its comment names the load.
func (c *Connector) BeginLoad(ctx context.Context, req sdk.LoadRequest) (string, error) {
	l, err := c.prepare(ctx, req)
	if err != nil {
		return "", err
	}
	if err := needSchema(req); err != nil {
		return "", err
	}
	if err := l.exec(ctx, "create database "+l.db, "CREATE DATABASE IF NOT EXISTS "+quote(l.db)); err != nil {
		return "", err
	}
	if err := l.fenceCheck(ctx); err != nil {
		return "", err
	}
	if err := l.sweepStaging(ctx); err != nil {
		return "", err
	}
	if err := l.exec(ctx, "drop old staging", "DROP TABLE IF EXISTS "+qualified(l.db, l.staging)+" SYNC"); err != nil {
		return "", err
	}
	if err := l.registerStaging(ctx); err != nil {
		return "", err
	}
	t, err := l.srv.table(ctx, l.db, req.Target.Name)
	if err != nil {
		return "", err
	}
	if err := l.scd2Engine(t); err != nil {
		return "", err
	}
	if len(req.Schema.FieldIndices(versionColumn)) > 0 && l.targetVersioned(t) {
		return "", sdk.Errorf(sdk.CodeSchema, "load %s: column %s is the version the clickhouse sink keeps in %s.%s (a ReplacingMergeTree versioned by it): rename or drop the source's column (source.columns, or an alias in a query)",
			req.LoadID, versionColumn, l.db, req.Target.Name)
	}
	var ddl string
	if t != nil {
		if err := l.checkTarget(t); err != nil {
			return "", err
		}
		var add []string
		if lg := l.lineage(); lg != nil {
			add = append(add, fmt.Sprintf("ADD COLUMN IF NOT EXISTS %s %s, ADD COLUMN IF NOT EXISTS %s %s",
				quote(lg.RunIDColumn), runIDType, quote(lg.LoadedAtColumn), loadedAtType))
		}
		if l.strategy.SoftDeletes() {
			add = append(add, fmt.Sprintf("ADD COLUMN IF NOT EXISTS %s %s", quote(sdk.DeletedAtColumn), deletedAtType))
		}
		if len(add) > 0 {
			q := "ALTER TABLE " + qualified(l.db, req.Target.Name) + " " + strings.Join(add, ", ")
			if err := l.exec(ctx, "add lineage columns to "+req.Target.Name, q); err != nil {
				return "", err
			}
		}
		if err := l.scd2Columns(ctx, req.Target.Name); err != nil {
			return "", err
		}
		ddl = fmt.Sprintf("CREATE TABLE %s AS %s%s COMMENT %s", qualified(l.db, l.staging), qualified(l.db, req.Target.Name),
			l.stagingEngine(t), literal(loadMarker+req.LoadID))
	} else if ddl, err = l.createDDLEngine(l.staging, loadMarker+req.LoadID, l.newStagingEngine()); err != nil {
		return "", err
	}
	if err := l.exec(ctx, "create staging "+l.db+"."+l.staging, ddl); err != nil {
		return "", err
	}
	if err := l.versionDefault(ctx, t); err != nil {
		return "", err
	}
	if err := l.scd2Columns(ctx, l.staging); err != nil {
		return "", err
	}
	// Block-level deduplication of retried inserts (insert_deduplication_token):
	// createDDL sets it, a copy of the target's structure may lack it.
	if t != nil {
		if err := l.exec(ctx, "set staging deduplication", "ALTER TABLE "+qualified(l.db, l.staging)+" MODIFY SETTING non_replicated_deduplication_window = "+dedupWindow); err != nil {
			return "", err
		}
	}
	return l.db + "." + l.staging, nil
}

// Write inserts records into the load's staging table as native columnar
// blocks, one per record; each block carries an insert_deduplication_token
// from the load id, its number in this Write and a digest of its bytes,
// so a block retried by the driver or a re-sent Write is stored once.
// With sink.staging it writes them as Parquet parts of the staging area
// instead, which CommitLoad loads (stage.go).
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
	st, err := l.srv.table(ctx, l.db, l.staging)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	if st == nil || st.comment != loadMarker+req.LoadID {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeNotFound, "load %s: staging %s.%s does not exist (BeginLoad first, or the load was committed or aborted)", req.LoadID, l.db, l.staging)
	}
	if req.Staging != nil {
		return c.writeObjects(ctx, l, schema, st, records)
	}
	return l.insert(ctx, schema, st, records)
}

// AbortLoad drops the load's staging table and removes its files from
// the staging area (sink.staging); it is idempotent. A load whose publish
// began is finished instead (its target may already hold part of it),
// and AbortLoad reports that as a DATA error.
func (c *Connector) AbortLoad(ctx context.Context, req sdk.LoadRequest) error {
	srv, err := c.open(ctx, req.Config)
	if err != nil {
		return err
	}
	db, staging := database(req.Target, srv.database), sdk.StagingName(req.LoadID)
	st, err := srv.table(ctx, db, staging)
	if err != nil {
		return err
	}
	if st != nil && isPublishing(st.comment, req.LoadID) {
		return sdk.Errorf(sdk.CodeData, "load %s: its publish into %s.%s began, so it cannot be aborted: LoadStatus finishes it", req.LoadID, db, req.Target.Name)
	}
	if req.Staging != nil {
		if err := c.abortObjects(ctx, req); err != nil {
			return err
		}
	}
	if st == nil {
		return nil
	}
	// A rebuild's swap table (replace, snapshot_diff) goes with staging.
	for _, name := range []string{staging + "_swap", staging} {
		if err := srv.conn.Exec(detach(ctx), "DROP TABLE IF EXISTS "+qualified(db, name)+" SYNC"); err != nil {
			return classify(fmt.Errorf("drop staging %s.%s: %w", db, name, err))
		}
	}
	return nil
}

// LoadStatus is committed when the load's receipt exists, or when its
// publish began (the target carries its marker, or staging its publish
// marker): then it finishes the publish first. Staged when its staging
// table exists, else unknown.
func (c *Connector) LoadStatus(ctx context.Context, req sdk.LoadRequest) (sdk.LoadState, error) {
	l, err := c.prepare(ctx, req)
	if err != nil {
		return 0, err
	}
	done, err := l.hasReceipt(ctx)
	if err != nil {
		return 0, err
	}
	if done {
		if req.Staging != nil {
			c.finishObjects(ctx, req)
		}
		return sdk.LoadCommitted, nil
	}
	// A recovering run (newer generation) takes the unit over here: any
	// older holder's later commit fails. An even newer holder's fence
	// leaves this status answer alone (this run's commit will fail).
	if l.req.Fence.Set() {
		if db, err := l.srv.databaseExists(ctx, l.db); err != nil {
			return 0, err
		} else if db {
			if err := l.ensureFenceTables(ctx); err != nil {
				return 0, err
			}
			if err := l.raiseFence(ctx); err != nil && sdk.CodeOf(err) != sdk.CodeConfig {
				return 0, err
			}
		}
	}
	st, err := l.srv.table(ctx, l.db, l.staging)
	if err != nil {
		return 0, err
	}
	t, err := l.srv.table(ctx, l.db, req.Target.Name)
	if err != nil {
		return 0, err
	}
	switch {
	case t != nil && t.comment == loadMarker+req.LoadID,
		st != nil && isPublishing(st.comment, req.LoadID):
		if _, err := l.publish(ctx, nil); err != nil {
			return 0, err
		}
		if req.Staging != nil {
			c.finishObjects(ctx, req)
		}
		return sdk.LoadCommitted, nil
	case st != nil:
		return sdk.LoadStaged, nil
	}
	return sdk.LoadUnknown, nil
}

// fieldNames are the names of s's fields.
func fieldNames(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return names
}

// publishMark is what the marker of a staging table whose publish began
// records: its rows then (a publish finished after a crash has moved some
// or all of its parts, so counting staging then would undercount the
// load; -1 for a marker written before the count was kept) and the
// load's version (0: not versioned, or a marker written before versions).
type publishMark struct {
	rows    int64
	version uint64
}

// publishing reports whether comment marks a staging table of loadID whose
// publish began ("dpone:publishing:<id> rows=<n>[ version=<v>]"), and
// what the mark records.
func publishing(comment, loadID string) (publishMark, bool) {
	m := publishMarker + loadID
	if comment == m {
		return publishMark{rows: -1}, true
	}
	rest, found := strings.CutPrefix(comment, m+" rows=")
	if !found {
		return publishMark{}, false
	}
	rest, ver, hasVer := strings.Cut(rest, " version=")
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n < 0 {
		return publishMark{}, false
	}
	mark := publishMark{rows: n}
	if hasVer {
		if mark.version, err = strconv.ParseUint(ver, 10, 64); err != nil {
			return publishMark{}, false
		}
	}
	return mark, true
}

// isPublishing is publishing without the count.
func isPublishing(comment, loadID string) bool {
	_, ok := publishing(comment, loadID)
	return ok
}

// publishingComment is the marker of a staging table whose publish
// begins.
func publishingComment(loadID string, m publishMark) string {
	s := publishMarker + loadID + " rows=" + strconv.FormatInt(m.rows, 10)
	if m.version > 0 {
		s += " version=" + strconv.FormatUint(m.version, 10)
	}
	return s
}
