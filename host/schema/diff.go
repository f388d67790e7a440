package schema

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dpone-go/dpone/host/catalog"
)

// NewColumnMarker separates a column's name from its type in the columns
// on_type_change: new_column creates: <col>__dpone_nc_<type>.
const NewColumnMarker = "__dpone_nc_"

// NewColumnName is the column on_type_change: new_column loads values of
// source column col, of type t, into: qty + string -> qty__dpone_nc_string.
// The suffix is the type's kind (timestamptz for timestamps with a zone),
// so that it stays stable when a length or precision changes.
func NewColumnName(col string, t *catalog.LogicalType) string {
	suffix := t.GetKind().String()
	if t.GetKind() == catalog.KindTimestamp && t.GetWithTimeZone() {
		suffix = "timestamptz"
	}
	return col + NewColumnMarker + suffix
}

// Diff compares the schema a source sends with the schema of an existing
// target (DescribeTarget) and classifies every difference under policy
// (see the package doc for the rules). Column order does not matter;
// names match exactly. If the target does not exist, do not call Diff:
// BeginLoad/CommitLoad create it from the source schema.
//
// Diff returns the Evolution in every case where the inputs are valid, so
// that a plan can show all of it. When the policy forbids a difference,
// the error is a *BreakingError (several are joined with errors.Join) and
// the Evolution's Changes must not be applied. An invalid policy is a
// *ConfigError; duplicate column names are a plain error.
func Diff(source, target []*catalog.Field, policy Policy) (*Evolution, error) {
	if err := policy.validate(); err != nil {
		return nil, err
	}
	d := &differ{
		ev:      &Evolution{Policy: policy, Renames: map[string]string{}},
		target:  map[string]*catalog.Field{},
		folded:  map[string]string{},
		matched: map[string]bool{},
	}
	for _, t := range target {
		if _, dup := d.target[t.GetName()]; dup {
			return nil, fmt.Errorf("target has two columns named %q", t.GetName())
		}
		d.target[t.GetName()] = t
		d.folded[strings.ToLower(t.GetName())] = t.GetName()
	}
	inSource := map[string]bool{}
	for _, s := range source {
		if inSource[s.GetName()] {
			return nil, fmt.Errorf("source has two columns named %q", s.GetName())
		}
		inSource[s.GetName()] = true
	}
	for _, s := range source {
		d.column(s, inSource)
	}
	for _, t := range target {
		name := t.GetName()
		if d.matched[name] || contains(policy.Managed, name) || strings.Contains(name, NewColumnMarker) {
			continue
		}
		d.missing(t)
	}
	errs := make([]error, 0)
	for _, b := range d.ev.Breaking() {
		errs = append(errs, b)
	}
	switch len(errs) {
	case 0:
		return d.ev, nil
	case 1:
		return d.ev, errs[0]
	}
	return d.ev, errors.Join(errs...)
}

type differ struct {
	ev      *Evolution
	target  map[string]*catalog.Field
	folded  map[string]string // lower-case name -> target name
	matched map[string]bool   // target columns a source column matched
}

func (d *differ) mode() Mode { return d.ev.Policy.Mode }

func (d *differ) add(c ColumnChange) { d.ev.Columns = append(d.ev.Columns, c) }

// column classifies one source column.
func (d *differ) column(s *catalog.Field, inSource map[string]bool) {
	name := s.GetName()
	t, ok := d.target[name]
	if !ok {
		if other, clash := d.folded[strings.ToLower(name)]; clash && !inSource[other] {
			d.matched[other] = true
			d.add(ColumnChange{Kind: KindCaseConflict, Column: name, Target: other, To: bare(s.GetType()),
				Err: &BreakingError{Kind: KindCaseConflict, Column: name, From: fmt.Sprintf("%q", other), To: fmt.Sprintf("%q", name),
					Reason: "differs from the target column only in letter case",
					Hint:   "rename it at the source (a query alias) to match the target exactly"}})
			return
		}
		d.addColumn(s)
		return
	}
	d.matched[name] = true
	d.typeChange(s, t)
}

// addColumn plans a new target column; it is always added as nullable
// because the target's existing rows have no value for it.
func (d *differ) addColumn(s *catalog.Field) {
	f := &catalog.Field{Name: s.GetName(), Type: bare(s.GetType()), Nullable: true}
	c := ColumnChange{Kind: KindAddColumn, Column: s.GetName(), Target: s.GetName(), To: f.Type}
	if d.mode().adds() {
		c.Op = &catalog.SchemaChange{Op: catalog.OpAddColumn, Field: f}
	} else {
		c.Err = &BreakingError{Kind: KindAddColumn, Column: s.GetName(), From: absent, To: TypeName(f.Type),
			Reason: fmt.Sprintf("is a new column, which mode %s does not allow", d.mode()),
			Hint:   modeHint("additive (or widening)") + ", or remove it from the source"}
	}
	d.add(c)
}

// typeChange classifies a column both sides have.
func (d *differ) typeChange(s, t *catalog.Field) {
	st, tt := s.GetType(), t.GetType()
	to, ok := Widen(st, tt)
	name := t.GetName()
	switch {
	case ok && sameType(to, tt):
		if !sameType(st, tt) {
			c := ColumnChange{Kind: KindNarrowerSource, Column: name, Target: name, From: bare(tt), To: bare(st)}
			if d.mode() == ModeFreeze {
				c.Err = &BreakingError{Kind: KindNarrowerSource, Column: name, From: TypeName(tt), To: TypeName(st),
					Reason: "differs, which mode freeze does not allow (the target would accept it)",
					Hint:   modeHint("strict") + " to accept narrower source types, or fix the source"}
			}
			d.add(c)
		}
	case ok && d.mode().widens():
		d.add(ColumnChange{Kind: KindWidenType, Column: name, Target: name, From: bare(tt), To: to,
			Op: &catalog.SchemaChange{Op: catalog.OpWidenType,
				Field: &catalog.Field{Name: name, Type: to, Nullable: t.GetNullable()},
				From:  bare(tt)}})
	case d.ev.Policy.OnTypeChange == TypeChangeNewColumn:
		d.route(s, t)
		return
	case ok:
		d.add(ColumnChange{Kind: KindNarrowing, Column: name, Target: name, From: bare(tt), To: bare(st),
			Err: &BreakingError{Kind: KindNarrowing, Column: name, From: TypeName(tt), To: TypeName(st),
				Reason: fmt.Sprintf("needs the target widened to %s, which mode %s does not allow", TypeName(to), d.mode()),
				Hint:   modeHint("widening") + ", or fix the source"}})
	default:
		kind, reason := KindIncompatible, "is incompatible"
		if sameFamily(st, tt) {
			kind, reason = KindNarrowing, "cannot be widened: no type of this kind holds both"
		}
		hint := fmt.Sprintf("set %s.on_type_change: new_column to load it into %s, or fix the source", PolicyPath, NewColumnName(name, st))
		if !d.mode().adds() {
			hint = fmt.Sprintf("set %s: {mode: additive, on_type_change: new_column} to load it into %s, or fix the source", PolicyPath, NewColumnName(name, st))
		}
		d.add(ColumnChange{Kind: kind, Column: name, Target: name, From: bare(tt), To: bare(st),
			Err: &BreakingError{Kind: kind, Column: name, From: TypeName(tt), To: TypeName(st), Reason: reason, Hint: hint}})
	}
	d.nullability(s, t)
}

// nullability plans DROP NOT NULL when a nullable source meets a NOT NULL
// target. A NOT NULL source into a nullable target needs nothing.
func (d *differ) nullability(s, t *catalog.Field) {
	if !s.GetNullable() || t.GetNullable() {
		return
	}
	d.relax(t, fmt.Sprintf("%s may send NULL", TypeName(s.GetType())))
}

func (d *differ) relax(t *catalog.Field, why string) {
	name := t.GetName()
	c := ColumnChange{Kind: KindDropNotNull, Column: name, Target: name, From: bare(t.GetType()), To: bare(t.GetType())}
	if d.mode().adds() {
		c.Op = &catalog.SchemaChange{Op: catalog.OpDropNotNull,
			Field: &catalog.Field{Name: name, Type: bare(t.GetType()), Nullable: true}}
	} else {
		c.Err = &BreakingError{Kind: KindDropNotNull, Column: name, From: nullName(t, t.GetType()), To: TypeName(t.GetType()),
			Reason: fmt.Sprintf("needs NOT NULL dropped (%s), which mode %s does not allow", why, d.mode()),
			Hint:   modeHint("additive (or widening)") + ", or make the source column NOT NULL"}
	}
	d.add(c)
}

// route sends a source column the target cannot take into its
// __dpone_nc_ column; the original target column gets NULL.
func (d *differ) route(s, t *catalog.Field) {
	src, name := s.GetName(), NewColumnName(s.GetName(), s.GetType())
	d.ev.Renames[src] = name
	c := ColumnChange{Kind: KindNewColumn, Column: src, Target: name, From: bare(t.GetType()), To: bare(s.GetType())}
	nc, exists := d.target[name]
	if !exists {
		c.Op = &catalog.SchemaChange{Op: catalog.OpAddColumn,
			Field: &catalog.Field{Name: name, Type: bare(s.GetType()), Nullable: true}}
		d.add(c)
	} else {
		d.add(c)
		d.matched[name] = true
		routed := &catalog.Field{Name: name, Type: s.GetType(), Nullable: s.GetNullable()}
		to, ok := Widen(s.GetType(), nc.GetType())
		switch {
		case ok && sameType(to, nc.GetType()):
		case ok && d.mode().widens():
			d.add(ColumnChange{Kind: KindWidenType, Column: src, Target: name, From: bare(nc.GetType()), To: to,
				Op: &catalog.SchemaChange{Op: catalog.OpWidenType,
					Field: &catalog.Field{Name: name, Type: to, Nullable: true}, From: bare(nc.GetType())}})
		default:
			d.add(ColumnChange{Kind: KindIncompatible, Column: src, Target: name, From: bare(nc.GetType()), To: bare(s.GetType()),
				Err: &BreakingError{Kind: KindIncompatible, Column: name, From: TypeName(nc.GetType()), To: TypeName(s.GetType()),
					Reason: "does not fit the existing new_column column",
					Hint:   "fix the source, or alter or drop " + name + " in the target"}})
		}
		d.nullability(routed, nc)
	}
	if !t.GetNullable() {
		d.relax(t, "its values now go to "+name)
	}
}

// missing classifies a target column the source does not send.
func (d *differ) missing(t *catalog.Field) {
	name := t.GetName()
	c := ColumnChange{Kind: KindMissingInSource, Column: name, Target: name, From: bare(t.GetType())}
	switch {
	case d.mode() == ModeFreeze:
		c.Err = &BreakingError{Kind: KindMissingInSource, Column: name, From: nullName(t, t.GetType()), To: missing,
			Reason: "is missing in the source, which mode freeze does not allow",
			Hint:   modeHint("strict") + " (or additive, widening) to accept a source with fewer columns, or restore it at the source"}
	case !t.GetNullable():
		c.Err = &BreakingError{Kind: KindMissingInSource, Column: name, From: nullName(t, t.GetType()), To: missing,
			Reason: "is missing in the source and NOT NULL in the target",
			Hint:   "restore it at the source, or make the target column nullable"}
	}
	d.add(c)
}

// sameFamily: both integers or both decimals, where Widen fails only
// because no type of the family is wide enough.
func sameFamily(a, b *catalog.LogicalType) bool {
	ak, bk := a.GetKind(), b.GetKind()
	return isInt(ak) && isInt(bk) || ak == catalog.KindDecimal && bk == ak
}
