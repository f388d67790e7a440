package clickhouse

import (
	"context"
	"fmt"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// stagingsTable registers each staging table BeginLoad creates, with its
// load and target, before creating it: a later load of the target finds
// what earlier loads left behind even when their own AbortLoad never ran
// or ran before the server finished their CREATE.
const stagingsTable = "_dpone_stagings"

// ensureStagings creates the staging registry (rows expire after 30 days;
// a staging table outlives its row only if nothing loads its target).
func (l *load) ensureStagings(ctx context.Context) error {
	q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (staging String, load_id String, target String,
		manifest String, unit String, generation Int64, created_at DateTime64(6, 'UTC') DEFAULT now64(6))
		ENGINE = ReplacingMergeTree ORDER BY (target, staging) TTL toDateTime(created_at) + INTERVAL 30 DAY`,
		qualified(l.db, stagingsTable))
	return l.exec(ctx, "create "+l.db+"."+stagingsTable, q)
}

// registerStaging records the load's staging table in the registry.
func (l *load) registerStaging(ctx context.Context) error {
	if err := l.ensureStagings(ctx); err != nil {
		return err
	}
	ictx := ch.Context(ctx, ch.WithSettings(ch.Settings{"async_insert": 0}))
	q := "INSERT INTO " + qualified(l.db, stagingsTable) + " (staging, load_id, target, manifest, unit, generation) VALUES (?, ?, ?, ?, ?, ?)"
	f := l.req.Fence
	if err := l.srv.conn.Exec(detach(ictx), q, l.staging, l.req.LoadID, l.targetName(), f.Manifest, f.Unit, f.Generation); err != nil {
		return classify(fmt.Errorf("register staging %s.%s: %w", l.db, l.staging, err))
	}
	return nil
}

// sweepStaging drops, at BeginLoad, the staging (and swap) tables of the
// target's earlier loads that never began publishing: a load whose plugin
// was killed (its AbortLoad never reached the server, or the server ran
// its CREATE after the abort's DROP) and the load of a run that lost the
// unit's lock (a stale holder: its Write and CommitLoad then find no
// staging). The host resolves a unit's pending loads before its next load
// (committed, or else aborted), so none of them is still wanted. A
// staging whose publish began (dpone:publishing:) is left: LoadStatus
// finishes it. With sink.staging, the files of the loads it drops go
// too. Only a fenced load sweeps (it holds the unit's lock), and
// never into a shared_target, where another unit's load may be in flight.
func (l *load) sweepStaging(ctx context.Context) error {
	f := l.req.Fence
	if !f.Set() || f.SharedTarget {
		return nil
	}
	if err := l.ensureStagings(ctx); err != nil {
		return err
	}
	q := "SELECT staging, load_id FROM " + qualified(l.db, stagingsTable) + " FINAL WHERE target = ? AND load_id != ? AND " +
		"(staging IN (SELECT name FROM system.tables WHERE database = ?) OR concat(staging, '_swap') IN (SELECT name FROM system.tables WHERE database = ?))"
	rows, err := l.srv.conn.Query(detach(ctx), q, l.targetName(), l.req.LoadID, l.db, l.db)
	if err != nil {
		return classify(fmt.Errorf("read %s.%s: %w", l.db, stagingsTable, err))
	}
	type left struct{ staging, loadID string }
	var found []left
	for rows.Next() {
		var s left
		if err := rows.Scan(&s.staging, &s.loadID); err != nil {
			rows.Close()
			return classify(fmt.Errorf("read %s.%s: %w", l.db, stagingsTable, err))
		}
		found = append(found, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return classify(err)
	}
	for _, s := range found {
		dropped := false
		for _, name := range []string{s.staging + "_swap", s.staging} {
			t, err := l.srv.table(ctx, l.db, name)
			if err != nil {
				return err
			}
			if t == nil || isPublishing(t.comment, s.loadID) {
				continue
			}
			if err := l.exec(ctx, "drop staging "+l.db+"."+name+" left by load "+s.loadID, "DROP TABLE IF EXISTS "+qualified(l.db, name)+" SYNC"); err != nil {
				return err
			}
			dropped = true
		}
		if dropped && l.req.Staging != nil {
			l.sweepObjects(ctx, s.loadID)
		}
	}
	return nil
}

// sweepObjects removes the files a swept load left in this load's
// staging area (where that load staged, if it staged through the same
// area); a failure only leaves files behind, so it is logged.
func (l *load) sweepObjects(ctx context.Context, loadID string) {
	a, err := openArea(ctx, l.req)
	if err == nil {
		err = a.Remove(ctx, loadID)
	}
	if err != nil {
		logWarn("staging files of an abandoned load were not removed", "load_id", loadID, "error", err.Error())
	}
}
