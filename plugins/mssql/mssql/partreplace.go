package mssql

import (
	"context"
	"database/sql"
)

// partition_replace on a partitioned target.
//
// When the target is partitioned (a partition scheme on its heap or
// clustered index) by exactly the load's one partition_by column, every
// index is aligned with it, and nothing refuses TRUNCATE (foreign keys
// referencing it, schema-bound views, replication, CDC, system
// versioning), the partitions the staged rows fall into are emptied with
// TRUNCATE TABLE … WITH (PARTITIONS (n)) — a metadata operation, not a
// logged delete of every row — and staging is inserted. A SQL Server
// partition is a range and may hold partition_by values the load does not
// bring: such rows must stay, so when a touched partition holds one the
// publish deletes the staged values' rows instead (same result, row by
// row). Otherwise (not partitioned, other column, not aligned) it is
// DELETE + INSERT.
//
// ALTER TABLE … SWITCH PARTITION is not used: switching out needs an
// empty table with the target's exact indexes on the same filegroup, and
// TRUNCATE … WITH (PARTITIONS) (SQL Server 2016+) is the same metadata
// removal without one; switching staged rows in would need staging built
// on the target's partition scheme with all its indexes and a check
// constraint per partition, which the sink does not build.

// partitioning is a partitioned target's partition function and column,
// and why TRUNCATE … WITH (PARTITIONS) cannot run on it ("" when it can).
type partitioning struct {
	Function, Column, Blocker string
}

// partitioningSQL reads the target's partitioning: one row when its heap
// or clustered index is on a partition scheme, none otherwise.
func (l *load) partitioningSQL() string {
	sys := l.sys()
	return "DECLARE @id int = OBJECT_ID(" + l.objectName(l.req.Target.Name) + ", N'U');\n" +
		"SELECT pf.name, c.name, CASE\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".foreign_keys WHERE referenced_object_id = @id) THEN N'foreign keys reference it'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".indexes x WHERE x.object_id = @id AND NOT EXISTS (SELECT 1 FROM " + sys + ".partition_schemes ps2\n" +
		"      JOIN " + sys + ".index_columns ic2 ON ic2.object_id = x.object_id AND ic2.index_id = x.index_id AND ic2.partition_ordinal = 1\n" +
		"      WHERE ps2.data_space_id = x.data_space_id AND ps2.function_id = pf.function_id AND ic2.column_id = ic.column_id)) THEN N'an index is not aligned with its partitioning'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".sql_expression_dependencies WHERE referenced_id = @id AND is_schema_bound_reference = 1) THEN N'schema-bound views or functions depend on it'\n" +
		"  WHEN EXISTS (SELECT 1 FROM " + sys + ".tables WHERE object_id = @id AND (is_replicated = 1 OR is_tracked_by_cdc = 1 OR temporal_type <> 0)) THEN N'it is replicated, tracked by CDC or system-versioned'\n" +
		"  ELSE N'' END\n" +
		"FROM " + sys + ".indexes i\n" +
		"JOIN " + sys + ".partition_schemes ps ON ps.data_space_id = i.data_space_id\n" +
		"JOIN " + sys + ".partition_functions pf ON pf.function_id = ps.function_id\n" +
		"JOIN " + sys + ".index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.partition_ordinal = 1\n" +
		"JOIN " + sys + ".columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id\n" +
		"WHERE i.object_id = @id AND i.index_id IN (0, 1);"
}

// readPartitioning runs partitioningSQL; nil when the target is not
// partitioned.
func (l *load) readPartitioning(ctx context.Context, tx *sql.Tx) (*partitioning, error) {
	var p partitioning
	err := tx.QueryRowContext(ctx, l.partitioningSQL()).Scan(&p.Function, &p.Column, &p.Blocker)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// truncates reports whether the publish empties whole partitions of p, and
// why not.
func (l *load) truncates(p *partitioning) (bool, string) {
	switch by := l.strategy.PartitionBy; {
	case p == nil:
		return false, "the target is not partitioned"
	case len(by) != 1 || by[0] != p.Column:
		return false, "the target is partitioned by " + p.Column + ", the load by other columns"
	case p.Blocker != "":
		return false, p.Blocker
	}
	return true, ""
}

// partitionTruncateSQL empties the target's partitions that staged rows
// fall into (TRUNCATE … WITH (PARTITIONS), one dynamic statement per
// partition number), or, when one of them holds a value the load does not
// bring, deletes the staged values' rows; it returns the rows removed.
func (l *load) partitionTruncateSQL(p *partitioning) stmt {
	col := ident(p.Column)
	fn := "$PARTITION." + ident(p.Function)
	if db := l.database(); db != "" {
		fn = ident(db) + "." + fn
	}
	cols := []string{p.Column}
	staged := "EXISTS (SELECT 1 FROM " + l.staging + " AS s WHERE " + nullSafeEq("t", "s", cols) + ")"
	q := "DECLARE @parts TABLE (n int PRIMARY KEY);\n" +
		"INSERT INTO @parts (n) SELECT DISTINCT " + fn + "(s." + col + ") FROM " + l.staging + " AS s;\n" +
		"DECLARE @removed bigint = (SELECT COUNT_BIG(*) FROM " + l.target + " AS t WHERE " + fn + "(t." + col + ") IN (SELECT n FROM @parts));\n" +
		"IF EXISTS (SELECT 1 FROM " + l.target + " AS t WHERE " + fn + "(t." + col + ") IN (SELECT n FROM @parts) AND NOT " + staged + ")\n" +
		"BEGIN\n" +
		"  -- a touched partition holds values the load does not replace: they stay\n" +
		"  DELETE t FROM " + l.target + " AS t WHERE " + staged + ";\n" +
		"  SET @removed = @@ROWCOUNT;\n" +
		"END\n" +
		"ELSE\n" +
		"BEGIN\n" +
		"  DECLARE @n int = (SELECT MIN(n) FROM @parts), @sql nvarchar(max);\n" +
		"  WHILE @n IS NOT NULL\n" +
		"  BEGIN\n" +
		"    SET @sql = N'TRUNCATE TABLE " + escapeLiteral(l.target) + " WITH (PARTITIONS (' + CAST(@n AS nvarchar(10)) + N'));';\n" +
		"    EXEC sp_executesql @sql;\n" +
		"    SET @n = (SELECT MIN(n) FROM @parts WHERE n > @n);\n" +
		"  END\n" +
		"END\n" +
		"SELECT CAST(0 AS bigint), CAST(0 AS bigint), @removed;"
	return stmt{SQL: q, Counts: true}
}

// escapeLiteral doubles the quotes of s for use inside N'…'.
func escapeLiteral(s string) string {
	lit := literal(s)
	return lit[2 : len(lit)-1]
}

// partitionReplace renders partition_replace's removal for the target:
// whole partitions when truncates allows it, else the set-based DELETE.
func (l *load) partitionReplace(p *partitioning) stmt {
	if ok, why := l.truncates(p); !ok {
		if p != nil {
			logInfo("partition_replace deletes row by row", "target", l.targetKey, "load_id", l.req.LoadID, "reason", why)
		}
		return l.partitionDeleteSQL()
	}
	logInfo("partition_replace truncates the partitions of "+p.Function+" the staged rows fall into, unless one holds values the load does not bring",
		"target", l.targetKey, "load_id", l.req.LoadID)
	return l.partitionTruncateSQL(p)
}
