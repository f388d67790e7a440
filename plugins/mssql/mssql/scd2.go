package mssql

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// History columns of an scd2 target: the times as plan creates them
// (timestamp with time zone, microseconds) and a bit.
const (
	scd2TimeType    = "datetimeoffset(6)"
	scd2CurrentType = "bit"
)

// scd2Columns are the history columns of an scd2 load, nil for another mode.
func (l *load) scd2Columns() []string {
	if l.req.Mode != sdk.ModeSCD2 {
		return nil
	}
	return l.strategy.SCD2.Columns()
}

// scd2Defs are the history columns a target the commit creates gets.
func (l *load) scd2Defs() []string {
	c := l.scd2Columns()
	if c == nil {
		return nil
	}
	return []string{ident(c[0]) + " " + scd2TimeType + " NULL", ident(c[1]) + " " + scd2TimeType + " NULL",
		ident(c[2]) + " " + scd2CurrentType + " NULL"}
}

// scd2AddDefs are the history columns as added to an existing target:
// is_current defaults to 1 WITH VALUES, so the rows loaded before become
// the current versions (valid_from NULL).
func (l *load) scd2AddDefs() []string {
	d := l.scd2Defs()
	if d != nil {
		d[2] += " DEFAULT 1 WITH VALUES"
	}
	return d
}

// scd2SQL is one batch that versions the target by the staged rows (see
// sdk.SCD2 and docs/manifest.md "History tables"), in the commit
// transaction. Before any change it refuses, with a DATA error (THROW
// guardError), keys staged twice, NULL keys and a load time before the
// start of a current version. Then it ends the current versions whose
// tracked columns changed (and, with hard_deletes close, those of keys
// the load lacks), updates untracked columns of the remaining current
// versions in place, and inserts a version for every staged key without
// a current one (new keys, changed keys, keys closed before). It returns
// the inserted, updated (ended or updated in place) and closed counts.
//
// The load time @at is the lineage load time (the run's start), else the
// server's clock in this batch: every version the load opens or ends
// carries the same instant. Keys hold no NULL (refused first), so they
// match by equality; columns compare NULL-safe with EXISTS … EXCEPT.
func (l *load) scd2SQL(names, lcols, lvals []string, largs []namedArg) (stmt, error) {
	o, keys := l.strategy.SCD2, l.req.UniqueKey
	tracked, err := o.Tracked(names, keys, lcols)
	if err != nil {
		return stmt{}, err
	}
	var untracked []string
	for _, n := range names {
		if !slices.Contains(keys, n) && !slices.Contains(tracked, n) {
			untracked = append(untracked, n)
		}
	}
	vf, vt, cur := ident(o.ValidFrom), ident(o.ValidTo), ident(o.IsCurrent)
	at := "SYSDATETIMEOFFSET()"
	a := slices.Clone(largs)
	if lg := l.req.Load.Lineage; lg != nil && lg.LoadedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, lg.LoadedAt)
		if err != nil {
			return stmt{}, sdk.Errorf(sdk.CodeConfig, "mssql sink: lineage.loaded_at %q is not an RFC 3339 time: %v", lg.LoadedAt, err)
		}
		// The history columns hold microseconds; a text of more than 7
		// fractional digits is no datetimeoffset literal.
		at = "CAST(@load_time AS " + scd2TimeType + ")"
		a = append(a, namedArg{"load_time", t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999Z07:00")})
	}
	kl := identList(keys)
	keyText := make([]string, 0, 2*len(keys))
	for i, k := range keys {
		if i > 0 {
			keyText = append(keyText, "N', '")
		}
		keyText = append(keyText, ident(k))
	}
	if len(keyText) == 1 {
		keyText = append(keyText, "N''") // CONCAT takes two arguments or more
	}
	var b strings.Builder
	b.WriteString("DECLARE @at " + scd2TimeType + " = " + at + ";\n")
	b.WriteString("DECLARE @msg nvarchar(2048), @n bigint, @example nvarchar(400), @latest " + scd2TimeType + ";\n")
	b.WriteString("DECLARE @ins bigint = 0, @upd bigint = 0, @del bigint = 0;\n")
	// Two statements: SQL Server refuses an aggregate over a subquery (error 130).
	b.WriteString("SELECT @n = COUNT_BIG(*), @example = MIN(k) FROM (SELECT CAST(CONCAT(" + strings.Join(keyText, ", ") + ") AS nvarchar(400)) AS k FROM " +
		l.staging + " GROUP BY " + kl + " HAVING COUNT_BIG(*) > 1) AS d;\n")
	b.WriteString(throwIf("@n > 0", "N'mode scd2: '", "@n", literal(" keys appear more than once in load "+l.req.LoadID+" (e.g. "+kl+" = "),
		"@example", literal("): one load holds one version per key; deduplicate the source or read fewer changes per run")) + "\n")
	b.WriteString("SET @n = (SELECT COUNT_BIG(*) FROM " + l.staging + " WHERE " + anyNull(keys) + ");\n")
	b.WriteString(throwIf("@n > 0", "N'mode scd2: '", "@n", literal(" rows of load "+l.req.LoadID+" have a NULL in unique_key "+kl+
		": a NULL key identifies no history; filter them out or choose another key")) + "\n")
	b.WriteString("SET @latest = (SELECT MAX(" + vf + ") FROM " + l.target + " WHERE " + cur + " = 1 AND " + vf + " > @at);\n")
	b.WriteString(throwIf("@latest IS NOT NULL", "N'mode scd2: load time '", "CONVERT(nvarchar(40), @at, 127)",
		literal(" is before the start of a current version ("+o.ValidFrom+" = "), "CONVERT(nvarchar(40), @latest, 127)",
		literal("): history would run backwards; was the run's clock or a replayed load late?")) + "\n")

	join := "FROM " + l.target + " AS t JOIN " + l.staging + " AS s ON " + keyEqual("t", "s", keys) + " WHERE t." + cur + " = 1"
	if len(tracked) > 0 {
		b.WriteString("UPDATE t SET " + vt + " = @at, " + cur + " = 0 " + join + " AND " + differs("t", "s", tracked) + ";\n")
		b.WriteString("SET @upd = @@ROWCOUNT;\n")
	}
	if o.HardDeletes == sdk.HardDeletesClose {
		b.WriteString("UPDATE t SET " + vt + " = @at, " + cur + " = 0 FROM " + l.target + " AS t WHERE t." + cur +
			" = 1 AND NOT EXISTS (SELECT 1 FROM " + l.staging + " AS s WHERE " + keyEqual("t", "s", keys) + ");\n")
		b.WriteString("SET @del = @@ROWCOUNT;\n")
	}
	if len(untracked) > 0 {
		sets := make([]string, 0, len(untracked)+len(lcols))
		for _, c := range untracked {
			sets = append(sets, ident(c)+" = s."+ident(c))
		}
		for i, c := range lcols {
			sets = append(sets, ident(c)+" = "+lvals[i])
		}
		b.WriteString("UPDATE t SET " + strings.Join(sets, ", ") + " " + join + " AND " + differs("t", "s", untracked) + ";\n")
		b.WriteString("SET @upd += @@ROWCOUNT;\n")
	}
	into := append(append(slices.Clone(names), lcols...), o.Columns()...)
	sel := append(append(qualifiedCols("s", names), lvals...), "@at", "NULL", "1")
	b.WriteString("INSERT INTO " + l.target + " (" + identList(into) + ")\nSELECT " + strings.Join(sel, ", ") + " FROM " + l.staging +
		" AS s WHERE NOT EXISTS (SELECT 1 FROM " + l.target + " AS t WHERE t." + cur + " = 1 AND " + keyEqual("t", "s", keys) + ");\n")
	b.WriteString("SET @ins = @@ROWCOUNT;\n")
	b.WriteString("SELECT @ins, @upd, @del;")
	return stmt{SQL: b.String(), Args: a, Counts: true}, nil
}

// throwIf is guard for a batch that declares @msg once (guard declares
// it itself, so a batch can hold only one guard).
func throwIf(cond string, msg ...string) string {
	return "IF " + cond + " BEGIN SET @msg = CONCAT(" + strings.Join(msg, ", ") + "); THROW " +
		strconv.Itoa(guardError) + ", @msg, 1; END;"
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

// differs renders a NULL-safe "any of cols differs between a and b":
// EXCEPT compares NULLs as equal.
func differs(a, b string, cols []string) string {
	return "EXISTS (SELECT " + strings.Join(qualifiedCols(a, cols), ", ") + " EXCEPT SELECT " + strings.Join(qualifiedCols(b, cols), ", ") + ")"
}

// qualifiedCols renders "p.[c]" for every column.
func qualifiedCols(p string, cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p + "." + ident(c)
	}
	return out
}
