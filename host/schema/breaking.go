package schema

import (
	"fmt"

	"github.com/dpone-go/dpone/host/catalog"
)

// BreakingError is a column difference the policy does not allow. Diff
// returns one per such column (joined with errors.Join when there are
// several); find them with errors.As or Evolution.Breaking. The run engine
// must stop the unit before any DDL or DML when it gets one.
type BreakingError struct {
	// Kind classifies the difference (KindIncompatible, KindNarrowing, ...).
	Kind ChangeKind
	// Column is the column's name (in the source, or the target when the
	// source lacks it).
	Column string
	// From is the target side ("int64", "int64 NOT NULL", "(absent)").
	From string
	// To is the source side ("string", "(missing)").
	To string
	// Reason says why the change cannot be applied.
	Reason string
	// Hint says which option would allow it, or what to fix.
	Hint string
}

// Error reads, for example: column "qty": int64 -> string is incompatible;
// set sink.options.schema_evolution.on_type_change: new_column to load it
// into qty__dpone_nc_string, or fix the source.
func (e *BreakingError) Error() string {
	return fmt.Sprintf("column %q: %s -> %s %s; %s", e.Column, e.From, e.To, e.Reason, e.Hint)
}

const (
	absent  = "(absent)"
	missing = "(missing)"
)

func nullName(f *catalog.Field, typ *catalog.LogicalType) string {
	if f.GetNullable() {
		return TypeName(typ)
	}
	return TypeName(typ) + " NOT NULL"
}

// modeHint names the option that would allow what mode m refused.
func modeHint(want string) string {
	return fmt.Sprintf("set %s.mode: %s", PolicyPath, want)
}
