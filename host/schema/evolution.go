package schema

import (
	"github.com/dpone-go/dpone/host/catalog"
)

// ChangeKind classifies one column difference found by Diff.
type ChangeKind int

// Kinds of column differences. The package doc's table says which modes
// allow each.
const (
	// KindAddColumn: the source has a column the target lacks.
	KindAddColumn ChangeKind = iota + 1
	// KindWidenType: the target type must grow to hold the source type.
	KindWidenType
	// KindDropNotNull: a NOT NULL target column must accept NULL.
	KindDropNotNull
	// KindNewColumn: an incompatible column routed to <col>__dpone_nc_<type>.
	KindNewColumn
	// KindMissingInSource: the target has a column the source lacks.
	KindMissingInSource
	// KindNarrowerSource: the source type fits the target as is (int32
	// into int64); informational, except under mode freeze.
	KindNarrowerSource
	// KindNarrowing: the target is narrower than the source and may not
	// (mode) or cannot (no wider type) be widened.
	KindNarrowing
	// KindIncompatible: the kinds differ (int64 vs string, timestamp with
	// vs without zone).
	KindIncompatible
	// KindCaseConflict: names differ only in letter case.
	KindCaseConflict
)

var kindText = map[ChangeKind]string{
	KindAddColumn: "add_column", KindWidenType: "widen_type", KindDropNotNull: "drop_not_null",
	KindNewColumn: "new_column", KindMissingInSource: "missing_in_source", KindNarrowerSource: "narrower_source",
	KindNarrowing: "narrowing", KindIncompatible: "incompatible", KindCaseConflict: "case_conflict",
}

// String returns the snake_case name used in reports.
func (k ChangeKind) String() string {
	if s, ok := kindText[k]; ok {
		return s
	}
	return "unknown"
}

// ColumnChange is one classified difference.
type ColumnChange struct {
	Kind ChangeKind
	// Column is the source column (the target column for
	// KindMissingInSource).
	Column string
	// Target is the target column the change applies to: Column, or the
	// __dpone_nc_ column for KindNewColumn.
	Target string
	// From is the target's type before the change (nil for a new column).
	From *catalog.LogicalType
	// To is the type after the change (add, widen, new column) or the
	// source's type.
	To *catalog.LogicalType
	// Op is the DDL to send to ApplySchema; nil when the difference needs
	// none or the policy forbids it.
	Op *catalog.SchemaChange
	// Err is set when the policy forbids the difference.
	Err *BreakingError
}

// Evolution is what Diff found: every column difference, the DDL the
// policy allows, and the column renames new_column routing needs. It is
// immutable after Diff returns and safe to share between goroutines.
type Evolution struct {
	Policy Policy
	// Columns lists every difference: source columns in source order,
	// then target columns the source lacks, in target order.
	Columns []ColumnChange
	// Renames maps a source column to the target column that receives its
	// values (on_type_change: new_column). The host renames these fields
	// in every Arrow batch before Write (RenameRecord) and in the
	// BeginLoad schema (RenameSchema). Empty when nothing is routed.
	Renames map[string]string
}

// Changes returns the schema changes to send to ApplySchema, in order
// (first dry_run for the plan, then for real before BeginLoad). Empty
// when the target needs no DDL. Do not apply them when Diff returned an
// error.
func (ev *Evolution) Changes() []*catalog.SchemaChange {
	var out []*catalog.SchemaChange
	for _, c := range ev.Columns {
		if c.Op != nil && c.Err == nil {
			out = append(out, c.Op)
		}
	}
	return out
}

// Breaking returns the differences the policy forbids, in Columns order.
func (ev *Evolution) Breaking() []*BreakingError {
	var out []*BreakingError
	for _, c := range ev.Columns {
		if c.Err != nil {
			out = append(out, c.Err)
		}
	}
	return out
}

// NeedsDDL reports whether Changes is not empty.
func (ev *Evolution) NeedsDDL() bool { return len(ev.Changes()) > 0 }
