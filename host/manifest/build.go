package manifest

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// builder turns the checked tree into a Manifest, collecting problems.
type builder struct {
	p     *problems
	root  *node
	opts  Options
	m     *Manifest
	tmpl  *templates
	creds map[string]*credResult // by "<connections|env>:<id>"
	// missing collects, with Options.WithoutCredentials, the variables a
	// connection being resolved lacks (instead of errors).
	missing *[]string
	vault   *VaultConfig // the vault block, nil when absent
}

func (b *builder) build() {
	b.header()
	b.vault = b.vaultConfig()
	schemas := b.root.get("schemas")
	if schemas == nil || schemas.kind != mapNode || len(schemas.keys) == 0 {
		line := b.root.line
		if schemas != nil {
			line = schemas.line
		}
		b.p.add(ErrInvalid, line, "", "no tables: add schemas.<schema>.tables")
		return
	}
	for _, s := range schemas.keys {
		sn := schemas.m[s]
		tables := sn.get("tables")
		if tables == nil || tables.kind != listNode || len(tables.list) == 0 {
			b.p.add(ErrInvalid, sn.line, "", "schemas.%s has no tables", s)
			continue
		}
		for i, t := range tables.list {
			if u := b.unit(s, sn.get("defaults"), i, t); u != nil {
				b.m.Units = append(b.m.Units, u)
			}
		}
	}
	b.checkIDs()
	b.resolveDeps()
}

// header reads kind, metadata and state.
func (b *builder) header() {
	k := b.root.get("kind")
	switch {
	case k == nil:
		b.p.add(ErrInvalid, 1, "", "missing kind: expected kind: %s", Kind)
	case k.str() != Kind:
		b.p.add(ErrInvalid, k.line, "", "kind %q is not supported: expected %s", k.str(), Kind)
	}
	b.m.Kind = k.str()
	md := b.root.get("metadata")
	b.m.Metadata = Metadata{ID: md.get("id").str(), Owner: md.get("owner").str(), Tags: strs(md.get("tags"))}
	if b.m.Metadata.ID == "" {
		line := b.root.line
		if md != nil {
			line = md.line
		}
		b.p.add(ErrInvalid, line, "", "metadata.id is required (it prefixes process names and state keys)")
	}
	st := b.root.get("state")
	b.m.State = StateConfig{
		Backend: b.interpolate(st.get("backend"), "state.backend"),
		Path:    b.interpolate(st.get("path"), "state.path"),
		DSN:     b.interpolate(st.get("dsn"), "state.dsn"),
	}
	switch b.m.State.Backend {
	case "":
		b.m.State.Backend = "sqlite"
	case "sqlite", "postgres":
	default:
		b.p.add(ErrInvalid, st.get("backend").line, "", "state.backend %q is not supported%s", b.m.State.Backend, didYouMean(b.m.State.Backend, []string{"sqlite", "postgres"}))
	}
	if b.m.State.Backend == "postgres" && b.m.State.DSN == "" {
		b.p.add(ErrInvalid, st.line, "", "state.backend postgres needs state.dsn")
	}
	if b.m.State.Path == "" {
		b.m.State.Path = filepath.Join(".dpone", "state.db")
	}
	if !filepath.IsAbs(b.m.State.Path) {
		b.m.State.Path = filepath.Join(b.m.Dir, b.m.State.Path)
	}
	b.runConfig()
	pl := b.root.get("plugins")
	b.m.Plugins = PluginsConfig{Dir: b.manifestPath(pl.get("dir").str()), LockFile: b.manifestPath(pl.get("lock_file").str())}
}

// manifestPath makes a path from the manifest absolute against its
// directory; "" stays "".
func (b *builder) manifestPath(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(b.m.Dir, p)
}

// unit layers, renders and resolves table i of schema s.
func (b *builder) unit(s string, schemaDefaults *node, i int, t *node) *Unit {
	tablePath := fmt.Sprintf("schemas.%s.tables[%d]", s, i)
	table, id := t.str(), ""
	if t.kind == mapNode {
		table, id = t.get("table").str(), t.get("id").str()
	}
	if table == "" {
		return nil // reported by the shape check
	}
	if id == "" {
		id = s + "." + table
	}
	u := &Unit{ID: id, Schema: s, Table: table, Line: t.line}

	builtins := newMap(t.line, "builtin")
	for _, kv := range []struct{ k, v string }{
		{"src_schema", s}, {"src_table", table}, {"manifest_dir", b.m.Dir},
		{"manifest_id", b.m.Metadata.ID}, {"unit_id", id},
	} {
		builtins.set(kv.k, scalar(kv.v, t.line, "builtin"))
	}
	layers := []*node{wrap("vars", builtins), wrap("vars", b.root.get("vars").clone("vars"))}
	layers = append(layers, b.root.get("defaults").clone("defaults"))
	layers = append(layers, schemaDefaults.clone("schemas."+s+".defaults"))
	if t.kind == mapNode {
		layers = append(layers, wrap("vars", t.get("vars").clone(tablePath+".vars")))
		layers = append(layers, wrap("depends_on", t.get("depends_on").clone(tablePath)))
		layers = append(layers, t.get("overrides").clone(tablePath+".overrides"))
	}
	doc := newMap(t.line, "")
	for _, l := range layers {
		merge(doc, l, true)
	}
	idLayer := "builtin"
	if t.get("id") != nil {
		idLayer = tablePath
	}
	doc.set("id", scalar(id, t.line, idLayer))
	u.doc = doc

	errs := len(b.p.errs)
	b.renderUnit(u)
	if len(b.p.errs) > errs {
		return u // do not pile follow-on errors on a template error
	}
	b.applyDefaults(u)
	b.extract(u)
	b.credentials(u, "source")
	b.credentials(u, "sink")
	b.staging(u)
	u.origins = map[string]string{}
	collectOrigins(doc, "", u.origins)
	return u
}

// wrap returns {key: n}, or nil when n is nil.
func wrap(key string, n *node) *node {
	if n == nil {
		return nil
	}
	w := newMap(n.line, n.layer)
	w.set(key, n)
	return w
}

// merge layers src over dst: maps deep-merge, scalars and lists replace,
// and at the top of a unit depends_on appends.
func merge(dst, src *node, top bool) {
	if src == nil || src.kind != mapNode {
		return
	}
	for _, k := range src.keys {
		sv, dv := src.m[k], dst.m[k]
		switch {
		case sv.kind == scalarNode && sv.val == nil && (dv == nil || dv.kind == mapNode):
			// "key:" with no value is an empty mapping: nothing to merge.
		case top && k == "vars" && sv.kind != mapNode:
			// reported by the shape check; keep the vars layered so far.
		case top && k == "depends_on":
			if dv == nil {
				dv = &node{kind: listNode, line: sv.line, layer: sv.layer}
				dst.set(k, dv)
			}
			dv.list = append(dv.list, asList(sv)...)
			dv.layer = sv.layer
		case sv.kind == mapNode && dv != nil && dv.kind == mapNode:
			merge(dv, sv, false)
		case sv.kind == mapNode:
			c := newMap(sv.line, sv.layer)
			merge(c, sv, false)
			dst.set(k, c)
		default:
			dst.set(k, sv)
		}
	}
}

// asList returns the elements of a list, or a scalar as a one-element list.
func asList(n *node) []*node {
	switch {
	case n == nil:
		return nil
	case n.kind == listNode:
		return n.list
	case n.kind == scalarNode && n.val == nil:
		return nil
	}
	return []*node{n}
}

func strs(n *node) []string {
	var out []string
	for _, c := range asList(n) {
		out = append(out, c.str())
	}
	return out
}

// checkIDs reports units sharing an id.
func (b *builder) checkIDs() {
	seen := map[string]*Unit{}
	for _, u := range b.m.Units {
		if prev, ok := seen[u.ID]; ok {
			b.p.add(ErrInvalid, u.Line, "", "duplicate unit id %q (first defined at line %d): give one of them an explicit id", u.ID, prev.Line)
			continue
		}
		seen[u.ID] = u
	}
}

// collectOrigins records the layer of every leaf (scalar or list) under n.
func collectOrigins(n *node, path string, out map[string]string) {
	switch n.kind {
	case mapNode:
		for _, k := range n.keys {
			collectOrigins(n.m[k], join(path, k), out)
		}
	case listNode:
		out[path] = n.layer
		layers := []string{}
		for _, c := range n.list {
			if !slices.Contains(layers, c.layer) {
				layers = append(layers, c.layer)
			}
		}
		if len(layers) > 1 {
			out[path] = joinLayers(layers)
		}
	default:
		out[path] = n.layer
	}
}

// runConfig reads the run block: whole numbers, parallel from 1, retries
// from 0.
func (b *builder) runConfig() {
	r := b.root.get("run")
	num := func(key string, min int) (int, bool) {
		n := r.get(key)
		if n == nil {
			return 0, false
		}
		v, err := strconv.Atoi(strings.TrimSpace(n.str()))
		if err != nil || v < min || n.kind != scalarNode {
			b.p.add(ErrInvalid, n.line, "", "run.%s must be a whole number from %d, got %q", key, min, n.str())
			return 0, false
		}
		return v, true
	}
	if v, ok := num("parallel", 1); ok {
		b.m.Run.Parallel = v
	}
	if v, ok := num("retries", 0); ok {
		b.m.Run.Retries = &v
	}
}
