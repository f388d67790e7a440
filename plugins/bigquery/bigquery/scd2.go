package bigquery

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// scd2 (history tables, docs/manifest.md "History tables") in BigQuery:
// CommitLoad first checks the staged load with one query (checkSCD2:
// duplicate keys, NULL keys, a load time before a current version's
// start are DATA errors before any change), then the publish script
// versions the target in its transaction, with the receipt
// (scd2Statements). A target the sink creates gets the three history
// columns (historyColumns); an existing target without them gets them at
// BeginLoad (addHistoryColumns), its rows becoming current versions with
// valid_from NULL at the first commit.

// scd2TimeFormat renders a TIMESTAMP in the check query's answers.
const scd2TimeFormat = "'%Y-%m-%dT%H:%M:%E6SZ'"

// historyColumns are the columns an scd2 target gets beside the load's
// and the lineage columns (none for another mode).
func (l *load) historyColumns() []column {
	if l.req.Mode != sdk.ModeSCD2 {
		return nil
	}
	o := l.strategy.SCD2
	return []column{{Name: o.ValidFrom, Type: "TIMESTAMP"}, {Name: o.ValidTo, Type: "TIMESTAMP"}, {Name: o.IsCurrent, Type: "BOOL"}}
}

// isHistoryColumn reports a column scd2 sets itself: a loaded column of
// that name is not a column of the load.
func (l *load) isHistoryColumn(name string) bool {
	return l.req.Mode == sdk.ModeSCD2 && slices.Contains(l.strategy.SCD2.Columns(), name)
}

// scd2At is the load time: the lineage load time (the run's start), else
// the script's clock (CURRENT_TIMESTAMP() in a DECLARE is read once).
func (l *load) scd2At() string {
	if lg := l.req.Load.Lineage; lg != nil && lg.LoadedAt != "" {
		return "TIMESTAMP(@loaded_at)"
	}
	return "CURRENT_TIMESTAMP()"
}

// lineageValues are the lineage columns and the values a publish writes
// into them.
func (l *load) lineageValues() (cols, vals []string) {
	if lg := l.req.Load.Lineage; lg != nil {
		if lg.RunIDColumn != "" {
			cols, vals = append(cols, lg.RunIDColumn), append(vals, "@run_id")
		}
		if lg.LoadedAtColumn != "" {
			cols, vals = append(cols, lg.LoadedAtColumn), append(vals, "TIMESTAMP(@loaded_at)")
		}
	}
	return cols, vals
}

// scd2Columns splits the staged columns (history columns dropped) into
// the tracked and the untracked ones (neither key nor lineage).
func (l *load) scd2Columns(names []string) (loaded, tracked, untracked []string, err error) {
	o, keys := l.strategy.SCD2, l.strategy.UniqueKey
	lcols, _ := l.lineageValues()
	loaded = slices.DeleteFunc(slices.Clone(names), l.isHistoryColumn)
	if tracked, err = o.Tracked(loaded, keys, lcols); err != nil {
		return nil, nil, nil, err
	}
	for _, n := range loaded {
		if !slices.Contains(keys, n) && !slices.Contains(tracked, n) && !slices.Contains(lcols, n) {
			untracked = append(untracked, n)
		}
	}
	return loaded, tracked, untracked, nil
}

// scd2Statements are the publish script's statements for scd2: pre
// declares the load time (one instant for every version the load opens
// or closes); body runs in the transaction, after the fence check:
//
//  1. a guard repeating checkSCD2's checks inside the transaction (a
//     writer that changed the target since fails here, nothing applied);
//  2. rows without is_current (a table loaded before scd2 added the
//     history columns) become current versions;
//  3. current versions whose tracked columns differ from the staged row
//     end at the load time;
//  4. with hard_deletes close, current versions of keys staging lacks end;
//  5. current versions whose untracked columns differ are updated in
//     place, with the load's lineage;
//  6. every staged key without a current version (new, changed, closed
//     before) gets one from the load time.
//
// Keys match by equality: staging holds no NULL key (checked).
func (l *load) scd2Statements(names []string) (pre, body []string, err error) {
	loaded, tracked, untracked, err := l.scd2Columns(names)
	if err != nil {
		return nil, nil, err
	}
	o, keys := l.strategy.SCD2, l.strategy.UniqueKey
	vf, vt, cur := quoteIdent(o.ValidFrom), quoteIdent(o.ValidTo), quoteIdent(o.IsCurrent)
	current := "T." + cur + " AND " + keyEqual("T", "S", keys)
	pre = []string{"DECLARE scd2_at TIMESTAMP DEFAULT " + l.scd2At()}

	body = append(body, fmt.Sprintf("IF EXISTS (SELECT 1 FROM %[1]s GROUP BY %[2]s HAVING COUNT(*) > 1)\n"+
		"  OR EXISTS (SELECT 1 FROM %[1]s WHERE %[3]s)\n"+
		"  OR EXISTS (SELECT 1 FROM %[4]s WHERE %[5]s AND %[6]s > scd2_at) THEN\n"+
		"  RAISE USING MESSAGE = 'mode scd2: staging repeats a unique_key or holds a NULL one, or a current version starts after the load time: the target or staging changed after the check; nothing was committed';\nEND IF",
		l.staging, identList(keys), anyNull("", keys), l.target, cur, vf))
	body = append(body, fmt.Sprintf("UPDATE %s SET %s = TRUE WHERE %s IS NULL", l.target, cur, cur))
	if len(tracked) > 0 {
		body = append(body, fmt.Sprintf("UPDATE %s T SET %s = scd2_at, %s = FALSE\nFROM %s S\nWHERE %s AND (%s)",
			l.target, vt, cur, l.staging, current, l.changed(tracked)))
	}
	if o.HardDeletes == sdk.HardDeletesClose {
		body = append(body, fmt.Sprintf("UPDATE %s T SET %s = scd2_at, %s = FALSE\nWHERE T.%s AND NOT EXISTS (SELECT 1 FROM %s S WHERE %s)",
			l.target, vt, cur, cur, l.staging, keyEqual("T", "S", keys)))
	}
	lcols, lvals := l.lineageValues()
	if len(untracked) > 0 {
		exprs := l.selectExprs("S.", untracked)
		sets := make([]string, 0, len(untracked)+len(lcols))
		for i, c := range untracked {
			sets = append(sets, quoteIdent(c)+" = "+exprs[i])
		}
		for i, c := range lcols {
			sets = append(sets, quoteIdent(c)+" = "+lvals[i])
		}
		body = append(body, fmt.Sprintf("UPDATE %s T SET %s\nFROM %s S\nWHERE %s AND (%s)",
			l.target, strings.Join(sets, ", "), l.staging, current, l.changed(untracked)))
	}
	into := append(append(slices.Clone(loaded), lcols...), o.Columns()...)
	vals := append(append(l.selectExprs("S.", loaded), lvals...), "scd2_at", "CAST(NULL AS TIMESTAMP)", "TRUE")
	body = append(body, fmt.Sprintf("INSERT INTO %s (%s)\nSELECT %s FROM %s S\nWHERE NOT EXISTS (SELECT 1 FROM %s T WHERE %s)",
		l.target, identList(into), strings.Join(vals, ", "), l.staging, l.target, current))
	return pre, body, nil
}

// changed is true when a target version (T) and its staged row (S)
// differ in one of cols: NULL equals NULL and differs from a value.
// JSON, arrays, structs and maps, which BigQuery cannot compare, are
// compared as their JSON text.
func (l *load) changed(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		t, s := "T."+quoteIdent(c), l.selectExprs("S.", []string{c})[0]
		f, ok := l.req.Schema.FieldsByName(c)
		if ok && !sqlComparable(f[0]) {
			parts[i] = fmt.Sprintf("((%s IS NULL) <> (%s IS NULL) OR TO_JSON_STRING(%s) <> TO_JSON_STRING(%s))", t, s, t, s)
			continue
		}
		parts[i] = t + " IS DISTINCT FROM " + s
	}
	return strings.Join(parts, " OR ")
}

// sqlComparable reports a column BigQuery compares with IS DISTINCT FROM.
func sqlComparable(f arrow.Field) bool {
	if isJSON(f) {
		return false
	}
	switch f.Type.(type) {
	case arrow.ListLikeType, *arrow.StructType:
		return false
	}
	return true
}

// keyEqual renders "a.k1 = b.k1 AND ..." for cols.
func keyEqual(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = a + "." + quoteIdent(c) + " = " + b + "." + quoteIdent(c)
	}
	return strings.Join(parts, " AND ")
}

// anyNull renders "p.k1 IS NULL OR ..." for cols (p "" for none).
func anyNull(p string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = p + quoteIdent(c) + " IS NULL"
	}
	return strings.Join(parts, " OR ")
}

// scd2CheckSQL is checkSCD2's one query: whether the load committed
// already, how many keys staging repeats (and the least of them as
// JSON), how many staged rows have a NULL key, the latest start of a
// current version after the load time, and the load time.
func (l *load) scd2CheckSQL() string {
	o, keys := l.strategy.SCD2, l.strategy.UniqueKey
	kl := identList(keys)
	dups := fmt.Sprintf("SELECT %s FROM %s GROUP BY %s HAVING COUNT(*) > 1", kl, l.staging, kl)
	return fmt.Sprintf("SELECT\n"+
		"  (SELECT COUNT(*) FROM %s WHERE load_id = @load_id) AS done,\n"+
		"  (SELECT COUNT(*) FROM (%s)) AS duplicate_keys,\n"+
		"  (SELECT MIN(TO_JSON_STRING(STRUCT(%s))) FROM (%s)) AS example,\n"+
		"  (SELECT COUNT(*) FROM %s WHERE %s) AS null_keys,\n"+
		"  (SELECT FORMAT_TIMESTAMP(%s, MAX(%s), 'UTC') FROM %s WHERE %s AND %s > %s) AS latest,\n"+
		"  FORMAT_TIMESTAMP(%s, %s, 'UTC') AS load_time",
		l.receipts, dups, kl, dups, l.staging, anyNull("", keys),
		scd2TimeFormat, quoteIdent(o.ValidFrom), l.target, quoteIdent(o.IsCurrent), quoteIdent(o.ValidFrom), l.scd2At(),
		scd2TimeFormat, l.scd2At())
}

// scd2Check is the answer of scd2CheckSQL.
type scd2Check struct {
	done                bool
	duplicates, nulls   int64
	example             string
	latest, loadTime    string
	validFrom, keyNames string
}

// parseSCD2Check reads scd2CheckSQL's one row.
func (l *load) parseSCD2Check(rows []*bq.TableRow) (scd2Check, error) {
	c := scd2Check{validFrom: l.strategy.SCD2.ValidFrom, keyNames: strings.Join(l.strategy.UniqueKey, ", ")}
	if len(rows) != 1 || len(rows[0].F) != 6 {
		return c, sdk.Errorf(sdk.CodeInternal, "bigquery sink: scd2 check of load %s: got %d rows, want one of 6 columns", l.req.LoadID, len(rows))
	}
	cell := func(i int) string {
		if s, ok := rows[0].F[i].V.(string); ok {
			return s
		}
		return ""
	}
	count := func(i int) (int64, error) {
		n, err := strconv.ParseInt(cell(i), 10, 64)
		if err != nil {
			return 0, sdk.Errorf(sdk.CodeInternal, "bigquery sink: scd2 check of load %s: column %d: %w", l.req.LoadID, i, err)
		}
		return n, nil
	}
	done, err := count(0)
	if err != nil {
		return c, err
	}
	c.done = done > 0
	if c.duplicates, err = count(1); err != nil {
		return c, err
	}
	if c.nulls, err = count(3); err != nil {
		return c, err
	}
	c.example, c.latest, c.loadTime = cell(2), cell(4), cell(5)
	return c, nil
}

// err is the DATA error the check found for load id, nil when the load
// may be applied (or committed already: its receipt makes the publish
// change nothing).
func (c scd2Check) err(loadID string) error {
	switch {
	case c.done:
		return nil
	case c.duplicates > 0:
		return sdk.Errorf(sdk.CodeData, "mode scd2: %d keys appear more than once in load %s (e.g. %s): one load holds one version per key; deduplicate the source or read fewer changes per run",
			c.duplicates, loadID, c.example)
	case c.nulls > 0:
		return sdk.Errorf(sdk.CodeData, "mode scd2: %d rows of load %s have a NULL in unique_key %s: a NULL key identifies no history; filter them out or choose another key",
			c.nulls, loadID, c.keyNames)
	case c.latest != "":
		return sdk.Errorf(sdk.CodeData, "mode scd2: load time %s is before the start of a current version (%s = %s): history would run backwards; was the run's clock or a replayed load late?",
			c.loadTime, c.validFrom, c.latest)
	}
	return nil
}

// checkSCD2 refuses, before any change, an scd2 load that repeats a
// key, has a NULL key or whose load time lies before the start of a
// current version: CommitLoad runs it once staging is filled, before the
// publish script, so these are DATA errors (a RAISE in the script is a
// CONFIG-coded invalidQuery). Other modes pass.
func (l *load) checkSCD2(ctx context.Context, cl *clients) error {
	if l.req.Mode != sdk.ModeSCD2 {
		return nil
	}
	p := map[string]string{"load_id": l.req.LoadID}
	if lg := l.req.Load.Lineage; lg != nil && lg.LoadedAt != "" {
		p["loaded_at"] = lg.LoadedAt
	}
	rows, err := l.queryRows(ctx, cl, "scd2 check of "+l.target, l.scd2CheckSQL(), p)
	if err != nil {
		return err
	}
	c, err := l.parseSCD2Check(rows)
	if err != nil {
		return err
	}
	return c.err(l.req.LoadID)
}

// historyDDL adds the history columns to an existing target.
func (l *load) historyDDL() string {
	adds := make([]string, 0, 3)
	for _, c := range l.historyColumns() {
		adds = append(adds, "ADD COLUMN IF NOT EXISTS "+quoteIdent(c.Name)+" "+c.Type)
	}
	return "ALTER TABLE " + l.target + " " + strings.Join(adds, ", ")
}

// addHistoryColumns gives an scd2 target that lacks a history column (a
// table loaded before by another mode) the three of them, after the
// begin script created or found it. Other modes pass; a target that has
// them is not altered (a metadata read, no DDL job).
func (l *load) addHistoryColumns(ctx context.Context, cl *clients) error {
	if l.req.Mode != sdk.ModeSCD2 {
		return nil
	}
	t, err := cl.bq.Tables.Get(l.cfg.Project, l.dataset, l.req.Target.Name).Context(ctx).Do()
	if err != nil {
		return classify("bigquery sink: describe scd2 target "+l.target, err)
	}
	have := map[string]bool{}
	if t.Schema != nil {
		for _, f := range t.Schema.Fields {
			have[strings.ToLower(f.Name)] = true
		}
	}
	missing := false
	for _, c := range l.historyColumns() {
		missing = missing || !have[strings.ToLower(c.Name)]
	}
	if !missing {
		return nil
	}
	_, err = cl.runJob(ctx, "bigquery sink: add the scd2 history columns to "+l.target, l.queryJob("scd2_columns", l.historyDDL(), nil))
	return err
}

// scd2Plan says, for plan, what the publish of an scd2 load does.
func (l *load) scd2Plan() string {
	o := l.strategy.SCD2
	closeMissing := ""
	if o.HardDeletes == sdk.HardDeletesClose {
		closeMissing = ", UPDATE ending the current versions of keys staging lacks (hard_deletes close)"
	}
	return fmt.Sprintf("scd2 history on %s (after a check query: a repeated or NULL key, or a load time before a current version's %s, is a DATA error and changes nothing): "+
		"UPDATE ending the current versions whose tracked columns changed (%s = the load time, %s = FALSE)%s, UPDATE of untracked columns in place, INSERT of a version for every staged key without a current one",
		identList(l.strategy.UniqueKey), quoteIdent(o.ValidFrom), quoteIdent(o.ValidTo), quoteIdent(o.IsCurrent), closeMissing)
}
