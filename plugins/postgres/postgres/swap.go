package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/dpone-go/dpone/sdk"
)

// full_refresh by swap.
//
// BeginLoad of a full_refresh load whose target can be swapped stages into
// a LOGGED table shaped like the target (CREATE TABLE ... (LIKE target
// INCLUDING ALL EXCLUDING INDEXES), or the load's columns when the target
// is absent) and marks it with a table comment (swapMarker). COPY fills it
// without maintaining indexes row by row; CommitLoad builds the target's
// indexes and index-backed constraints on it, once each (buildIndexes),
// then replaces the target by the staging table in its one transaction: it
// locks the target,
// drops it, renames staging to the target's name, renames the copied
// indexes (and their constraints) to the old names, restores owner, grants
// and comment, and gives the lineage columns their constant values as
// column defaults (metadata only, no row is rewritten). Every row is
// written once, by COPY, instead of twice (COPY then INSERT ... SELECT).
//
// Readers block on the target's lock and then see the new table, never an
// empty or partial one. When anything attached to the target would not
// survive the drop (views, foreign keys either way, triggers, policies,
// publications, owned sequences, identity columns, column grants...), or
// the target changed between BeginLoad and CommitLoad, the commit falls
// back to TRUNCATE + INSERT ... SELECT and logs why.

// Commit paths, as logged.
const (
	pathSwap     = "swap"
	pathTruncate = "truncate+insert"
)

// swapMarker is the comment on a staging table prepared for a swap.
type swapMarker struct {
	Swap int `json:"dpone_swap"` // version: swapVersion (1: staging copied the target's indexes at begin)
	// TargetOID is the target's oid at BeginLoad; 0 when it was absent.
	TargetOID uint32 `json:"target_oid"`
	RunID     string `json:"run_id,omitempty"`
	LoadedAt  string `json:"loaded_at,omitempty"`
	// LateLineage (version swapLateLineage): staging's lineage columns
	// have no default, so COPY leaves them NULL; CommitLoad drops them and
	// adds them back with the load's values as their default, which
	// PostgreSQL keeps as metadata (no row is written): see lateLineage.
	LateLineage bool `json:"late_lineage,omitempty"`
}

// lineageValues returns the lineage column names with the SQL literals of
// their values (typed: text, timestamptz).
func (l *load) lineageValues() (cols, lits []string) {
	lg := l.opts.Lineage
	if lg == nil {
		return nil, nil
	}
	if lg.RunIDColumn != "" {
		cols, lits = append(cols, lg.RunIDColumn), append(lits, literal(lg.RunID)+"::text")
	}
	if lg.LoadedAtColumn != "" {
		cols, lits = append(cols, lg.LoadedAtColumn), append(lits, literal(lg.LoadedAt)+"::timestamptz")
	}
	return cols, lits
}

func (l *load) marker(oid uint32) swapMarker {
	m := swapMarker{Swap: swapVersion, TargetOID: oid}
	if lg := l.opts.Lineage; lg != nil {
		m.RunID, m.LoadedAt = lg.RunID, lg.LoadedAt
	}
	return m
}

// swapStagingDDL returns the statements that create staging for a
// full_refresh swap, or a reason why the target cannot be swapped (then the
// caller creates the usual UNLOGGED staging). cols are the load's column
// definitions (with NOT NULL, as the target would get them).
func (l *load) swapStagingDDL(ctx context.Context, tx pgx.Tx, cols []string) ([]string, string, error) {
	oid, err := relOID(ctx, tx, l.target)
	if err != nil {
		return nil, "", err
	}
	var ddl []string
	late := false
	if oid == 0 {
		// The target is created by the swap; its primary key is built at
		// commit, once, not maintained row by row while COPY fills staging.
		ddl = append(ddl, "CREATE TABLE "+l.staging+" ("+strings.Join(cols, ", ")+")")
	} else {
		reason, err := swapBlocker(ctx, tx, oid)
		if err != nil || reason != "" {
			return nil, reason, err
		}
		if reason, err := l.typesMatch(ctx, tx, oid); err != nil || reason != "" {
			return nil, reason, err
		}
		var unlogged bool
		if err := tx.QueryRow(ctx, "SELECT relpersistence = 'u' FROM pg_class WHERE oid = $1", oid).Scan(&unlogged); err != nil {
			return nil, "", err
		}
		create := "CREATE TABLE "
		if unlogged {
			create = "CREATE UNLOGGED TABLE "
		}
		ddl = append(ddl, create+l.staging+" (LIKE "+l.target+" INCLUDING ALL EXCLUDING INDEXES)")
		have, err := tableColumns(ctx, tx, l.schema, l.req.Target.Name)
		if err != nil {
			return nil, "", err
		}
		lcols, lits := l.lineageValues()
		if late, err = l.lateLineage(ctx, tx, oid); err != nil {
			return nil, "", err
		}
		for i, c := range lcols {
			if !slices.ContainsFunc(have, func(h pgColumn) bool { return h.Name == c }) {
				continue
			}
			if late {
				// COPY leaves it NULL (a bit per row); commit replaces it.
				ddl = append(ddl, "ALTER TABLE "+l.staging+" ALTER COLUMN "+ident(c)+" DROP DEFAULT")
				continue
			}
			// The constant as the default: COPY fills it in every row.
			ddl = append(ddl, "ALTER TABLE "+l.staging+" ALTER COLUMN "+ident(c)+" SET DEFAULT "+lits[i])
		}
	}
	mk := l.marker(oid)
	if late {
		mk.Swap, mk.LateLineage = swapLateLineage, true
	}
	m, _ := json.Marshal(mk)
	ddl = append(ddl, "COMMENT ON TABLE "+l.staging+" IS "+literal(string(m)))
	return ddl, "", nil
}

// typesMatch checks that every loaded column exists in the target with the
// type binary COPY will send (the encoder writes the load's types).
func (l *load) typesMatch(ctx context.Context, tx pgx.Tx, oid uint32) (string, error) {
	if l.req.Schema == nil {
		return "the load has no schema", nil
	}
	have, err := tableColumns(ctx, tx, l.schema, l.req.Target.Name)
	if err != nil {
		return "", err
	}
	for _, f := range l.req.Schema.Fields() {
		t, err := ddlType(f)
		if err != nil {
			return "", err
		}
		i := slices.IndexFunc(have, func(h pgColumn) bool { return h.Name == f.Name })
		if i < 0 {
			return fmt.Sprintf("column %q is not in the target", f.Name), nil
		}
		var same bool
		if err := tx.QueryRow(ctx, "SELECT $1::regtype::oid = $2", t, have[i].OID).Scan(&same); err != nil {
			return "", err
		}
		if !same {
			return fmt.Sprintf("column %q is %s in the target, %s in the load", f.Name, have[i].Native, t), nil
		}
	}
	return "", nil
}

// swapBlocker names what about table oid would not survive a drop and
// rename ("" when nothing).
func swapBlocker(ctx context.Context, tx pgx.Tx, oid uint32) (string, error) {
	var reason string
	err := tx.QueryRow(ctx, `
SELECT CASE
  WHEN c.relkind <> 'r' THEN 'it is not a plain table'
  WHEN c.relispartition OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid) THEN 'it inherits from another table'
  WHEN NOT pg_has_role(current_user, c.relowner, 'MEMBER') THEN 'the loading role does not own it'
  WHEN c.relrowsecurity THEN 'it has row level security'
  WHEN c.reloptions IS NOT NULL THEN 'it has storage parameters'
  WHEN c.reltablespace <> 0 THEN 'it is in a non-default tablespace'
  WHEN c.relreplident <> 'd' THEN 'it has a non-default replica identity'
  WHEN c.relam <> (SELECT oid FROM pg_am WHERE amname = 'heap') THEN 'its access method is not heap'
  WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND (a.attidentity <> '' OR a.attacl IS NOT NULL)) THEN 'it has identity columns or column grants'
  ELSE coalesce((
    SELECT 'it has dependent objects: ' || string_agg(DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid), ', ')
    FROM pg_depend d
    WHERE ((d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid) OR (d.refclassid = 'pg_type'::regclass AND d.refobjid = c.reltype))
      AND d.deptype <> 'i'
      AND NOT (d.classid = 'pg_class'::regclass AND EXISTS (SELECT 1 FROM pg_index x WHERE x.indexrelid = d.objid AND x.indrelid = c.oid))
      AND NOT (d.classid = 'pg_constraint'::regclass AND EXISTS (
            SELECT 1 FROM pg_constraint k WHERE k.oid = d.objid AND k.conrelid = c.oid AND k.contype IN ('c', 'p', 'u', 'x')))
      AND NOT (d.classid = 'pg_attrdef'::regclass)
  ), '')
END
FROM pg_class c WHERE c.oid = $1`, oid).Scan(&reason)
	return reason, err
}

// relOID is the oid of a qualified relation, 0 when absent.
func relOID(ctx context.Context, tx pgx.Tx, name string) (uint32, error) {
	var oid uint32
	err := tx.QueryRow(ctx, "SELECT coalesce(to_regclass($1)::oid, 0)", name).Scan(&oid)
	return oid, err
}

// readMarker returns staging's swap marker, nil when it has none.
func readMarker(ctx context.Context, tx pgx.Tx, staging string) (*swapMarker, error) {
	var comment *string
	if err := tx.QueryRow(ctx, "SELECT obj_description(to_regclass($1), 'pg_class')", staging).Scan(&comment); err != nil {
		return nil, err
	}
	if comment == nil {
		return nil, nil
	}
	var m swapMarker
	if json.Unmarshal([]byte(*comment), &m) != nil || (m.Swap != 1 && m.Swap != swapVersion && m.Swap != swapLateLineage) ||
		m.LateLineage != (m.Swap == swapLateLineage) {
		return nil, nil
	}
	return &m, nil
}

// relColumn is a column as the swap compares it.
type relColumn struct {
	Name              string
	Type, Typmod, Col int64
	NotNull           bool
}

func relColumns(ctx context.Context, tx pgx.Tx, oid uint32) ([]relColumn, error) {
	rows, err := tx.Query(ctx, `SELECT attname, atttypid::int8, atttypmod::int8, attcollation::int8, attnotnull
FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, oid)
	if err != nil {
		return nil, err
	}
	var out []relColumn
	var c relColumn
	_, err = pgx.ForEachRow(rows, []any{&c.Name, &c.Type, &c.Typmod, &c.Col, &c.NotNull}, func() error {
		out = append(out, c)
		return nil
	})
	return out, err
}

// relIndex is an index with a key that is equal for an index and its copy
// by CREATE TABLE ... LIKE (column names, not numbers).
type relIndex struct{ Name, Key string }

func relIndexes(ctx context.Context, tx pgx.Tx, oid uint32) ([]relIndex, error) {
	rows, err := tx.Query(ctx, `
SELECT c.relname, concat_ws('|', i.indisunique, i.indisprimary, i.indisexclusion, i.indimmediate,
  (SELECT string_agg(coalesce(a.attname, '#' || k.n), ',' ORDER BY k.ord)
     FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, ord)
     LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n),
  i.indclass::text, i.indcollation::text, i.indoption::text, am.amname,
  pg_get_expr(i.indexprs, i.indrelid), pg_get_expr(i.indpred, i.indrelid),
  (SELECT k.contype FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid))
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
WHERE i.indrelid = $1 ORDER BY i.indexrelid`, oid)
	if err != nil {
		return nil, err
	}
	var out []relIndex
	var x relIndex
	_, err = pgx.ForEachRow(rows, []any{&x.Name, &x.Key}, func() error {
		out = append(out, x)
		return nil
	})
	return out, err
}

// pairIndexes pairs each old index with a new one of the same key (in oid
// order); ok is false unless both sides pair completely.
func pairIndexes(old, cur []relIndex) (renames [][2]string, ok bool) {
	used := make([]bool, len(cur))
	for _, o := range old {
		j := slices.IndexFunc(cur, func(c relIndex) bool { return c.Key == o.Key })
		for j >= 0 && used[j] {
			k := slices.IndexFunc(cur[j+1:], func(c relIndex) bool { return c.Key == o.Key })
			if k < 0 {
				j = -1
				break
			}
			j += 1 + k
		}
		if j < 0 {
			return nil, false
		}
		used[j] = true
		renames = append(renames, [2]string{cur[j].Name, o.Name})
	}
	return renames, len(old) == len(cur)
}

// receiptRows is the staged row count the host sent in the commit
// receipt ({"rows": N, ...}), when it holds one.
func receiptRows(receipt json.RawMessage) (int64, bool) {
	if len(receipt) == 0 {
		return 0, false
	}
	var r struct {
		Rows *int64 `json:"rows"`
	}
	if err := json.Unmarshal(receipt, &r); err != nil || r.Rows == nil || *r.Rows < 0 {
		return 0, false
	}
	return *r.Rows, true
}

// swap publishes staging as the target when the load was staged for it
// and the target still allows it. It returns the path taken; on
// pathTruncate, reason says why and nothing was changed.
func (l *load) swap(ctx context.Context, tx pgx.Tx, receipt json.RawMessage) (res sdk.CommitResult, path, reason string, err error) {
	m, err := readMarker(ctx, tx, l.staging)
	if err != nil || m == nil {
		return res, pathTruncate, "staging was not prepared for a swap at begin", err
	}
	want := l.marker(m.TargetOID)
	want.Swap = m.Swap // staging of a version-1 plugin (indexes copied at begin) swaps as it is
	want.LateLineage = m.LateLineage
	if *m != want {
		return res, pathTruncate, "the lineage values changed since begin", nil
	}
	if m.LateLineage {
		// Whatever path the commit takes, staging holds the load's
		// lineage values from here on.
		if err := l.fillLateLineage(ctx, tx); err != nil {
			return res, "", "", err
		}
	}
	oid, err := relOID(ctx, tx, l.target)
	if err != nil {
		return res, "", "", err
	}
	if oid != m.TargetOID {
		return res, pathTruncate, "the target was created or replaced since begin", nil
	}
	stgOID, err := relOID(ctx, tx, l.staging)
	if err != nil {
		return res, "", "", err
	}
	if err := raiseIndexMemory(ctx, tx); err != nil {
		return res, "", "", err
	}
	if oid != 0 && m.Swap >= swapVersion {
		// Before the target's lock: readers are not blocked meanwhile.
		// Should the target's indexes change before the lock, the
		// comparison below sends the load down the truncate path.
		if reason, err := l.buildIndexes(ctx, tx, oid); err != nil || reason != "" {
			return res, pathTruncate, reason, err
		}
	}
	// The host's receipt carries the staged row count; count (before
	// locking the target: readers are not blocked meanwhile) only without it.
	if n, ok := receiptRows(receipt); ok {
		res.RowsInserted = n
	} else if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+l.staging).Scan(&res.RowsInserted); err != nil {
		return res, "", "", err
	}
	var old struct {
		owner   string
		acl     []string // "PRIVILEGE TO grantee [WITH GRANT OPTION]"
		comment *string
		defs    map[string]*string // lineage column -> its default expression
	}
	var renames [][2]string
	if oid != 0 {
		if _, err := tx.Exec(ctx, "LOCK TABLE "+l.target+" IN ACCESS EXCLUSIVE MODE"); err != nil {
			return res, "", "", err
		}
		if reason, err := swapBlocker(ctx, tx, oid); err != nil || reason != "" {
			return res, pathTruncate, reason, err
		}
		oc, err := relColumns(ctx, tx, oid)
		if err != nil {
			return res, "", "", err
		}
		nc, err := relColumns(ctx, tx, stgOID)
		if err != nil {
			return res, "", "", err
		}
		if !slices.Equal(oc, nc) {
			return res, pathTruncate, "the target's columns changed since begin", nil
		}
		oi, err := relIndexes(ctx, tx, oid)
		if err != nil {
			return res, "", "", err
		}
		ni, err := relIndexes(ctx, tx, stgOID)
		if err != nil {
			return res, "", "", err
		}
		var ok bool
		if renames, ok = pairIndexes(oi, ni); !ok {
			return res, pathTruncate, "the target's indexes changed since begin", nil
		}
		if err := tx.QueryRow(ctx, `SELECT relowner::regrole::text, obj_description(oid, 'pg_class') FROM pg_class WHERE oid = $1`, oid).
			Scan(&old.owner, &old.comment); err != nil {
			return res, "", "", err
		}
		if old.acl, err = grants(ctx, tx, oid); err != nil {
			return res, "", "", err
		}
		old.defs = map[string]*string{}
		lcols, _ := l.lineageValues()
		for _, c := range lcols {
			var def *string
			err := tx.QueryRow(ctx, `SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a
JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = $1 AND a.attname = $2`, oid, c).Scan(&def)
			if err != nil && err != pgx.ErrNoRows {
				return res, "", "", err
			}
			old.defs[c] = def
		}
	}
	stmts := []string{}
	if oid != 0 {
		stmts = append(stmts, "DROP TABLE "+l.target)
	}
	stmts = append(stmts, "ALTER TABLE "+l.staging+" RENAME TO "+ident(l.req.Target.Name))
	if pk := primaryKeyDef(l.req.CreatedKey()); oid == 0 && pk != "" {
		// A new target gets its key (named <target>_pkey by PostgreSQL).
		stmts = append(stmts, "ALTER TABLE "+l.target+" ADD "+pk)
	}
	for _, r := range renames {
		stmts = append(stmts, "ALTER INDEX "+qualified(l.schema, r[0])+" RENAME TO "+ident(r[1]))
	}
	if oid != 0 {
		stmts = append(stmts, "ALTER TABLE "+l.target+" OWNER TO "+old.owner)
		// Exactly the old grants, none from default privileges.
		var cur []string
		if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT g.grantee::regrole::text), '{}') FROM pg_class c,
aclexplode(c.relacl) g WHERE c.oid = $1 AND g.grantee <> 0`, stgOID).Scan(&cur); err != nil {
			return res, "", "", err
		}
		for _, g := range append([]string{"PUBLIC", old.owner}, cur...) {
			stmts = append(stmts, "REVOKE ALL ON "+l.target+" FROM "+g)
		}
		for _, g := range old.acl {
			stmts = append(stmts, "GRANT "+strings.Replace(g, " TO ", " ON "+l.target+" TO ", 1))
		}
	}
	comment := "NULL"
	if old.comment != nil {
		comment = literal(*old.comment)
	}
	stmts = append(stmts, "COMMENT ON TABLE "+l.target+" IS "+comment)
	have, err := relColumns(ctx, tx, stgOID)
	if err != nil {
		return res, "", "", err
	}
	lcols, lits := l.lineageValues()
	for i, c := range lcols {
		col := ident(c)
		if !slices.ContainsFunc(have, func(h relColumn) bool { return h.Name == c }) {
			// Metadata only (PostgreSQL ≥ 11): existing rows read the
			// constant; no row is rewritten.
			typ, _ := l.lineageType(c)
			stmts = append(stmts, "ALTER TABLE "+l.target+" ADD COLUMN "+col+" "+typ+" DEFAULT "+lits[i],
				"ALTER TABLE "+l.target+" ALTER COLUMN "+col+" DROP DEFAULT")
			continue
		}
		if def := old.defs[c]; def != nil {
			stmts = append(stmts, "ALTER TABLE "+l.target+" ALTER COLUMN "+col+" SET DEFAULT "+*def)
		} else {
			stmts = append(stmts, "ALTER TABLE "+l.target+" ALTER COLUMN "+col+" DROP DEFAULT")
		}
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return res, "", "", fmt.Errorf("%s: %w", q, err)
		}
	}
	return res, pathSwap, "", nil
}

// grants lists a table's privileges (its defaults when relacl is NULL) as
// "PRIVILEGE TO grantee [WITH GRANT OPTION]".
func grants(ctx context.Context, tx pgx.Tx, oid uint32) ([]string, error) {
	rows, err := tx.Query(ctx, `
SELECT g.privilege_type || ' TO ' || CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END
       || CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END
FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) g WHERE c.oid = $1 ORDER BY 1`, oid)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// lateLineage reports whether staging for the target (oid) can leave its
// lineage columns NULL during COPY and get the load's values at commit as
// metadata: dropped, then added back with the constant as their default,
// which PostgreSQL (11 and later) stores once in the catalog instead of in
// every row. That saves writing them 5M times (about 0.6 s of 12.5 for a
// 5M-row pg→pg full_refresh). It holds when every lineage column of the
// load is in the target, they are its last columns (adding them back keeps
// the column order), of the types the sink creates (text, timestamptz),
// nullable, with no comment, and nothing depends on them but their
// defaults (an index, constraint, statistics object, trigger or policy
// naming them would go with the drop).
func (l *load) lateLineage(ctx context.Context, tx pgx.Tx, oid uint32) (bool, error) {
	lcols, _ := l.lineageValues()
	if len(lcols) == 0 {
		return false, nil
	}
	rows, err := tx.Query(ctx, `SELECT attname, atttypid::int8, attnotnull,
  EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid
          AND d.refobjsubid = a.attnum AND d.classid <> 'pg_attrdef'::regclass)
  OR col_description(a.attrelid, a.attnum) IS NOT NULL
FROM pg_attribute a WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, oid)
	if err != nil {
		return false, err
	}
	type col struct {
		name           string
		typ            uint32
		notNull, inUse bool
	}
	var cols []col
	var c col
	if _, err := pgx.ForEachRow(rows, []any{&c.name, &c.typ, &c.notNull, &c.inUse}, func() error {
		cols = append(cols, c)
		return nil
	}); err != nil {
		return false, err
	}
	if len(cols) < len(lcols) {
		return false, nil
	}
	for _, c := range cols[len(cols)-len(lcols):] {
		_, oid := l.lineageType(c.name)
		if !slices.Contains(lcols, c.name) || c.typ != oid || c.notNull || c.inUse {
			return false, nil
		}
	}
	return true, nil
}

// lineageType is the type the sink gives lineage column c (a name
// lineageValues returns): its SQL name and oid.
func (l *load) lineageType(c string) (string, uint32) {
	if lg := l.opts.Lineage; lg != nil && c == lg.LoadedAtColumn {
		return "timestamptz", pgtype.TimestamptzOID
	}
	return "text", pgtype.TextOID
}

// fillLateLineage gives staging's lineage columns the load's values: each
// is dropped and added back, in place (they are staging's last columns),
// with the value as its default, a catalog entry rows read without being
// rewritten. The swap then sets the target's own default on it.
func (l *load) fillLateLineage(ctx context.Context, tx pgx.Tx) error {
	lcols, lits := l.lineageValues()
	stgOID, err := relOID(ctx, tx, l.staging)
	if err != nil {
		return err
	}
	have, err := relColumns(ctx, tx, stgOID)
	if err != nil {
		return err
	}
	lit := map[string]string{}
	for i, c := range lcols {
		lit[c] = lits[i]
	}
	var stmts []string
	for _, h := range have { // in staging's column order
		if v, ok := lit[h.Name]; ok {
			typ, _ := l.lineageType(h.Name)
			stmts = append(stmts, "ALTER TABLE "+l.staging+" DROP COLUMN "+ident(h.Name),
				"ALTER TABLE "+l.staging+" ADD COLUMN "+ident(h.Name)+" "+typ+" DEFAULT "+v)
		}
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
