package mssql

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// guardError is the THROW number of a publish guard; classify makes it a
// DATA error (the transaction rolls back, the target is untouched).
const guardError = 51001

// guard renders a THROW of guardError with a message built from T-SQL
// expressions when cond holds.
func guard(cond string, msg ...string) string {
	return "IF " + cond + " BEGIN DECLARE @msg nvarchar(2048) = CONCAT(" + strings.Join(msg, ", ") + "); THROW " +
		strconv.Itoa(guardError) + ", @msg, 1; END;"
}

// replaceSQL refuses staged rows outside strategy.where (a rerun would
// not replace them) and deletes the slice; the caller inserts staging.
func (l *load) replaceSQL() []stmt {
	w := l.strategy.Where
	check := "DECLARE @outside bigint = (SELECT COUNT_BIG(*) FROM " + l.staging + " WHERE CASE WHEN (" + w + ") THEN 0 ELSE 1 END = 1);\n" +
		guard("@outside > 0", "N'mode replace: '", "@outside", literal(" staged rows fall outside strategy.where "+strconv.Quote(w)+": a rerun would not replace them; widen the predicate or filter the source"))
	return []stmt{{SQL: check}, {SQL: "DELETE FROM " + l.target + " WHERE " + w + ";\nSELECT CAST(0 AS bigint), CAST(0 AS bigint), CAST(@@ROWCOUNT AS bigint);", Counts: true}}
}

// nullSafeEq renders "a.c = b.c OR both NULL" for every column.
func nullSafeEq(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		x, y := a+"."+ident(c), b+"."+ident(c)
		parts[i] = "(" + x + " = " + y + " OR (" + x + " IS NULL AND " + y + " IS NULL))"
	}
	return strings.Join(parts, " AND ")
}

// partitionDeleteSQL deletes every target row whose partition values
// appear in staging (NULL matches NULL), set-based; the caller inserts
// staging. (SWITCH PARTITION is not used: staging is a heap.)
func (l *load) partitionDeleteSQL() stmt {
	p := []string(l.strategy.PartitionBy)
	return stmt{SQL: "DELETE t FROM " + l.target + " AS t WHERE EXISTS (SELECT 1 FROM (SELECT DISTINCT " + identList(p) + " FROM " + l.staging +
		") AS p WHERE " + nullSafeEq("t", "p", p) + ");\nSELECT CAST(0 AS bigint), CAST(0 AS bigint), CAST(@@ROWCOUNT AS bigint);", Counts: true}
}

// snapshotDiffSQL converges the target to staging: refuse when the
// deletes exceed max_delete_ratio of the live rows, delete (or soft
// delete) keys missing from staging, then MERGE … WITH (HOLDLOCK) the last
// staged row of each key, updating only rows whose values differ (or that
// were soft-deleted).
func (l *load) snapshotDiffSQL(names, lcols, lvals []string, largs []namedArg) []stmt {
	keys := l.req.UniqueKey
	soft := l.strategy.SoftDeletes()
	live := ""
	if soft {
		live = " AND t." + ident(sdk.DeletedAtColumn) + " IS NULL"
	}
	missing := "NOT EXISTS (SELECT 1 FROM " + l.staging + " AS s WHERE " + nullSafeEq("t", "s", keys) + ")"
	ratio := strconv.FormatFloat(*l.strategy.MaxDeleteRatio, 'g', -1, 64)
	check := "DECLARE @total bigint, @gone bigint;\n" +
		// Two counts: SQL Server refuses an aggregate over a subquery (error 130).
		"SET @total = (SELECT COUNT_BIG(*) FROM " + l.target + " AS t WHERE 1 = 1" + live + ");\n" +
		"SET @gone = (SELECT COUNT_BIG(*) FROM " + l.target + " AS t WHERE " + missing + live + ");\n" +
		guard("@total > 0 AND CAST(@gone AS float) / @total > "+ratio,
			"N'mode snapshot_diff: would delete '", "@gone", "N' of '", "@total",
			literal(" target rows (more than max_delete_ratio "+ratio+"): is the source snapshot complete? raise strategy.max_delete_ratio to allow it"))
	var del string
	var delArgs []namedArg
	if soft {
		at := "SYSDATETIMEOFFSET()"
		if lg := l.req.Load.Lineage; lg != nil && lg.LoadedAt != "" {
			at = "CAST(@deleted_at AS datetimeoffset(7))"
			delArgs = []namedArg{{"deleted_at", lg.LoadedAt}}
		}
		del = "UPDATE t SET " + ident(sdk.DeletedAtColumn) + " = " + at + " FROM " + l.target + " AS t WHERE " + missing + live + ";"
	} else {
		del = "DELETE t FROM " + l.target + " AS t WHERE " + missing + ";"
	}
	del += "\nSELECT CAST(0 AS bigint), CAST(0 AS bigint), CAST(@@ROWCOUNT AS bigint);"

	all := append(slices.Clone(names), lcols...)
	vals := make([]string, 0, len(all)+1)
	for _, n := range names {
		vals = append(vals, "s."+ident(n))
	}
	vals = append(vals, lvals...)
	var sets, tcols, scols []string
	for i, c := range all {
		if !slices.Contains(keys, c) {
			sets = append(sets, "t."+ident(c)+" = "+vals[i])
		}
	}
	for _, c := range names {
		if !slices.Contains(keys, c) {
			tcols, scols = append(tcols, "t."+ident(c)), append(scols, "s."+ident(c))
		}
	}
	var changed []string
	if len(tcols) > 0 {
		// EXCEPT compares NULLs as equal: a null-safe "any column differs".
		changed = append(changed, "EXISTS (SELECT "+strings.Join(tcols, ", ")+" EXCEPT SELECT "+strings.Join(scols, ", ")+")")
	}
	if soft {
		all = append(all, sdk.DeletedAtColumn)
		vals = append(vals, "NULL")
		sets = append(sets, "t."+ident(sdk.DeletedAtColumn)+" = NULL")
		changed = append(changed, "t."+ident(sdk.DeletedAtColumn)+" IS NOT NULL")
	}
	matched := ""
	if len(changed) > 0 {
		matched = "WHEN MATCHED AND (" + strings.Join(changed, " OR ") + ") THEN UPDATE SET " + strings.Join(sets, ", ") + "\n"
	}
	up := "DECLARE @actions TABLE (act nvarchar(10));\n" +
		"MERGE " + l.target + " WITH (HOLDLOCK) AS t\n" +
		"USING (SELECT " + identList(names) + " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY " + identList(keys) +
		" ORDER BY " + ident(seqColumn) + " DESC) AS _dpone_rn FROM " + l.staging + ") AS x WHERE _dpone_rn = 1) AS s\n" +
		"ON " + nullSafeEq("t", "s", keys) + "\n" + matched +
		"WHEN NOT MATCHED BY TARGET THEN INSERT (" + identList(all) + ") VALUES (" + strings.Join(vals, ", ") + ")\n" +
		"OUTPUT $action INTO @actions;\n" +
		"SELECT CAST(ISNULL(SUM(CASE WHEN act = N'INSERT' THEN 1 ELSE 0 END), 0) AS bigint), CAST(ISNULL(SUM(CASE WHEN act = N'UPDATE' THEN 1 ELSE 0 END), 0) AS bigint), CAST(0 AS bigint) FROM @actions;"
	return []stmt{{SQL: check}, {SQL: del, Args: delArgs, Counts: true}, {SQL: up, Args: largs, Counts: true}}
}
