package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// scd2 publishes by rebuilding, like replace and snapshot_diff
// (rebuild.go): a swap table in the target's shape, marked with the load,
// gets every target row (the current versions the load ends get valid_to
// = the load time and is_current = false; those whose untracked columns
// alone changed get the staged values) and a new version for every staged
// key without an unchanged current one; then one EXCHANGE TABLES (RENAME
// for a new target) swaps it in. Readers see the old history or the new
// one; a crash before the exchange leaves the target untouched, one after
// it is recognized by the marker and only the receipt is written. The
// cost is a copy of the whole history per load. Keys match by equality;
// a staged NULL key is refused (DATA).

// historyType is the type of the valid_from and valid_to columns.
const historyType = "Nullable(DateTime64(6, 'UTC'))"

// scd2Columns adds the history columns to table when it lacks them (the
// target before staging is created in its shape, then staging). is_current
// defaults to true so that the rows of a table loaded before become the
// current versions.
func (l *load) scd2Columns(ctx context.Context, table string) error {
	if l.req.Mode != sdk.ModeSCD2 {
		return nil
	}
	o := l.strategy.SCD2
	q := fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s, ADD COLUMN IF NOT EXISTS %s %s, ADD COLUMN IF NOT EXISTS %s Bool DEFAULT true",
		qualified(l.db, table), quote(o.ValidFrom), historyType, quote(o.ValidTo), historyType, quote(o.IsCurrent))
	return l.exec(ctx, "add the scd2 history columns to "+table, q)
}

// scd2Engine refuses, at BeginLoad, an scd2 target whose engine merges
// rows (ReplacingMergeTree and kin would collapse a key's versions into
// one): t is the existing target, nil for one the load creates.
func (l *load) scd2Engine(t *tableInfo) error {
	if l.req.Mode != sdk.ModeSCD2 {
		return nil
	}
	engine := l.engine()
	if t != nil {
		engine = t.engine
	}
	for _, e := range []string{"Replacing", "Collapsing", "Summing", "Aggregating"} {
		if strings.Contains(engine, e) {
			return sdk.Errorf(sdk.CodeSchema, "mode scd2: target %s.%s has engine %s, which merges rows and would collapse a key's versions: use a MergeTree (drop sink.options.engine, or load another target)",
				l.db, l.req.Target.Name, engine)
		}
	}
	return nil
}

// scd2Time is the load time as a ClickHouse literal: the lineage load
// time (the run's start), else now.
func (l *load) scd2Time() (time.Time, string, error) {
	at := time.Now().UTC()
	if lg := l.req.Load.Lineage; lg != nil && lg.LoadedAt != "" {
		var err error
		if at, err = time.Parse(time.RFC3339Nano, lg.LoadedAt); err != nil {
			return at, "", sdk.Errorf(sdk.CodeConfig, "lineage loaded_at %q: want RFC 3339: %w", lg.LoadedAt, err)
		}
	}
	return at, fmt.Sprintf("toDateTime64(%s, 6, 'UTC')", literal(at.UTC().Format("2006-01-02 15:04:05.000000"))), nil
}

// publishSCD2 publishes an scd2 load into target t (nil: absent) and
// writes the receipt.
func (l *load) publishSCD2(ctx context.Context, t *tableInfo, rows int64, receipt json.RawMessage) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	o, keys := l.strategy.SCD2, l.req.UniqueKey
	var lcols []string
	if lg := l.lineage(); lg != nil {
		lcols = []string{lg.RunIDColumn, lg.LoadedAtColumn}
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
	at, atSQL, err := l.scd2Time()
	if err != nil {
		return res, err
	}
	staging, swap := qualified(l.db, l.staging), qualified(l.db, l.swap())
	kl := columnList(keys)
	var dups uint64
	var example string
	q := "SELECT count(), any(k) FROM (SELECT toString(tuple(" + kl + ")) AS k FROM " + staging + " GROUP BY " + kl + " HAVING count() > 1)"
	if err := l.srv.conn.QueryRow(detach(ctx), q).Scan(&dups, &example); err != nil {
		return res, classify(fmt.Errorf("scd2: count duplicate keys of load %s: %w", l.req.LoadID, err))
	}
	if dups > 0 {
		return res, sdk.Errorf(sdk.CodeData, "mode scd2: %d keys appear more than once in load %s (e.g. %s = %s): one load holds one version per key; deduplicate the source or read fewer changes per run",
			dups, l.req.LoadID, kl, example)
	}
	nulls := make([]string, len(keys))
	for i, k := range keys {
		nulls[i] = "isNull(" + quote(k) + ")"
	}
	var nullKeys uint64
	if err := l.srv.conn.QueryRow(detach(ctx), "SELECT count() FROM "+staging+" WHERE "+strings.Join(nulls, " OR ")).Scan(&nullKeys); err != nil {
		return res, classify(fmt.Errorf("scd2: count NULL keys of load %s: %w", l.req.LoadID, err))
	}
	if nullKeys > 0 {
		return res, sdk.Errorf(sdk.CodeData, "mode scd2: %d rows of load %s have a NULL in unique_key %s: a NULL key identifies no history; filter them out or choose another key",
			nullKeys, l.req.LoadID, kl)
	}
	vf, vt, cur := quote(o.ValidFrom), quote(o.ValidTo), quote(o.IsCurrent)
	target := ""
	if t != nil {
		target = qualified(l.db, l.req.Target.Name) + final(t.engine)
		var later uint64
		q := "SELECT count() FROM " + target + " WHERE " + cur + " AND " + vf + " > " + atSQL
		if err := l.srv.conn.QueryRow(detach(ctx), q).Scan(&later); err != nil {
			return res, classify(fmt.Errorf("scd2: latest version of %s.%s: %w", l.db, l.req.Target.Name, err))
		}
		if later > 0 {
			return res, sdk.Errorf(sdk.CodeData, "mode scd2: load time %s is before the start of %d current versions (%s): history would run backwards; was the run's clock or a replayed load late?",
				at.UTC().Format(time.RFC3339Nano), later, o.ValidFrom)
		}
	}
	if err := l.exec(ctx, "drop old swap table", "DROP TABLE IF EXISTS "+swap+" SYNC"); err != nil {
		return res, err
	}
	if err := l.exec(ctx, "create swap table", "CREATE TABLE "+swap+" AS "+staging+" COMMENT "+literal(loadMarker+l.req.LoadID)); err != nil {
		return res, err
	}
	ictx := ch.Context(ctx, ch.WithSettings(ch.Settings{"async_insert": 0, "insert_deduplicate": 0, "max_partitions_per_insert_block": 0}))
	insert := func(what, q string) error {
		if err := l.srv.conn.Exec(detach(ictx), "INSERT INTO "+swap+" "+q); err != nil {
			return classify(fmt.Errorf("scd2: %s: %w", what, err))
		}
		return nil
	}
	fresh := "SELECT * REPLACE (" + atSQL + " AS " + vf + ", CAST(NULL AS " + historyType + ") AS " + vt + ", true AS " + cur + ") FROM " + staging
	if t != nil {
		hit := "s._dpone_hit = 1"
		changed := hit + " AND (" + distinctCH("t", "s", tracked) + ")"
		ends := "t." + cur + " AND ((" + changed + ")"
		if o.HardDeletes == sdk.HardDeletesClose {
			ends += " OR s._dpone_hit = 0"
		}
		ends += ")"
		repl := []string{"if(" + ends + ", " + atSQL + ", t." + vt + ") AS " + vt, "if(" + ends + ", false, t." + cur + ") AS " + cur}
		if len(untracked) > 0 {
			inPlace := "t." + cur + " AND " + hit + " AND NOT (" + distinctCH("t", "s", tracked) + ") AND (" + distinctCH("t", "s", untracked) + ")"
			for _, c := range append(slices.Clone(untracked), lcols...) {
				repl = append(repl, "if("+inPlace+", s."+quote(c)+", t."+quote(c)+") AS "+quote(c))
			}
		}
		q := "SELECT t.* REPLACE (" + strings.Join(repl, ", ") + ") FROM " + target + " AS t LEFT JOIN (SELECT *, toUInt8(1) AS _dpone_hit FROM " +
			staging + ") AS s USING (" + kl + ")"
		if err := insert("copy the history of "+l.req.Target.Name, q); err != nil {
			return res, err
		}
		unchanged := "SELECT " + kl + " FROM " + target + " AS t INNER JOIN " + staging + " AS s USING (" + kl + ") WHERE t." + cur +
			" AND NOT (" + distinctCH("t", "s", tracked) + ")"
		fresh += " WHERE (" + kl + ") NOT IN (" + unchanged + ")"
	}
	if err := insert("insert new versions", fresh); err != nil {
		return res, err
	}
	var inserted uint64
	if err := l.srv.conn.QueryRow(detach(ctx), "SELECT count() FROM "+swap+" WHERE "+vf+" = "+atSQL+" AND "+cur).Scan(&inserted); err != nil {
		return res, classify(fmt.Errorf("scd2: count new versions: %w", err))
	}
	res.RowsInserted = int64(inserted)
	publish := "EXCHANGE TABLES " + swap + " AND " + qualified(l.db, l.req.Target.Name)
	if t == nil {
		publish = "RENAME TABLE " + swap + " TO " + qualified(l.db, l.req.Target.Name)
	}
	if err := l.exec(ctx, "publish "+l.req.Target.Name, publish); err != nil {
		return res, err
	}
	if err := l.writeReceipt(ctx, rows, receipt); err != nil {
		return res, err
	}
	return res, l.dropDebris(ctx)
}

// distinctCH is "a.c IS DISTINCT FROM b.c OR ..." in ClickHouse, which
// has no such operator outside JOIN ON: NULL equals NULL and differs from
// any value. With no columns it is false.
func distinctCH(a, b string, cols []string) string {
	if len(cols) == 0 {
		return "false"
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		x, y := a+"."+quote(c), b+"."+quote(c)
		parts[i] = "(isNull(" + x + ") != isNull(" + y + ") OR ifNull(" + x + " != " + y + ", 0))"
	}
	return strings.Join(parts, " OR ")
}
