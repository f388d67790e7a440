package mssql

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// targetInfo is what CommitLoad reads about the target before rendering
// the publish: whether it exists, its columns, and whether foreign keys
// reference it (TRUNCATE refuses then).
type targetInfo struct {
	Exists     bool
	Columns    []column
	Referenced bool
	// Partitioning is the target's, read for partition_replace only; nil
	// when it is not partitioned.
	Partitioning *partitioning
}

// stmt is one batch sent to the server, with its named parameters.
type stmt struct {
	SQL  string
	Args []namedArg
	// Counts is true when the statement returns one row: the rows it
	// inserted, updated and deleted.
	Counts bool
}

// namedArg is a named parameter (@name) of a statement.
type namedArg struct {
	Name  string
	Value any
}

// ensureSchemaSQL creates the target schema when absent (in the target's
// database for a three-part name).
func (l *load) ensureSchemaSQL() string {
	exec := "EXEC"
	schemaID := "SCHEMA_ID(" + literal(l.schemaName()) + ")"
	if db := l.database(); db != "" {
		exec = "EXEC " + ident(db) + ".sys.sp_executesql"
		schemaID = "(SELECT schema_id FROM " + ident(db) + ".sys.schemas WHERE name = " + literal(l.schemaName()) + ")"
		return "IF " + schemaID + " IS NULL " + exec + " " + literal("CREATE SCHEMA "+ident(l.schemaName())) + ";"
	}
	return "IF " + schemaID + " IS NULL " + exec + "(" + literal("CREATE SCHEMA "+ident(l.schemaName())) + ");"
}

// receiptsDDL creates <schema>._dpone_loads when absent.
func (l *load) receiptsDDL() string {
	return "IF OBJECT_ID(" + l.objectName("_dpone_loads") + ", N'U') IS NULL CREATE TABLE " + l.receipts + " (\n" +
		"  load_id nvarchar(200) NOT NULL PRIMARY KEY, [target] nvarchar(800) NOT NULL, [mode] nvarchar(64) NOT NULL,\n" +
		"  [rows] bigint NOT NULL, receipt nvarchar(max) NULL, committed_at datetimeoffset(7) NOT NULL DEFAULT SYSDATETIMEOFFSET(),\n" +
		"  manifest nvarchar(400) NOT NULL DEFAULT N'', unit nvarchar(400) NOT NULL DEFAULT N'');"
}

// stagingDDL creates the load's staging heap when absent: the load's
// columns, all nullable, and a row sequence for merges.
func (l *load) stagingDDL() (string, error) {
	defs := make([]string, 0, len(l.loadedFields())+1)
	for _, f := range l.loadedFields() {
		t, err := ddlType(f)
		if err != nil {
			return "", err
		}
		defs = append(defs, ident(f.Name)+" "+t+" NULL")
	}
	if len(defs) == 0 {
		return "", sdk.Errorf(sdk.CodeSchema, "mssql sink: load %s has no columns", l.req.LoadID)
	}
	defs = append(defs, ident(seqColumn)+" bigint IDENTITY(1,1) NOT NULL")
	return "IF OBJECT_ID(" + l.objectName(sdk.StagingName(l.req.LoadID)) + ", N'U') IS NULL CREATE TABLE " + l.staging +
		" (\n  " + strings.Join(defs, ",\n  ") + ");", nil
}

// dropStagingSQL drops staging when present (abort, and after publish).
func (l *load) dropStagingSQL() string {
	return "IF OBJECT_ID(" + l.objectName(sdk.StagingName(l.req.LoadID)) + ", N'U') IS NOT NULL DROP TABLE " + l.staging + ";"
}

// lockSQL serialises commits per target for the transaction's life.
func (l *load) lockSQL() string {
	return "DECLARE @rc int; EXEC @rc = sp_getapplock @Resource = " + literal("dpone:target:"+l.targetKey) +
		", @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = -1; IF @rc < 0 RAISERROR(N'dpone: could not lock the target', 16, 1);"
}

// receiptExistsSQL counts the load's receipt (0 or 1).
func (l *load) receiptExistsSQL() stmt {
	return stmt{SQL: "SELECT COUNT(*) FROM " + l.receipts + " WHERE load_id = @load_id;", Args: []namedArg{{"load_id", l.req.LoadID}}}
}

// targetInfoSQL reads the target's columns and whether foreign keys
// reference it; no rows when it does not exist.
func (l *load) targetInfoSQL() string { return l.columnsSQL(l.req.Target.Name) }

// columnsSQL reads a table of the target's schema as targetInfoSQL does.
func (l *load) columnsSQL(table string) string {
	sys := l.sys()
	return "SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),\n" +
		"  CASE WHEN EXISTS (SELECT 1 FROM " + sys + ".foreign_keys fk WHERE fk.referenced_object_id = c.object_id) THEN 1 ELSE 0 END\n" +
		"FROM " + sys + ".columns c JOIN " + sys + ".types t ON t.user_type_id = c.user_type_id\n" +
		"WHERE c.object_id = OBJECT_ID(" + l.objectName(table) + ", N'U') ORDER BY c.column_id;"
}

// publish renders the statements that move staging into the target for
// the load's mode, then the receipt and the staging drop; they run in the
// caller's transaction after lockSQL and the receipt check.
func (l *load) publish(ti targetInfo, receipt string) ([]stmt, error) {
	var out []stmt
	names, err := l.writableNames(ti)
	if err != nil {
		return nil, err
	}
	if h := l.scd2Columns(); h != nil {
		// The history columns are the load's to set, not the source's.
		names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(h, n) })
	}
	if !ti.Exists {
		ddl, err := l.createTargetDDL()
		if err != nil {
			return nil, err
		}
		out = append(out, stmt{SQL: ddl})
	} else {
		for _, d := range l.missingLineageDDL(ti) {
			out = append(out, stmt{SQL: d})
		}
	}
	out = append(out, l.codePageGuards(ti, names)...)
	identity := l.identityInsert(ti, names)
	if identity {
		out = append(out, stmt{SQL: "SET IDENTITY_INSERT " + l.target + " ON;"})
	}
	lcols, lvals, largs := l.lineage()
	into := identList(append(slices.Clone(names), lcols...))
	sel := strings.Join(append(identSlice(names), lvals...), ", ")
	switch l.req.Mode {
	case sdk.ModeFullRefresh:
		if ti.Exists {
			// TRUNCATE is transactional in SQL Server and takes a schema
			// lock: readers wait, then see the new rows. Referenced tables
			// refuse TRUNCATE: DELETE keeps the foreign keys checked.
			if ti.Referenced {
				out = append(out, stmt{SQL: "DELETE FROM " + l.target + ";"})
			} else {
				out = append(out, stmt{SQL: "TRUNCATE TABLE " + l.target + ";"})
			}
		}
		out = append(out, l.countInsert(into, sel, largs))
	case sdk.ModeAppend:
		out = append(out, l.countInsert(into, sel, largs))
	case sdk.ModeMerge:
		out = append(out, l.mergeSQL(names, lcols, lvals, largs))
	case sdk.ModeReplace:
		out = append(out, l.replaceSQL()...)
		out = append(out, l.countInsert(into, sel, largs))
	case sdk.ModePartitionReplace:
		out = append(out, l.partitionReplace(ti.Partitioning))
		out = append(out, l.countInsert(into, sel, largs))
	case sdk.ModeSnapshotDiff:
		out = append(out, l.snapshotDiffSQL(names, lcols, lvals, largs)...)
	case sdk.ModeSCD2:
		s, err := l.scd2SQL(names, lcols, lvals, largs)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if identity {
		out = append(out, stmt{SQL: "SET IDENTITY_INSERT " + l.target + " OFF;"})
	}
	out = append(out, l.receiptStmt(receipt), stmt{SQL: "DROP TABLE " + l.staging + ";"})
	return out, nil
}

// receiptStmt inserts the load's receipt row.
func (l *load) receiptStmt(receipt string) stmt {
	return stmt{
		SQL: "INSERT INTO " + l.receipts + " (load_id, [target], [mode], [rows], receipt, manifest, unit) VALUES (@load_id, @target, @mode, @rows, @receipt, @manifest, @unit);",
		Args: []namedArg{{"load_id", l.req.LoadID}, {"target", l.targetKey}, {"mode", l.req.Mode},
			{"rows", rowsPlaceholder{}}, {"receipt", receipt}, {"manifest", l.fence().Manifest}, {"unit", l.fence().Unit}},
	}
}

// rowsPlaceholder stands for the rows the publish reported; the executor
// replaces it before the receipt runs.
type rowsPlaceholder struct{}

// String renders the placeholder in golden files.
func (rowsPlaceholder) String() string { return "<rows published>" }

// countInsert is INSERT … SELECT from staging returning the row count.
func (l *load) countInsert(into, sel string, largs []namedArg) stmt {
	return stmt{SQL: "INSERT INTO " + l.target + " (" + into + ")\nSELECT " + sel + " FROM " + l.staging +
		";\nSELECT CAST(@@ROWCOUNT AS bigint), CAST(0 AS bigint), CAST(0 AS bigint);", Args: largs, Counts: true}
}

// mergeSQL upserts the last staged row of each key with MERGE … WITH
// (HOLDLOCK) (serialisable on the key range, so concurrent merges cannot
// both insert a key) and returns the inserted and updated counts.
func (l *load) mergeSQL(names, lcols, lvals []string, largs []namedArg) stmt {
	keys := l.req.UniqueKey
	var on, sets []string
	for _, k := range keys {
		on = append(on, "(t."+ident(k)+" = s."+ident(k)+" OR (t."+ident(k)+" IS NULL AND s."+ident(k)+" IS NULL))")
	}
	all := append(slices.Clone(names), lcols...)
	vals := make([]string, 0, len(all))
	for _, n := range names {
		vals = append(vals, "s."+ident(n))
	}
	vals = append(vals, lvals...)
	for i, c := range all {
		if !slices.Contains(keys, c) {
			sets = append(sets, "t."+ident(c)+" = "+vals[i])
		}
	}
	matched := ""
	if len(sets) > 0 {
		matched = "WHEN MATCHED THEN UPDATE SET " + strings.Join(sets, ", ") + "\n"
	}
	q := "DECLARE @actions TABLE (act nvarchar(10));\n" +
		"MERGE " + l.target + " WITH (HOLDLOCK) AS t\n" +
		"USING (SELECT " + identList(names) + " FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY " + identList(keys) +
		" ORDER BY " + ident(seqColumn) + " DESC) AS _dpone_rn FROM " + l.staging + ") AS x WHERE _dpone_rn = 1) AS s\n" +
		"ON " + strings.Join(on, " AND ") + "\n" + matched +
		"WHEN NOT MATCHED BY TARGET THEN INSERT (" + identList(all) + ") VALUES (" + strings.Join(vals, ", ") + ")\n" +
		"OUTPUT $action INTO @actions;\n" +
		"SELECT CAST(ISNULL(SUM(CASE WHEN act = N'INSERT' THEN 1 ELSE 0 END), 0) AS bigint), CAST(ISNULL(SUM(CASE WHEN act = N'UPDATE' THEN 1 ELSE 0 END), 0) AS bigint), CAST(0 AS bigint) FROM @actions;"
	return stmt{SQL: q, Args: largs, Counts: true}
}

// lineage returns the lineage columns, their SQL values and parameters.
func (l *load) lineage() (cols, vals []string, args []namedArg) {
	lg := l.req.Load.Lineage
	if lg == nil {
		return nil, nil, nil
	}
	if lg.RunIDColumn != "" {
		cols, vals = append(cols, lg.RunIDColumn), append(vals, "CAST(@run_id AS nvarchar(200))")
		args = append(args, namedArg{"run_id", lg.RunID})
	}
	if lg.LoadedAtColumn != "" {
		cols, vals = append(cols, lg.LoadedAtColumn), append(vals, "CAST(@loaded_at AS datetimeoffset(7))")
		args = append(args, namedArg{"loaded_at", lg.LoadedAt})
	}
	return cols, vals, args
}

// lineageDefs are the lineage columns' definitions.
func (l *load) lineageDefs() []string {
	lg := l.req.Load.Lineage
	if lg == nil {
		return nil
	}
	var defs []string
	if lg.RunIDColumn != "" {
		defs = append(defs, ident(lg.RunIDColumn)+" nvarchar(200) NULL")
	}
	if lg.LoadedAtColumn != "" {
		defs = append(defs, ident(lg.LoadedAtColumn)+" datetimeoffset(7) NULL")
	}
	return defs
}

// createTargetDDL creates the target from the load's schema, lineage
// columns and the primary key of sdk's rule (LoadRequest.CreatedKey).
func (l *load) createTargetDDL() (string, error) {
	defs, err := l.targetDefs()
	if err != nil {
		return "", err
	}
	if key := l.req.CreatedKey(); len(key) > 0 {
		defs = append(defs, "PRIMARY KEY ("+identList(key)+")")
	}
	return "CREATE TABLE " + l.target + " (\n  " + strings.Join(defs, ",\n  ") + ");", nil
}

// targetDefs are the column definitions of a target the sink creates.
func (l *load) targetDefs() ([]string, error) {
	var defs []string
	key := l.req.CreatedKey()
	for _, f := range l.loadedFields() {
		if slices.Contains(l.scd2Columns(), f.Name) {
			continue // defined below, as the history column it is
		}
		t, err := ddlType(f)
		if slices.Contains(key, f.Name) {
			t, err = keyType(f)
		}
		if err != nil {
			return nil, err
		}
		d := ident(f.Name) + " " + t
		if !f.Nullable || slices.Contains(key, f.Name) {
			d += " NOT NULL"
		} else {
			d += " NULL"
		}
		defs = append(defs, d)
	}
	defs = append(defs, l.lineageDefs()...)
	if l.strategy.SoftDeletes() {
		defs = append(defs, ident(sdk.DeletedAtColumn)+" datetimeoffset(7) NULL")
	}
	return append(defs, l.scd2Defs()...), nil
}

// missingLineageDDL adds the lineage columns (and the soft-delete stamp,
// the history columns) an existing target lacks.
func (l *load) missingLineageDDL(ti targetInfo) []string {
	var out []string
	lcols, _, _ := l.lineage()
	defs := l.lineageDefs()
	if l.strategy.SoftDeletes() {
		lcols = append(lcols, sdk.DeletedAtColumn)
		defs = append(defs, ident(sdk.DeletedAtColumn)+" datetimeoffset(7) NULL")
	}
	lcols, defs = append(lcols, l.scd2Columns()...), append(defs, l.scd2AddDefs()...)
	for i, c := range lcols {
		if !slices.ContainsFunc(ti.Columns, func(tc column) bool { return tc.Name == c }) {
			out = append(out, "ALTER TABLE "+l.target+" ADD "+defs[i]+";")
		}
	}
	return out
}

// writableNames are the loaded columns the publish writes: a target's
// computed and rowversion columns are the server's and never written; a
// loaded column the existing target lacks is a SCHEMA error.
func (l *load) writableNames(ti targetInfo) ([]string, error) {
	var names []string
	for _, f := range l.loadedFields() {
		if !ti.Exists {
			names = append(names, f.Name)
			continue
		}
		i := slices.IndexFunc(ti.Columns, func(c column) bool { return c.Name == f.Name })
		if i < 0 {
			return nil, sdk.Errorf(sdk.CodeSchema, "mssql sink: column %q is not in target %s: let dpone evolve the schema (schema_evolution) or add it", f.Name, l.target)
		}
		if ti.Columns[i].writable() {
			names = append(names, f.Name)
		}
	}
	for _, k := range l.req.UniqueKey {
		if !slices.Contains(names, k) {
			return nil, sdk.Errorf(sdk.CodeConfig, "mssql sink: unique_key column %q is not a written column of the load", k)
		}
	}
	if l.req.Mode == sdk.ModePartitionReplace {
		for _, p := range l.strategy.PartitionBy {
			if !slices.Contains(names, p) {
				return nil, sdk.Errorf(sdk.CodeConfig, "mssql sink: partition_by column %q is not a written column of the load", p)
			}
		}
	}
	if len(names) == 0 {
		return nil, sdk.Errorf(sdk.CodeSchema, "mssql sink: load %s writes no column of %s", l.req.LoadID, l.target)
	}
	return names, nil
}

// identityInsert reports whether the load writes the target's IDENTITY
// column, which needs SET IDENTITY_INSERT ON around the publish.
func (l *load) identityInsert(ti targetInfo, names []string) bool {
	for _, c := range ti.Columns {
		if c.Identity && slices.Contains(names, c.Name) {
			return true
		}
	}
	return false
}

func identSlice(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = ident(n)
	}
	return out
}

func identList(names []string) string { return strings.Join(identSlice(names), ", ") }

// String renders a statement and its parameters for golden files.
func (s stmt) String() string {
	var b strings.Builder
	b.WriteString(s.SQL)
	for _, a := range s.Args {
		fmt.Fprintf(&b, "\n-- @%s = %v", a.Name, a.Value)
	}
	return b.String()
}
