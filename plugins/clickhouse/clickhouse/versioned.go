package clickhouse

import (
	"context"
	"fmt"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// Versioned targets.
//
// The ReplacingMergeTree targets the sink creates (incremental_merge with
// merge: replacing, snapshot_diff) carry versionColumn, their engine's
// version: of two rows of a key ClickHouse keeps the one with the larger
// version, with FINAL and after merges, whatever the order of their parts.
// A version is the server's clock in nanoseconds, raised above every
// version the receipts record for the target (so a clock stepped back
// cannot make a later load lose).
//
// Loads that publish by moving parts (incremental_append,
// incremental_merge, partition_replace) set it when the publish begins,
// so the load published last wins: their staging is a plain MergeTree in
// the target's shape (ClickHouse refuses to UPDATE a ReplacingMergeTree's
// version column), whose rows one mutation stamps before the parts move.
// Loads that publish by one EXCHANGE (full_refresh, replace,
// snapshot_diff) replace the whole table at once: their staging is a copy
// of the target whose version column defaults to a version taken at
// BeginLoad.

// versionedEngine starts the engine clause of a versioned target.
const versionedEngine = "ReplacingMergeTree(" + versionColumn + ")"

// movesParts reports whether mode publishes by moving staging's parts
// into the target.
func movesParts(mode string) bool {
	return mode == sdk.ModeAppend || mode == sdk.ModeMerge || mode == sdk.ModePartitionReplace
}

// stagingEngine is the ENGINE clause (with a leading space) of a staging
// table created AS the existing target t: empty (the target's own) but
// for a versioned target of a load that moves parts, which stages into a
// MergeTree with the target's keys and settings.
func (l *load) stagingEngine(t *tableInfo) string {
	if !t.versioned || !movesParts(l.req.Mode) {
		return ""
	}
	return " ENGINE = MergeTree" + strings.TrimPrefix(t.engineFull, versionedEngine)
}

// targetVersioned reports whether the target (t; nil when the load
// creates it) is versioned.
func (l *load) targetVersioned(t *tableInfo) bool {
	if t == nil {
		return l.versioned()
	}
	return t.versioned
}

// newStagingEngine is the engine of the staging of a target the load
// creates.
func (l *load) newStagingEngine() string {
	if l.versioned() && movesParts(l.req.Mode) {
		return "MergeTree"
	}
	return l.engine()
}

// nextVersion is the version of a publish beginning now.
func (l *load) nextVersion(ctx context.Context) (uint64, error) {
	if err := l.ensureReceipts(ctx); err != nil {
		return 0, err
	}
	q := fmt.Sprintf("SELECT greatest(toUInt64(toUnixTimestamp64Nano(now64(9))), (SELECT max(version) FROM %s WHERE target = ?) + 1)",
		qualified(l.db, receiptsTable))
	var v uint64
	if err := l.srv.conn.QueryRow(detach(ctx), q, l.targetName()).Scan(&v); err != nil {
		return 0, classify(fmt.Errorf("version of load %s: %w", l.req.LoadID, err))
	}
	return v, nil
}

// versionDefault gives the versionColumn of the staging of an EXCHANGE
// load into a versioned table (t: the target, nil when absent) a version
// taken now as its default, which every insert into staging fills.
func (l *load) versionDefault(ctx context.Context, t *tableInfo) error {
	if movesParts(l.req.Mode) || !l.targetVersioned(t) {
		return nil
	}
	v, err := l.nextVersion(ctx)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("ALTER TABLE %s MODIFY COLUMN %s UInt64 DEFAULT %d", qualified(l.db, l.staging), quote(versionColumn), v)
	return l.exec(ctx, "set the version of staging "+l.staging, q)
}

// setVersion stamps every row of staging st with the load's version when
// the load moves parts into a versioned target (t; nil when the publish
// creates it): one mutation of staging, which rewrites that column only.
func (l *load) setVersion(ctx context.Context, t *tableInfo, st *tableInfo) error {
	if !movesParts(l.req.Mode) || !l.targetVersioned(t) {
		return nil
	}
	if st == nil || st.column(versionColumn) == nil {
		return sdk.Errorf(sdk.CodeInternal, "load %s: staging %s.%s has no %s column", l.req.LoadID, l.db, l.staging, versionColumn)
	}
	v, err := l.nextVersion(ctx)
	if err != nil {
		return err
	}
	mctx := ch.Context(ctx, ch.WithSettings(ch.Settings{"mutations_sync": 2}))
	q := fmt.Sprintf("ALTER TABLE %s UPDATE %s = %d WHERE 1", qualified(l.db, l.staging), quote(versionColumn), v)
	if err := l.srv.conn.Exec(detach(mctx), q); err != nil {
		return classify(fmt.Errorf("set the version of load %s: %w", l.req.LoadID, err))
	}
	l.version = v
	return nil
}

// dropVersionDefault removes the version default staging st had from the
// target it became by EXCHANGE or RENAME (the default is the load's, not
// the table's; a crash before this leaves it, which the next load
// replaces).
func (l *load) dropVersionDefault(ctx context.Context, st *tableInfo) error {
	if !st.versioned || movesParts(l.req.Mode) {
		return nil
	}
	q := fmt.Sprintf("ALTER TABLE %s MODIFY COLUMN %s REMOVE DEFAULT", qualified(l.db, l.req.Target.Name), quote(versionColumn))
	return l.exec(ctx, "drop the version default of "+l.req.Target.Name, q)
}
