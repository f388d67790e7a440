package mssql

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// full_refresh by swap.
//
// BeginLoad of a full_refresh load stages into a table shaped exactly
// like the target (its columns in order, with their types, collations and
// NOT NULL; or, for an absent target, the columns the sink would create)
// when the target can be swapped: no row sequence, and the lineage
// columns filled by the bulk copy itself (Write appends their values), so
// every row is written once. CommitLoad then, in its one transaction,
// builds the primary key on staging, drops the target and renames staging
// to the target's name with sp_rename. Readers wait on the target's lock
// and then see the new table, never an empty or partial one.
//
// When anything attached to the target would not survive the drop
// (swapBlockerSQL: foreign keys either way, dependent views or modules,
// triggers, other indexes, constraints, grants, partitioning, identity or
// computed columns, ...), when its columns are not the load's, when a
// varchar column has a non-UTF-8 collation (the bulk copy sends UTF-8
// bytes; the code-page guards need the nvarchar staging), or when the
// target or the lineage values changed since BeginLoad, the commit
// publishes with TRUNCATE (DELETE when foreign keys reference the target)
// + INSERT … SELECT instead, and logs why.

// Commit paths of a full_refresh, as logged.
const (
	pathSwap     = "swap"
	pathTruncate = "truncate+insert"
)

// swapBlockerSQL names, in one row, what about the target would not
// survive a drop and rename ("" when nothing, or when it is absent).
func (l *load) swapBlockerSQL() string {
	sys := l.sys()
	return "DECLARE @id int = OBJECT_ID(" + l.objectName(l.req.Target.Name) + ", N'U');\n" +
		"SELECT CASE\n" +
		"  WHEN @id IS NULL THEN N''\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".foreign_keys WHERE referenced_object_id = @id OR parent_object_id = @id) THEN N'foreign keys reference it or it references other tables'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".sql_expression_dependencies WHERE referenced_id = @id) THEN N'views, functions or procedures depend on it'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".triggers WHERE parent_id = @id) THEN N'it has triggers'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".indexes WHERE object_id = @id AND type > 0 AND is_primary_key = 0) THEN N'it has indexes other than its primary key'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".indexes WHERE object_id = @id AND is_primary_key = 1 AND type <> 1) THEN N'its primary key is not clustered'\n" +
		"  WHEN " + l.keyDiffers(sys) + " THEN " + literal("its primary key is not the load's ("+strings.Join(l.req.CreatedKey(), ", ")+")") + "\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".check_constraints WHERE parent_object_id = @id) OR EXISTS (SELECT 1 FROM " + sys + ".default_constraints WHERE parent_object_id = @id) THEN N'it has check or default constraints'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".database_permissions WHERE class = 1 AND major_id = @id) THEN N'permissions are granted on it'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".extended_properties WHERE class = 1 AND major_id = @id) THEN N'it has extended properties'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".tables WHERE object_id = @id AND (temporal_type <> 0 OR is_memory_optimized = 1 OR is_replicated = 1 OR is_tracked_by_cdc = 1 OR is_filetable = 1 OR lock_escalation <> 0)) THEN N'it is temporal, memory-optimized, replicated, tracked by CDC, a FileTable or has a lock escalation setting'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".change_tracking_tables WHERE object_id = @id) THEN N'change tracking is enabled on it'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".security_predicates WHERE target_object_id = @id) THEN N'a row-level security policy filters it'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".indexes i JOIN " + sys + ".partition_schemes ps ON ps.data_space_id = i.data_space_id WHERE i.object_id = @id) THEN N'it is partitioned'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".indexes i WHERE i.object_id = @id AND i.index_id IN (0, 1) AND i.data_space_id <> (SELECT data_space_id FROM " + sys + ".data_spaces WHERE is_default = 1)) THEN N'it is not on the default filegroup'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".partitions WHERE object_id = @id AND data_compression <> 0) THEN N'it is compressed'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".fulltext_indexes WHERE object_id = @id) THEN N'it has a full-text index'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".columns WHERE object_id = @id AND (is_identity = 1 OR is_computed = 1 OR is_sparse = 1 OR is_masked = 1 OR is_column_set = 1 OR system_type_id = 189)) THEN N'it has identity, computed, sparse, masked or rowversion columns'\n" +
		"  ELSE N'' END;"
}

// keyDiffers is a condition: the target's primary key is not, column by
// column in order, the key the swap builds (LoadRequest.CreatedKey).
func (l *load) keyDiffers(sys string) string {
	pk := "FROM " + sys + ".indexes i JOIN " + sys + ".index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id" +
		" JOIN " + sys + ".columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id WHERE i.object_id = @id AND i.is_primary_key = 1 AND ic.key_ordinal > 0"
	key := l.req.CreatedKey()
	conds := []string{"(SELECT COUNT(*) " + pk + ") <> " + strconv.Itoa(len(key))}
	for i, k := range key {
		conds = append(conds, "NOT EXISTS (SELECT 1 "+pk+" AND ic.key_ordinal = "+strconv.Itoa(i+1)+" AND c.name = "+literal(k)+")")
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// sys is the catalog schema of the target's database.
func (l *load) sys() string {
	if db := l.database(); db != "" {
		return ident(db) + ".sys"
	}
	return "sys"
}

// swapShape returns the column definitions of a staging table for a swap
// into ti, or why ti cannot be swapped by its columns alone.
func (l *load) swapShape(ti targetInfo) ([]string, string, error) {
	if !ti.Exists {
		defs, err := l.targetDefs()
		return defs, "", err
	}
	lcols, _, _ := l.lineage()
	fields := l.loadedFields()
	var defs []string
	for _, c := range ti.Columns {
		switch i := slices.IndexFunc(fields, func(f arrow.Field) bool { return f.Name == c.Name }); {
		case !c.writable() || c.Identity:
			return nil, "column " + c.Name + " is computed, rowversion or identity", nil
		case narrowText(c):
			return nil, "column " + c.Name + " is " + c.native() + " with a non-UTF-8 collation (" + c.Collation + ")", nil
		case i >= 0:
			t, err := ddlType(fields[i])
			if slices.Contains(l.req.CreatedKey(), c.Name) {
				t, err = keyType(fields[i])
			}
			if err != nil {
				return nil, "", err
			}
			if !strings.EqualFold(t, c.native()) {
				return nil, "column " + c.Name + " is " + c.native() + " in the target, " + t + " in the load", nil
			}
		case slices.Contains(lcols, c.Name):
			if !lineageType(l.req.Load.Lineage, c) {
				return nil, "lineage column " + c.Name + " is " + c.native(), nil
			}
		default:
			return nil, "column " + c.Name + " is not loaded", nil
		}
		defs = append(defs, c.definition())
	}
	for _, n := range append(names(fields), lcols...) {
		if !slices.ContainsFunc(ti.Columns, func(c column) bool { return c.Name == n }) {
			return nil, "column " + n + " is not in the target", nil
		}
	}
	return defs, "", nil
}

func names(fields []arrow.Field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Name
	}
	return out
}

// lineageType reports whether c can hold its lineage value as the bulk
// copy sends it (a string run id, a timestamp with zone).
func lineageType(lg *sdk.Lineage, c column) bool {
	if c.Name == lg.RunIDColumn {
		return c.Type == "nvarchar"
	}
	return c.Type == "datetimeoffset"
}

// definition renders a column of an existing table as a staging column:
// its type, collation and nullability.
func (c column) definition() string {
	d := ident(c.Name) + " " + c.native()
	if c.Collation != "" && collationName.MatchString(c.Collation) {
		d += " COLLATE " + c.Collation
	}
	if c.Nullable {
		return d + " NULL"
	}
	return d + " NOT NULL"
}

// swapStagingDDL creates staging for a swap from column definitions.
func (l *load) swapStagingDDL(defs []string) string {
	return "IF OBJECT_ID(" + l.objectName(sdk.StagingName(l.req.LoadID)) + ", N'U') IS NULL CREATE TABLE " + l.staging +
		" (\n  " + strings.Join(defs, ",\n  ") + ");"
}

// swapReady compares staging with the target at commit: "" when staging
// was prepared for a swap and still has exactly the target's columns.
func (l *load) swapReady(ti, stg targetInfo) string {
	if slices.ContainsFunc(stg.Columns, func(c column) bool { return c.Name == seqColumn }) {
		return "staging was not prepared for a swap at begin"
	}
	if !ti.Exists {
		return ""
	}
	same := func(a, b column) bool {
		return a.Name == b.Name && a.Type == b.Type && a.MaxLength == b.MaxLength && a.Precision == b.Precision &&
			a.Scale == b.Scale && a.Nullable == b.Nullable && a.Collation == b.Collation
	}
	if !slices.EqualFunc(ti.Columns, stg.Columns, same) {
		return "the target's columns changed since begin"
	}
	return ""
}

// lineageCheckSQL counts staged rows whose lineage values are not the
// commit's (the load was staged by another run): those need the INSERT
// path, which writes the commit's values.
func (l *load) lineageCheckSQL(stg targetInfo) (stmt, bool) {
	lg := l.req.Load.Lineage
	if lg == nil {
		return stmt{}, false
	}
	has := func(n string) (column, bool) {
		i := slices.IndexFunc(stg.Columns, func(c column) bool { return c.Name == n })
		if n == "" || i < 0 {
			return column{}, false
		}
		return stg.Columns[i], true
	}
	var conds []string
	var a []namedArg
	if _, ok := has(lg.RunIDColumn); ok {
		conds = append(conds, "ISNULL("+ident(lg.RunIDColumn)+", N'') <> @run_id")
		a = append(a, namedArg{"run_id", lg.RunID})
	} else if c, ok := has(lg.LoadedAtColumn); ok {
		conds = append(conds, "ISNULL("+ident(c.Name)+", '0001-01-01 00:00:00 +00:00') <> CAST(CAST(@loaded_at AS datetimeoffset(7)) AS "+c.native()+")")
		a = append(a, namedArg{"loaded_at", lg.LoadedAt})
	}
	if len(conds) == 0 {
		return stmt{}, false
	}
	return stmt{SQL: "SELECT CASE WHEN EXISTS (SELECT 1 FROM " + l.staging + " WHERE " + strings.Join(conds, " OR ") + ") THEN 1 ELSE 0 END;", Args: a}, true
}

// swapPublish renders the swap: the primary key built on staging, the
// target dropped, staging renamed to the target's name, the receipt.
func (l *load) swapPublish(ti targetInfo, receipt string) []stmt {
	var out []stmt
	if key := l.req.CreatedKey(); len(key) > 0 {
		out = append(out, stmt{SQL: "ALTER TABLE " + l.staging + " ADD PRIMARY KEY CLUSTERED (" + identList(key) + ");"})
	}
	out = append(out, stmt{SQL: "SELECT COUNT_BIG(*), CAST(0 AS bigint), CAST(0 AS bigint) FROM " + l.staging + ";", Counts: true})
	if ti.Exists {
		out = append(out, stmt{SQL: "DROP TABLE " + l.target + ";"})
	}
	exec := "EXEC sp_rename "
	if db := l.database(); db != "" {
		exec = "EXEC " + ident(db) + ".sys.sp_rename "
	}
	stg := strings.Join(bracketAll([]string{l.schemaName(), sdk.StagingName(l.req.LoadID)}), ".")
	out = append(out, stmt{SQL: exec + literal(stg) + ", " + literal(l.req.Target.Name) + ", N'OBJECT';"})
	return append(out, l.receiptStmt(receipt))
}

// swapPath decides, in the commit transaction, whether a full_refresh
// swaps; the reason says why not.
func (l *load) swapPath(ctx context.Context, tx *sql.Tx, ti targetInfo) (string, error) {
	stg, err := readTarget(ctx, tx, l.columnsSQL(sdk.StagingName(l.req.LoadID)))
	if err != nil {
		return "", err
	}
	if reason := l.swapReady(ti, stg); reason != "" {
		return reason, nil
	}
	var reason string
	if err := tx.QueryRowContext(ctx, l.swapBlockerSQL()).Scan(&reason); err != nil || reason != "" {
		return reason, err
	}
	if _, why, err := l.swapShape(ti); err != nil || why != "" {
		return why, err
	}
	if q, ok := l.lineageCheckSQL(stg); ok {
		var stale int
		if err := tx.QueryRowContext(ctx, q.SQL, args(q.Args)...).Scan(&stale); err != nil {
			return "", err
		}
		if stale > 0 {
			return "the lineage values changed since the rows were staged", nil
		}
	}
	return "", nil
}

// stagingLineage returns the lineage columns staging has (a swap staging
// has them; Write fills them) and their values as the bulk copy sends them.
func (l *load) stagingLineage(stg targetInfo) ([]string, []any, error) {
	lg := l.req.Load.Lineage
	if lg == nil {
		return nil, nil, nil
	}
	var names []string
	var vals []any
	for _, c := range stg.Columns {
		switch {
		case c.Name == lg.RunIDColumn && lg.RunIDColumn != "":
			names, vals = append(names, c.Name), append(vals, lg.RunID)
		case c.Name == lg.LoadedAtColumn && lg.LoadedAtColumn != "":
			at, err := time.Parse(time.RFC3339Nano, lg.LoadedAt)
			if err != nil {
				return nil, nil, sdk.Errorf(sdk.CodeConfig, "mssql sink: lineage.loaded_at %q is not an RFC 3339 time", lg.LoadedAt)
			}
			names, vals = append(names, c.Name), append(vals, at.UTC())
		}
	}
	return names, vals, nil
}

// logInfo writes one info line to stderr for the host's log
// (sdk.LogStderr).
func logInfo(msg string, kv ...string) { sdk.LogStderr(sdk.LevelInfo, "mssql", msg, kv...) }
