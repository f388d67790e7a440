package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// scd2Defs are the history columns an scd2 target gets (none for another
// mode). is_current defaults to true so that adding it to a table loaded
// before makes its rows the current versions (valid_from NULL).
func (l *load) scd2Defs() []string {
	if l.req.Mode != sdk.ModeSCD2 {
		return nil
	}
	o := l.strategy.SCD2
	return []string{ident(o.ValidFrom) + " timestamptz", ident(o.ValidTo) + " timestamptz",
		ident(o.IsCurrent) + " boolean DEFAULT true"}
}

// scd2Time is the load time of an scd2 load: the lineage load time (the
// run's start), else the commit transaction's clock.
func (l *load) scd2Time(ctx context.Context, tx pgx.Tx) (string, error) {
	if lg := l.opts.Lineage; lg != nil && lg.LoadedAt != "" {
		return lg.LoadedAt, nil
	}
	var now time.Time
	if err := tx.QueryRow(ctx, "SELECT now()").Scan(&now); err != nil {
		return "", err
	}
	return now.UTC().Format(time.RFC3339Nano), nil
}

// applySCD2 versions the target by the staged rows (see sdk.SCD2), in the
// commit transaction: it refuses duplicate keys, NULL keys and a load time
// before a current version's start, ends the current versions whose tracked
// columns changed (and, with hard_deletes close, those of keys the load
// lacks), updates untracked columns of unchanged current versions in
// place, and inserts a version for every staged key without a current one
// (new keys, changed keys, keys closed before).
func (l *load) applySCD2(ctx context.Context, tx pgx.Tx, names []string) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	o, keys := l.strategy.SCD2, l.req.UniqueKey
	lcols, lvals, largs := l.lineageCols()
	names = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(o.Columns(), n) })
	tracked, err := o.Tracked(names, keys, lcols)
	if err != nil {
		return res, err
	}
	var untracked []string
	for _, n := range names {
		if !slices.Contains(keys, n) && !slices.Contains(tracked, n) {
			untracked = append(untracked, n)
		}
	}
	at, err := l.scd2Time(ctx, tx)
	if err != nil {
		return res, err
	}
	vf, vt, cur := ident(o.ValidFrom), ident(o.ValidTo), ident(o.IsCurrent)

	var dups int64
	var example *string
	kl := identList(keys)
	if err := tx.QueryRow(ctx, "SELECT count(*), min(k) FROM (SELECT ROW("+kl+")::text AS k FROM "+l.staging+
		" GROUP BY "+kl+" HAVING count(*) > 1) d").Scan(&dups, &example); err != nil {
		return res, err
	}
	if dups > 0 {
		return res, sdk.Errorf(sdk.CodeData, "mode scd2: %d keys appear more than once in load %s (e.g. %s = %s): one load holds one version per key; deduplicate the source or read fewer changes per run",
			dups, l.req.LoadID, kl, *example)
	}
	// The current versions by key: what every statement below looks up.
	idx := l.req.Target.Name + "_dpone_current"
	if len(idx) > 63 {
		idx = idx[:63]
	}
	if _, err := tx.Exec(ctx, "CREATE INDEX IF NOT EXISTS "+ident(idx)+" ON "+l.target+" ("+kl+") WHERE "+cur); err != nil {
		return res, err
	}
	var nullKeys int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+l.staging+" WHERE "+anyNull(keys)).Scan(&nullKeys); err != nil {
		return res, err
	}
	if nullKeys > 0 {
		return res, sdk.Errorf(sdk.CodeData, "mode scd2: %d rows of load %s have a NULL in unique_key %s: a NULL key identifies no history; filter them out or choose another key",
			nullKeys, l.req.LoadID, kl)
	}
	var latest *time.Time
	if err := tx.QueryRow(ctx, "SELECT max("+vf+") FROM "+l.target+" WHERE "+cur+" AND "+vf+" > $1::timestamptz", at).Scan(&latest); err != nil {
		return res, err
	}
	if latest != nil {
		return res, sdk.Errorf(sdk.CodeData, "mode scd2: load time %s is before the start of a current version (%s = %s): history would run backwards; was the run's clock or a replayed load late?",
			at, o.ValidFrom, latest.UTC().Format(time.RFC3339Nano))
	}

	// Keys hold no NULL (refused above): equality lets the planner hash
	// or index the joins (IS NOT DISTINCT FROM would nest loops).
	current := "t." + cur + " AND " + keyEqual("t", "s", keys)
	if len(tracked) > 0 {
		q := "UPDATE " + l.target + " t SET " + vt + " = $1::timestamptz, " + cur + " = false FROM " + l.staging + " s WHERE " +
			current + " AND (" + distinct("t", "s", tracked) + ")"
		tag, err := tx.Exec(ctx, q, at)
		if err != nil {
			return res, err
		}
		res.RowsUpdated += tag.RowsAffected()
	}
	if o.HardDeletes == sdk.HardDeletesClose {
		q := "UPDATE " + l.target + " t SET " + vt + " = $1::timestamptz, " + cur + " = false WHERE t." + cur +
			" AND NOT EXISTS (SELECT 1 FROM " + l.staging + " s WHERE " + keyEqual("t", "s", keys) + ")"
		tag, err := tx.Exec(ctx, q, at)
		if err != nil {
			return res, err
		}
		res.RowsDeleted = tag.RowsAffected()
	}
	if len(untracked) > 0 {
		sets := make([]string, 0, len(untracked)+len(lcols))
		for _, c := range untracked {
			sets = append(sets, ident(c)+" = s."+ident(c))
		}
		for i, c := range lcols {
			sets = append(sets, ident(c)+" = "+lvals[i])
		}
		q := "UPDATE " + l.target + " t SET " + strings.Join(sets, ", ") + " FROM " + l.staging + " s WHERE " +
			current + " AND (" + distinct("t", "s", untracked) + ")"
		tag, err := tx.Exec(ctx, q, largs...)
		if err != nil {
			return res, err
		}
		res.RowsUpdated += tag.RowsAffected()
	}
	args := append(slices.Clone(largs), at)
	into := append(append(slices.Clone(names), lcols...), o.Columns()...)
	sel := append(append(qualifiedCols("s", names), lvals...), fmt.Sprintf("$%d::timestamptz", len(args)), "NULL::timestamptz", "true")
	q := "INSERT INTO " + l.target + " (" + identList(into) + ") SELECT " + strings.Join(sel, ", ") + " FROM " + l.staging +
		" s WHERE NOT EXISTS (SELECT 1 FROM " + l.target + " t WHERE " + current + ")"
	tag, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return res, err
	}
	res.RowsInserted = tag.RowsAffected()
	return res, nil
}

// keyEqual renders "a.k1 = b.k1 AND ..." for cols.
func keyEqual(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = a + "." + ident(c) + " = " + b + "." + ident(c)
	}
	return strings.Join(parts, " AND ")
}

// anyNull renders "k1 IS NULL OR ..." for cols.
func anyNull(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = ident(c) + " IS NULL"
	}
	return strings.Join(parts, " OR ")
}

// distinct renders "a.c1 IS DISTINCT FROM b.c1 OR ..." for cols.
func distinct(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = a + "." + ident(c) + " IS DISTINCT FROM " + b + "." + ident(c)
	}
	return strings.Join(parts, " OR ")
}

// qualifiedCols renders "p.c" for every column.
func qualifiedCols(p string, cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p + "." + ident(c)
	}
	return out
}
