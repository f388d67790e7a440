package sdk

import "slices"

// Default history columns of an scd2 target.
const (
	DefaultValidFromColumn = "_dpone_valid_from"
	DefaultValidToColumn   = "_dpone_valid_to"
	DefaultIsCurrentColumn = "_dpone_is_current"
)

// scd2 hard_deletes values.
const (
	// HardDeletesIgnore leaves the current version of a key the load
	// lacks as it is (the default: right for incremental reads).
	HardDeletesIgnore = "ignore"
	// HardDeletesClose ends the current version of every key the load
	// lacks: the load must be a full snapshot of the source.
	HardDeletesClose = "close"
)

// SCD2 are the options of an scd2 (history) load. A load compares each
// staged row with the current version of its key (IS DISTINCT FROM, so
// NULL equals NULL): a change in a tracked column ends that version
// (ValidTo = the load time, IsCurrent = false) and inserts a new one
// (ValidFrom = the load time, ValidTo NULL, IsCurrent = true); a change
// only in other columns updates the current version in place; a new key
// gets its first version; an unchanged row is not touched. The load time
// is Lineage.LoadedAt (the run's start), else the commit transaction's
// clock. Two staged rows with one key are a DATA error.
type SCD2 struct {
	// TrackedColumns open a new version when they change; empty means
	// every loaded column except the unique key and the host's columns.
	TrackedColumns []string `json:"tracked_columns"`
	// ValidFrom, ValidTo and IsCurrent name the history columns.
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to"`
	IsCurrent string `json:"is_current"`
	// HardDeletes is HardDeletesIgnore or HardDeletesClose.
	HardDeletes string `json:"hard_deletes"`
}

// withDefaults fills in the default column names and hard_deletes and
// checks the options against the unique key. Errors carry CodeConfig.
func (o SCD2) withDefaults(key []string) (SCD2, error) {
	if o.ValidFrom == "" {
		o.ValidFrom = DefaultValidFromColumn
	}
	if o.ValidTo == "" {
		o.ValidTo = DefaultValidToColumn
	}
	if o.IsCurrent == "" {
		o.IsCurrent = DefaultIsCurrentColumn
	}
	switch o.HardDeletes {
	case "":
		o.HardDeletes = HardDeletesIgnore
	case HardDeletesIgnore, HardDeletesClose:
	default:
		return o, Errorf(CodeConfig, "sink.strategy.hard_deletes %q: want close or ignore", o.HardDeletes)
	}
	names := o.Columns()
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			return o, Errorf(CodeConfig, "sink.strategy: scd2 columns valid_from, valid_to and is_current must differ, %q is named twice", n)
		}
		if slices.Contains(key, n) || slices.Contains(o.TrackedColumns, n) {
			return o, Errorf(CodeConfig, "sink.strategy: scd2 history column %q is also a key or tracked column: rename it with valid_from, valid_to or is_current", n)
		}
	}
	for _, c := range o.TrackedColumns {
		if slices.Contains(key, c) {
			return o, Errorf(CodeConfig, "sink.strategy.tracked_columns: %q is in unique_key: a key column cannot change within a key's history", c)
		}
	}
	return o, nil
}

// Columns are the history columns: valid_from, valid_to, is_current.
func (o SCD2) Columns() []string { return []string{o.ValidFrom, o.ValidTo, o.IsCurrent} }

// Tracked returns the tracked columns among the loaded columns names:
// TrackedColumns, or every name but the key and the skipped (host)
// columns. A tracked column that is not loaded is a CONFIG error.
func (o SCD2) Tracked(names, key, skip []string) ([]string, error) {
	if len(o.TrackedColumns) > 0 {
		for _, c := range o.TrackedColumns {
			if !slices.Contains(names, c) {
				return nil, Errorf(CodeConfig, "sink.strategy.tracked_columns: column %q is not in the loaded columns (%v)", c, names)
			}
		}
		return o.TrackedColumns, nil
	}
	var out []string
	for _, n := range names {
		if !slices.Contains(key, n) && !slices.Contains(skip, n) && !slices.Contains(o.Columns(), n) {
			out = append(out, n)
		}
	}
	return out, nil
}
