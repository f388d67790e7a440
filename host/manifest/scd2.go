package manifest

import "slices"

// SCD2Keys are the sink.strategy keys of mode scd2 beside unique_key.
var SCD2Keys = []string{"tracked_columns", "valid_from", "valid_to", "is_current", "hard_deletes"}

// checkSCD2 checks, with the line of the key at fault, what mode scd2
// needs of a unit: a unique key, tracked columns outside it, three
// distinct history columns, and hard_deletes: close only on full reads
// (a key missing from an incremental read has not been deleted). Its keys
// with another mode are refused: they would be ignored.
func (b *builder) checkSCD2(u *Unit, st *node) {
	s := u.Sink.Strategy
	if s.Mode != "scd2" {
		for _, k := range SCD2Keys {
			if n := st.get(k); n != nil {
				b.p.add(ErrInvalid, n.line, u.ID, "sink.strategy.%s applies to mode scd2 only (the mode is %s)", k, s.Mode)
			}
		}
		return
	}
	if len(s.UniqueKey) == 0 {
		b.p.add(ErrInvalid, st.get("mode").line, u.ID, "sink.strategy.mode scd2 needs sink.strategy.unique_key (the columns that identify a row across its versions)")
	}
	if n := st.get("tracked_columns"); n != nil {
		for _, c := range strs(n) {
			if slices.Contains(s.UniqueKey, c) {
				b.p.add(ErrInvalid, n.line, u.ID, "sink.strategy.tracked_columns: %s is in unique_key: a key column cannot change within a key's history", c)
			}
		}
	}
	seen := map[string]string{}
	for _, k := range []string{"valid_from", "valid_to", "is_current"} {
		n := st.get(k)
		name := n.str()
		if n == nil || name == "" {
			continue
		}
		if first, dup := seen[name]; dup {
			b.p.add(ErrInvalid, n.line, u.ID, "sink.strategy.%s: column %q is already the %s column: the history columns need three different names", k, name, first)
			continue
		}
		seen[name] = k
		if slices.Contains(s.UniqueKey, name) {
			b.p.add(ErrInvalid, n.line, u.ID, "sink.strategy.%s: column %q is in unique_key: name the history column apart from the loaded columns", k, name)
		}
	}
	hd := st.get("hard_deletes")
	if hd.str() != "close" {
		return
	}
	if inc, _ := u.Source.Options["incremental_strategy"].(string); inc != "" {
		b.p.add(ErrInvalid, hd.line, u.ID, "sink.strategy.hard_deletes close needs a full snapshot of the source on every run, but source.options.incremental_strategy is %s: use hard_deletes: ignore, or read the whole table (remove incremental_strategy)", inc)
	}
}
