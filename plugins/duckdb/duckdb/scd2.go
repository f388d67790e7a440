package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// scd2Columns are the history columns an scd2 target gets, with their
// types (none for another mode). is_current defaults to true so that
// adding it to a table loaded before makes its rows the current versions.
func (l *load) scd2Columns() [][2]string {
	if l.req.Mode != sdk.ModeSCD2 {
		return nil
	}
	o := l.strategy.SCD2
	return [][2]string{{o.ValidFrom, "TIMESTAMPTZ"}, {o.ValidTo, "TIMESTAMPTZ"}, {o.IsCurrent, "BOOLEAN DEFAULT true"}}
}

// scd2Time is the load time of an scd2 load: the lineage load time (the
// run's start), else now.
func (l *load) scd2Time() (time.Time, error) {
	if lg := l.opts.Lineage; lg != nil && lg.LoadedAt != "" {
		at, err := time.Parse(time.RFC3339Nano, lg.LoadedAt)
		if err != nil {
			return at, sdk.Errorf(sdk.CodeConfig, "lineage loaded_at %q: want RFC 3339: %w", lg.LoadedAt, err)
		}
		return at, nil
	}
	return time.Now().UTC(), nil
}

// applySCD2 versions the target by the staged rows (see sdk.SCD2), in the
// commit transaction: it refuses duplicate keys, NULL keys and a load
// time before a current version's start, ends the current versions whose tracked
// columns changed (and, with hard_deletes close, those of keys the load
// lacks), updates untracked columns of unchanged current versions in
// place, and inserts a version for every staged key without a current
// one.
func (l *load) applySCD2(ctx context.Context, tx *sql.Tx, exec modeExec) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	o, keys := l.strategy.SCD2, l.req.UniqueKey
	target := qualified(l.schema, l.req.Target.Name)
	var lcols []string
	if l.lineageOn() {
		lcols = []string{l.opts.Lineage.RunIDColumn, l.opts.Lineage.LoadedAtColumn}
	}
	names := slices.DeleteFunc(fieldNames(l.req.Schema), func(n string) bool { return slices.Contains(o.Columns(), n) })
	tracked, err := o.Tracked(names, keys, lcols)
	if err != nil {
		return res, err
	}
	var untracked []string
	for _, n := range names {
		if !slices.Contains(keys, n) && !slices.Contains(tracked, n) && !slices.Contains(lcols, n) {
			untracked = append(untracked, n)
		}
	}
	at, err := l.scd2Time()
	if err != nil {
		return res, err
	}
	staged, err := l.stagedRelation(nil)
	if err != nil {
		return res, err
	}
	vf, vt, cur := quote(o.ValidFrom), quote(o.ValidTo), quote(o.IsCurrent)

	var dups int64
	var example sql.NullString
	kl := columnList(keys, "")
	q := "SELECT count(*), min(k) FROM (SELECT CAST(ROW(" + kl + ") AS VARCHAR) AS k FROM " + qualified(l.schema, l.staging) +
		" GROUP BY " + kl + " HAVING count(*) > 1) AS d"
	if err := tx.QueryRowContext(ctx, q).Scan(&dups, &example); err != nil {
		return res, classify(fmt.Errorf("scd2: count duplicate keys of load %s: %w", l.req.LoadID, err))
	}
	if dups > 0 {
		return res, sdk.Errorf(sdk.CodeData, "mode scd2: %d keys appear more than once in load %s (e.g. %s = %s): one load holds one version per key; deduplicate the source or read fewer changes per run",
			dups, l.req.LoadID, kl, example.String)
	}
	var nullKeys int64
	nulls := make([]string, len(keys))
	for i, k := range keys {
		nulls[i] = quote(k) + " IS NULL"
	}
	q = "SELECT count(*) FROM " + qualified(l.schema, l.staging) + " WHERE " + strings.Join(nulls, " OR ")
	if err := tx.QueryRowContext(ctx, q).Scan(&nullKeys); err != nil {
		return res, classify(fmt.Errorf("scd2: count NULL keys of load %s: %w", l.req.LoadID, err))
	}
	if nullKeys > 0 {
		return res, sdk.Errorf(sdk.CodeData, "mode scd2: %d rows of load %s have a NULL in unique_key %s: a NULL key identifies no history; filter them out or choose another key",
			nullKeys, l.req.LoadID, kl)
	}
	var latest sql.NullTime
	q = "SELECT max(" + vf + ") FROM " + target + " WHERE " + cur + " AND " + vf + " > ?::TIMESTAMPTZ"
	if err := tx.QueryRowContext(ctx, q, at).Scan(&latest); err != nil {
		return res, classify(fmt.Errorf("scd2: latest version of %s: %w", target, err))
	}
	if latest.Valid {
		return res, sdk.Errorf(sdk.CodeData, "mode scd2: load time %s is before the start of a current version (%s = %s): history would run backwards; was the run's clock or a replayed load late?",
			at.UTC().Format(time.RFC3339Nano), o.ValidFrom, latest.Time.UTC().Format(time.RFC3339Nano))
	}

	current := "t." + cur + " AND " + keyMatch("t", "s", keys)
	if len(tracked) > 0 {
		q := "UPDATE " + target + " AS t SET " + vt + " = ?::TIMESTAMPTZ, " + cur + " = false FROM " + staged + " AS s WHERE " +
			current + " AND (" + distinct("t", "s", tracked) + ")"
		if res.RowsUpdated, err = exec("scd2 (end changed versions) of", q, at); err != nil {
			return res, err
		}
	}
	if o.HardDeletes == sdk.HardDeletesClose {
		q := "UPDATE " + target + " AS t SET " + vt + " = ?::TIMESTAMPTZ, " + cur + " = false WHERE t." + cur +
			" AND NOT EXISTS (SELECT 1 FROM " + qualified(l.schema, l.staging) + " AS s WHERE " + keyMatch("t", "s", keys) + ")"
		if res.RowsDeleted, err = exec("scd2 (end versions of missing keys) of", q, at); err != nil {
			return res, err
		}
	}
	if len(untracked) > 0 {
		sets := make([]string, 0, len(untracked)+2)
		for _, c := range untracked {
			sets = append(sets, quote(c)+" = s."+quote(c))
		}
		var args []any
		if l.lineageOn() {
			sets = append(sets, quote(lcols[0])+" = ?::VARCHAR", quote(lcols[1])+" = ?::TIMESTAMPTZ")
			args = append(args, l.opts.Lineage.RunID, l.loadedAt)
		}
		q := "UPDATE " + target + " AS t SET " + strings.Join(sets, ", ") + " FROM " + staged + " AS s WHERE " +
			current + " AND (" + distinct("t", "s", untracked) + ")"
		n, err := exec("scd2 (update untracked columns) of", q, args...)
		if err != nil {
			return res, err
		}
		res.RowsUpdated += n
	}
	cols, vals := columnList(names, ""), columnList(names, "s.")
	var args []any
	if l.lineageOn() {
		cols += ", " + columnList(lcols, "")
		vals += ", ?::VARCHAR, ?::TIMESTAMPTZ"
		args = append(args, l.opts.Lineage.RunID, l.loadedAt)
	}
	cols += ", " + columnList(o.Columns(), "")
	vals += ", ?::TIMESTAMPTZ, NULL, true"
	args = append(args, at)
	ins := "INSERT INTO " + target + " (" + cols + ") SELECT " + vals + " FROM " + staged + " AS s WHERE NOT EXISTS (SELECT 1 FROM " +
		target + " AS t WHERE " + current + ")"
	if res.RowsInserted, err = exec("scd2 (insert versions) into", ins, args...); err != nil {
		return res, err
	}
	return res, nil
}

// distinct renders "a.c1 IS DISTINCT FROM b.c1 OR ..." for cols.
func distinct(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = a + "." + quote(c) + " IS DISTINCT FROM " + b + "." + quote(c)
	}
	return strings.Join(parts, " OR ")
}
