package bigquery

import (
	"fmt"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// publishScript is the one multi-statement query that publishes staging
// into the target and writes the load's receipt in the same transaction
// (BEGIN TRANSACTION … COMMIT TRANSACTION): a reader sees the whole load
// or none of it, and the receipt exists exactly when the rows do. A load
// whose receipt already exists changes nothing; a fenced-off load fails
// inside the transaction (fence.go). Parameters: @load_id, @target, @mode,
// @receipt, @manifest, @unit, @generation, and @run_id / @loaded_at for
// lineage.
func (l *load) publishScript() (string, error) {
	names := stagingFields(l.req.Schema)
	if err := l.checkColumns(names); err != nil {
		return "", err
	}
	cols, vals := l.insertLists(names)
	insert := fmt.Sprintf("INSERT INTO %s (%s)\nSELECT %s FROM %s", l.target, cols, vals, l.staging)
	var pre, body []string
	switch l.req.Mode {
	case sdk.ModeFullRefresh:
		body = []string{"TRUNCATE TABLE " + l.target, insert}
	case sdk.ModeAppend:
		body = []string{insert}
	case sdk.ModeMerge:
		pre = []string{l.uniqueGuard()}
		body = []string{l.mergeSQL(names, false)}
	case sdk.ModeReplace:
		pre = []string{fmt.Sprintf("IF NOT done AND EXISTS (SELECT 1 FROM %s WHERE NOT (%s) OR (%s) IS NULL) THEN\n"+
			"  RAISE USING MESSAGE = 'replace: staged rows lie outside strategy.where, so a rerun would not replace them: widen where or filter the source';\nEND IF",
			l.staging, l.strategy.Where, l.strategy.Where)}
		body = []string{fmt.Sprintf("DELETE FROM %s WHERE %s", l.target, l.strategy.Where), insert}
	case sdk.ModePartitionReplace:
		match := keyMatch("T", "S", l.strategy.PartitionBy)
		if l.part != nil { // the target is partitioned by partition_by: whole partitions
			match = l.part.partitionMatch()
		}
		body = []string{fmt.Sprintf("DELETE FROM %s T WHERE EXISTS (SELECT 1 FROM %s S WHERE %s)",
			l.target, l.staging, match), insert}
	case sdk.ModeSnapshotDiff:
		pre = append(l.deleteGuard(), l.uniqueGuard())
		body = []string{l.mergeSQL(names, true)}
	case sdk.ModeSCD2:
		var err error
		if pre, body, err = l.scd2Statements(names); err != nil {
			return "", err
		}
	default:
		return "", sdk.Errorf(sdk.CodeUnsupported, "bigquery sink: mode %q is not supported", l.req.Mode)
	}
	var b strings.Builder
	b.WriteString("DECLARE done BOOL DEFAULT (SELECT COUNT(*) > 0 FROM " + l.receipts + " WHERE load_id = @load_id);\n")
	for _, s := range pre {
		b.WriteString(s + ";\n")
	}
	b.WriteString("IF NOT done THEN\nBEGIN TRANSACTION;\n")
	b.WriteString(l.checkFenceSQL())
	b.WriteString(l.sharedTargetSQL())
	for _, s := range body {
		b.WriteString(s + ";\n")
	}
	fmt.Fprintf(&b, "INSERT INTO %s (load_id, target, mode, `rows`, receipt, committed_at, manifest, unit)\n"+
		"SELECT @load_id, @target, @mode, COUNT(*), @receipt, CURRENT_TIMESTAMP(), @manifest, @unit FROM %s;\n", l.receipts, l.staging)
	b.WriteString("COMMIT TRANSACTION;\nEND IF;\n")
	return b.String(), nil
}

// checkColumns refuses keys that are not columns of the load.
func (l *load) checkColumns(names []string) error {
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	need := map[string][]string{}
	switch l.req.Mode {
	case sdk.ModeMerge, sdk.ModeSnapshotDiff, sdk.ModeSCD2:
		need["unique_key"] = l.strategy.UniqueKey
	case sdk.ModePartitionReplace:
		need["partition_by"] = l.strategy.PartitionBy
	}
	for key, cols := range need {
		if len(cols) == 0 {
			return configErr("bigquery sink: mode %s needs %s in the sink strategy", l.req.Mode, key)
		}
		for _, c := range cols {
			if !has[c] {
				return configErr("bigquery sink: %s column %q is not a column of the load", key, c)
			}
		}
	}
	return nil
}

// insertLists are the INSERT's column list and SELECT list: the staging
// columns, then the lineage columns from parameters.
func (l *load) insertLists(names []string) (cols, vals string) {
	c := []string{identList(names)}
	v := []string{strings.Join(l.selectExprs("", names), ", ")}
	if lg := l.req.Load.Lineage; lg != nil {
		if lg.RunIDColumn != "" {
			c, v = append(c, quoteIdent(lg.RunIDColumn)), append(v, "@run_id")
		}
		if lg.LoadedAtColumn != "" {
			c, v = append(c, quoteIdent(lg.LoadedAtColumn)), append(v, "TIMESTAMP(@loaded_at)")
		}
	}
	return strings.Join(c, ", "), strings.Join(v, ", ")
}

// selectExprs are the staging columns as the target holds them: JSON,
// staged as STRING, is parsed (numbers keep their digits: wide_number_mode
// round is never used, a number JSON cannot hold is a DATA error).
func (l *load) selectExprs(alias string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = alias + quoteIdent(n)
		if f, ok := l.req.Schema.FieldsByName(n); ok && isJSON(f[0]) {
			out[i] = "PARSE_JSON(" + out[i] + ")"
		}
	}
	return out
}

// mergeSQL upserts staging into the target on unique_key; for
// snapshot_diff, target rows missing from staging are deleted (hard) or
// marked deleted (soft: the lineage loaded_at column is not touched, the
// deleted-at column is set).
func (l *load) mergeSQL(names []string, diff bool) string {
	keys := l.strategy.UniqueKey
	isKey := map[string]bool{}
	for _, k := range keys {
		isKey[k] = true
	}
	var sets, vals []string
	exprs := l.selectExprs("S.", names)
	for i, n := range names {
		vals = append(vals, exprs[i])
		if !isKey[n] {
			sets = append(sets, quoteIdent(n)+" = "+exprs[i])
		}
	}
	cols, _ := l.insertLists(names)
	if l.strategy.SoftDeletes() {
		sets = append(sets, quoteIdent(sdk.DeletedAtColumn)+" = NULL")
	}
	if lg := l.req.Load.Lineage; lg != nil {
		if lg.RunIDColumn != "" {
			sets, vals = append(sets, quoteIdent(lg.RunIDColumn)+" = @run_id"), append(vals, "@run_id")
		}
		if lg.LoadedAtColumn != "" {
			sets, vals = append(sets, quoteIdent(lg.LoadedAtColumn)+" = TIMESTAMP(@loaded_at)"), append(vals, "TIMESTAMP(@loaded_at)")
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "MERGE %s T\nUSING %s S\nON %s\n", l.target, l.staging, keyMatch("T", "S", keys))
	if len(sets) > 0 {
		b.WriteString("WHEN MATCHED THEN UPDATE SET " + strings.Join(sets, ", ") + "\n")
	}
	fmt.Fprintf(&b, "WHEN NOT MATCHED THEN INSERT (%s) VALUES (%s)", cols, strings.Join(vals, ", "))
	switch {
	case diff && l.strategy.SoftDeletes():
		at := "CURRENT_TIMESTAMP()"
		if lg := l.req.Load.Lineage; lg != nil && lg.LoadedAt != "" {
			at = "TIMESTAMP(@loaded_at)"
		}
		fmt.Fprintf(&b, "\nWHEN NOT MATCHED BY SOURCE AND T.%[1]s IS NULL THEN UPDATE SET %[1]s = %[2]s", quoteIdent(sdk.DeletedAtColumn), at)
	case diff:
		b.WriteString("\nWHEN NOT MATCHED BY SOURCE THEN DELETE")
	}
	return b.String()
}

// uniqueGuard fails a merge whose staging holds a unique_key twice:
// BigQuery keeps no load order, so no row would be "the last", and MERGE
// would insert both when the key is new.
func (l *load) uniqueGuard() string {
	keys := identList(l.strategy.UniqueKey)
	return fmt.Sprintf("IF NOT done AND EXISTS (SELECT 1 FROM %s GROUP BY %s HAVING COUNT(*) > 1) THEN\n"+
		"  RAISE USING MESSAGE = 'staged rows repeat a unique_key (%s): deduplicate the source or fix unique_key';\nEND IF", l.staging, keys, strings.Join(l.strategy.UniqueKey, ", "))
}

// deleteGuard fails a snapshot_diff that would delete more than
// max_delete_ratio of the target's rows, before the transaction starts.
func (l *load) deleteGuard() []string {
	ratio := 0.5
	if r := l.strategy.MaxDeleteRatio; r != nil {
		ratio = *r
	}
	return []string{
		"DECLARE live INT64 DEFAULT (SELECT COUNT(*) FROM " + l.target + " T WHERE " + l.liveRows() + ")",
		fmt.Sprintf("DECLARE gone INT64 DEFAULT (SELECT COUNT(*) FROM %s T WHERE %s AND NOT EXISTS (SELECT 1 FROM %s S WHERE %s))",
			l.target, l.liveRows(), l.staging, keyMatch("T", "S", l.strategy.UniqueKey)),
		fmt.Sprintf("IF NOT done AND live > 0 AND gone > live * %g THEN\n  RAISE USING MESSAGE = FORMAT('snapshot_diff would delete %%d of %%d rows, more than max_delete_ratio %g: raise max_delete_ratio if this is intended', gone, live);\nEND IF", ratio, ratio),
	}
}

// liveRows is the predicate of target rows not soft-deleted.
func (l *load) liveRows() string {
	if l.strategy.SoftDeletes() {
		return "T." + quoteIdent(sdk.DeletedAtColumn) + " IS NULL"
	}
	return "TRUE"
}

// keyMatch is a.k = b.k AND … for cols, NULL-safe.
func keyMatch(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		q := quoteIdent(c)
		parts[i] = fmt.Sprintf("%s.%s IS NOT DISTINCT FROM %s.%s", a, q, b, q)
	}
	return strings.Join(parts, " AND ")
}
