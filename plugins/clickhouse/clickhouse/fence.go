package clickhouse

import (
	"context"
	"fmt"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// fencesTable keeps, per unit (manifest, unit), the highest lock
// generation that reached the target database (see sdk.Fence).
const fencesTable = "_dpone_fences"

// ensureFenceTables creates the fences table and gives the receipts
// table its manifest and unit columns.
func (l *load) ensureFenceTables(ctx context.Context) error {
	q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (manifest String, unit String, generation Int64,
		updated_at DateTime64(6, 'UTC') DEFAULT now64(6)) ENGINE = ReplacingMergeTree(generation) ORDER BY (manifest, unit)`,
		qualified(l.db, fencesTable))
	if err := l.exec(ctx, "create "+l.db+"."+fencesTable, q); err != nil {
		return err
	}
	return l.ensureReceipts(ctx)
}

// raiseFence raises the unit's fence to the request's generation and
// fails when it is higher already: a newer holder of the unit's lock has
// been here. ClickHouse has no transactions: the fence is read, then
// raised, then checked again after the raise, so of two holders racing
// the older one fails; a takeover between CommitLoad's check and its
// publish step is the window it cannot close (docs/guarantees.md).
// Without a fence in the request it does nothing.
func (l *load) raiseFence(ctx context.Context) error {
	f := l.req.Fence
	if !f.Set() {
		return nil
	}
	cur, err := l.fence(ctx)
	if err != nil {
		return err
	}
	if cur > f.Generation {
		return f.StaleError(l.req.LoadID, cur)
	}
	if cur < f.Generation {
		ictx := ch.Context(ctx, ch.WithSettings(ch.Settings{"async_insert": 0}))
		q := "INSERT INTO " + qualified(l.db, fencesTable) + " (manifest, unit, generation) VALUES (?, ?, ?)"
		if err := l.srv.conn.Exec(detach(ictx), q, f.Manifest, f.Unit, f.Generation); err != nil {
			return classify(fmt.Errorf("raise the fence of unit %s: %w", f, err))
		}
		if cur, err = l.fence(ctx); err != nil {
			return err
		}
		if cur > f.Generation {
			return f.StaleError(l.req.LoadID, cur)
		}
	}
	return nil
}

// fence is the unit's highest generation in the target database (0: none).
func (l *load) fence(ctx context.Context) (int64, error) {
	f := l.req.Fence
	var cur int64
	q := "SELECT toInt64(ifNull(max(generation), 0)) FROM " + qualified(l.db, fencesTable) + " WHERE manifest = ? AND unit = ?"
	if err := l.srv.conn.QueryRow(detach(ctx), q, f.Manifest, f.Unit).Scan(&cur); err != nil {
		return 0, classify(fmt.Errorf("read the fence of unit %s: %w", f, err))
	}
	return cur, nil
}

// checkSharedTarget refuses a target whose receipts name another manifest
// or unit, unless the load's unit set shared_target.
func (l *load) checkSharedTarget(ctx context.Context) error {
	f := l.req.Fence
	if f.Manifest == "" || f.SharedTarget {
		return nil
	}
	rows, err := l.srv.conn.Query(detach(ctx), "SELECT manifest, unit FROM "+qualified(l.db, receiptsTable)+
		" WHERE target = ? AND manifest != '' AND (manifest != ? OR unit != ?) LIMIT 1", l.targetName(), f.Manifest, f.Unit)
	if err != nil {
		return classify(fmt.Errorf("read receipts of %s: %w", l.targetName(), err))
	}
	defer rows.Close()
	if rows.Next() {
		var m, u string
		if err := rows.Scan(&m, &u); err != nil {
			return classify(fmt.Errorf("read receipts of %s: %w", l.targetName(), err))
		}
		return f.SharedTargetError(l.targetName(), m, u)
	}
	return classify(rows.Err())
}

// fenceCheck is the fencing of BeginLoad and CommitLoad: the tables, the
// fence raised (or a stale generation refused), the target checked for
// another writer.
func (l *load) fenceCheck(ctx context.Context) error {
	if !l.req.Fence.Set() && l.req.Fence.Manifest == "" {
		return l.ensureReceipts(ctx)
	}
	if err := l.ensureFenceTables(ctx); err != nil {
		return err
	}
	if err := l.raiseFence(ctx); err != nil {
		return err
	}
	return l.checkSharedTarget(ctx)
}

// targetName is the target as receipts name it.
func (l *load) targetName() string { return l.db + "." + l.req.Target.Name }
