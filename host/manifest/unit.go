package manifest

import (
	"slices"
)

// applyDefaults fills table names, mode and process name where no layer
// set them.
func (b *builder) applyDefaults(u *Unit) {
	doc := u.doc
	for _, side := range []string{"source", "sink"} {
		ep := child(doc, side, u.Line)
		tbl := child(ep, "table", ep.line)
		schema, name := scalar(u.Schema, u.Line, "builtin"), scalar(u.Table, u.Line, "builtin")
		if side == "sink" {
			if n, ok := b.renderNaming(u, "sink_dataset"); ok {
				schema = n
			}
			if n, ok := b.renderNaming(u, "sink_table"); ok {
				name = n
			}
			st := child(ep, "strategy", ep.line)
			if st.get("mode").str() == "" {
				st.set("mode", scalar("full_refresh", u.Line, "builtin"))
			}
		}
		if tbl.get("schema").str() == "" {
			tbl.set("schema", schema)
		}
		if tbl.get("name").str() == "" {
			tbl.set("name", name)
		}
	}
	pn, ok := b.renderNaming(u, "process_name")
	if !ok {
		pn = scalar(b.m.Metadata.ID+"."+u.ID, u.Line, "builtin")
	}
	doc.set("process_name", pn)
}

// child returns n[key], creating an empty mapping there if needed.
func child(n *node, key string, line int) *node {
	c := n.get(key)
	if c == nil || c.kind != mapNode {
		c = newMap(line, "")
		n.set(key, c)
	}
	return c
}

// extract fills the typed fields of u from its resolved tree and checks
// what the shape check cannot.
func (b *builder) extract(u *Unit) {
	doc := u.doc
	u.Source = b.endpoint(u, "source", doc.get("source"))
	u.Sink = b.endpoint(u, "sink", doc.get("sink"))
	u.deps = asList(doc.get("depends_on"))
	u.DependsOn = strs(doc.get("depends_on"))
	u.SchemaContract = mapValue(doc.get("schema_contract"))
	u.ProcessName = doc.get("process_name").str()

	st := doc.get("sink").get("strategy")
	mode := st.get("mode")
	if !slices.Contains(Modes, u.Sink.Strategy.Mode) {
		b.p.add(ErrInvalid, mode.line, u.ID, "sink.strategy.mode %q is not a load mode%s", u.Sink.Strategy.Mode, didYouMean(u.Sink.Strategy.Mode, Modes))
	}
	if u.Sink.Strategy.Mode == "incremental_merge" && len(u.Sink.Strategy.UniqueKey) == 0 {
		b.p.add(ErrInvalid, mode.line, u.ID, "sink.strategy.mode incremental_merge needs sink.strategy.unique_key (the columns to upsert on)")
	}
	b.checkSCD2(u, st)
	if src := doc.get("source").get("strategy"); src != nil && src.kind == mapNode && len(src.keys) > 0 {
		b.p.add(ErrInvalid, src.line, u.ID, "source.strategy is not used: the load strategy belongs to sink.strategy")
	}
}

// endpoint reads one side of a unit.
func (b *builder) endpoint(u *Unit, side string, n *node) Endpoint {
	e := Endpoint{
		Type:           n.get("type").str(),
		ConnectionID:   n.get("connection_id").str(),
		ConnectionType: n.get("connection_type").str(),
		Table:          TableRef{Schema: n.get("table").get("schema").str(), Name: n.get("table").get("name").str()},
		Options:        mapValue(n.get("options")),
	}
	if e.Type == "" {
		b.p.add(ErrInvalid, u.Line, u.ID, "%s.type is required: set it in defaults.%s.type or the table's overrides", side, side)
	}
	if side == "sink" {
		if st := n.get("shared_target"); st != nil {
			switch v := st.val.(type) {
			case bool:
				e.SharedTarget = v
			default:
				b.p.add(ErrInvalid, st.line, u.ID, "sink.shared_target must be true or false, got %v", st.val)
			}
		}
		st := n.get("strategy")
		e.Strategy.Mode = st.get("mode").str()
		e.Strategy.UniqueKey = strs(st.get("unique_key"))
		for _, k := range st.keys {
			if k == "mode" || k == "unique_key" {
				continue
			}
			if e.Strategy.Extra == nil {
				e.Strategy.Extra = map[string]any{}
			}
			e.Strategy.Extra[k] = st.m[k].value()
		}
	}
	return e
}

// mapValue converts a mapping node to a map; anything else yields nil.
func mapValue(n *node) map[string]any {
	if n == nil || n.kind != mapNode {
		return nil
	}
	m, _ := n.value().(map[string]any)
	return m
}
