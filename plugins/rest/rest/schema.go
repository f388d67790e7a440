package rest

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// column is one output column: where its value comes from and its type.
type column struct {
	name   string
	source string // record field (a__b when flattened), or _parent_<f>
	typ    colType
}

// parentPrefix names the parent fields copied into child records.
const parentPrefix = "_parent_"

// schemaOf fixes a resource's columns: the declared ones, then the
// fields of the sample in the order they first appear (with inference;
// the _parent_ fields of a child always, typed as the parent declares
// them, so an empty read has the same schema). A field only ever NULL in the sample is a
// string.
func schemaOf(res, parent *Resource, sample []*record) ([]column, error) {
	var cols []column
	have := map[string]bool{}
	declared := res.Columns
	if parent != nil && res.Parent != nil {
		for _, f := range res.Parent.Fields {
			for _, d := range parent.Columns {
				if d.Name == f || d.Path == f {
					declared = append(declared, Column{Name: parentPrefix + f, Type: d.Type})
				}
			}
		}
	}
	for _, d := range declared {
		t, err := parseType(d.Type)
		if err != nil {
			return nil, err
		}
		src := d.Path
		if src == "" {
			src = d.Name
		}
		cols = append(cols, column{name: d.Name, source: src, typ: t})
		have[src] = true
	}
	parents := parentFieldNames(res)
	kinds := map[string]string{}
	var order []string
	if !res.inferOn() {
		sample = nil // the schema is the declaration alone, as DescribeStream gives it without requests
	}
	for _, r := range sample {
		for _, k := range r.keys {
			if have[k] {
				continue
			}
			if _, ok := kinds[k]; !ok {
				order = append(order, k)
				kinds[k] = ""
			}
			if raw := r.vals[k]; len(raw) > 0 {
				kinds[k] = widen(kinds[k], inferKind(raw))
			}
		}
	}
	for _, k := range order {
		name := kinds[k]
		if name == "" {
			name = "string"
		}
		cols = append(cols, column{name: k, source: k, typ: colType{name: name}})
		have[k] = true
	}
	for _, k := range parents { // no sample record had it (an empty read): still a column
		if !have[k] {
			cols = append(cols, column{name: k, source: k, typ: colType{name: "string"}})
		}
	}
	return cols, nil
}

// parentFieldNames are the _parent_<field> columns of a child resource.
func parentFieldNames(res *Resource) []string {
	if res.Parent == nil {
		return nil
	}
	out := make([]string, len(res.Parent.Fields))
	for i, f := range res.Parent.Fields {
		out[i] = parentPrefix + f
	}
	return out
}

// project keeps the named columns (all when names is empty), in the
// schema's order.
func project(cols []column, names []string) []column {
	if len(names) == 0 {
		return cols
	}
	var out []column
	for _, c := range cols {
		if slices.Contains(names, c.name) {
			out = append(out, c)
		}
	}
	return out
}

// arrowSchema is the Arrow schema of cols; primary key columns are not
// nullable.
func arrowSchema(cols []column, pk []string) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = c.typ.field(c.name, !slices.Contains(pk, c.name))
	}
	return arrow.NewSchema(fields, nil)
}
