package manifest

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// kind of a tree node.
type kind int

const (
	scalarNode kind = iota
	mapNode
	listNode
)

// node is a YAML value with its position and the layer that set it. The
// layering, templating and explain machinery all work on this tree.
type node struct {
	kind  kind
	val   any // scalarNode: string, int, int64, float64, bool or nil
	keys  []string
	m     map[string]*node
	list  []*node
	line  int
	layer string
}

func newMap(line int, layer string) *node {
	return &node{kind: mapNode, m: map[string]*node{}, line: line, layer: layer}
}

func scalar(v any, line int, layer string) *node {
	return &node{kind: scalarNode, val: v, line: line, layer: layer}
}

// get returns the child under key, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	return n.m[key]
}

// set adds or replaces a child, keeping key order.
func (n *node) set(key string, child *node) {
	if _, ok := n.m[key]; !ok {
		n.keys = append(n.keys, key)
	}
	n.m[key] = child
}

func (n *node) del(key string) {
	if _, ok := n.m[key]; !ok {
		return
	}
	delete(n.m, key)
	n.keys = slices.DeleteFunc(n.keys, func(k string) bool { return k == key })
}

// str returns the scalar as a string ("" for nil or non-scalars).
func (n *node) str() string {
	if n == nil || n.kind != scalarNode || n.val == nil {
		return ""
	}
	if s, ok := n.val.(string); ok {
		return s
	}
	return fmt.Sprint(n.val)
}

// clone deep-copies n; a non-empty layer relabels every node.
func (n *node) clone(layer string) *node {
	if n == nil {
		return nil
	}
	c := *n
	if layer != "" {
		c.layer = layer
	}
	switch n.kind {
	case mapNode:
		c.keys = slices.Clone(n.keys)
		c.m = make(map[string]*node, len(n.m))
		for k, v := range n.m {
			c.m[k] = v.clone(layer)
		}
	case listNode:
		c.list = make([]*node, len(n.list))
		for i, v := range n.list {
			c.list[i] = v.clone(layer)
		}
	}
	return &c
}

// value converts the tree to plain Go values (map[string]any, []any,
// scalars).
func (n *node) value() any {
	if n == nil {
		return nil
	}
	switch n.kind {
	case mapNode:
		m := make(map[string]any, len(n.m))
		for k, v := range n.m {
			m[k] = v.value()
		}
		return m
	case listNode:
		l := make([]any, len(n.list))
		for i, v := range n.list {
			l[i] = v.value()
		}
		return l
	}
	return n.val
}

// fromYAML converts a yaml.v3 node. Anchors and aliases are expanded, and
// "<<" merge keys are applied (explicit keys win).
func fromYAML(y *yaml.Node, p *problems) *node {
	for y.Kind == yaml.AliasNode {
		y = y.Alias
	}
	switch y.Kind {
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return newMap(y.Line, "")
		}
		return fromYAML(y.Content[0], p)
	case yaml.MappingNode:
		n := newMap(y.Line, "")
		var merges []*yaml.Node
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				p.add(ErrInvalid, k.Line, "", "mapping keys must be strings")
				continue
			}
			if k.Value == "<<" && k.Tag == "!!merge" {
				merges = append(merges, v)
				continue
			}
			if _, dup := n.m[k.Value]; dup {
				p.add(ErrInvalid, k.Line, "", "duplicate key %q", k.Value)
				continue
			}
			child := fromYAML(v, p)
			child.line = k.Line
			n.set(k.Value, child)
		}
		for _, mv := range merges {
			for mv.Kind == yaml.AliasNode {
				mv = mv.Alias
			}
			srcs := []*yaml.Node{mv}
			if mv.Kind == yaml.SequenceNode {
				srcs = mv.Content
			}
			for _, s := range srcs {
				sn := fromYAML(s, p)
				if sn.kind != mapNode {
					p.add(ErrInvalid, s.Line, "", "merge key << needs a mapping")
					continue
				}
				for _, k := range sn.keys {
					if n.get(k) == nil {
						n.set(k, sn.m[k])
					}
				}
			}
		}
		return n
	case yaml.SequenceNode:
		n := &node{kind: listNode, line: y.Line}
		for _, c := range y.Content {
			n.list = append(n.list, fromYAML(c, p))
		}
		return n
	default:
		var v any
		if err := y.Decode(&v); err != nil {
			p.add(ErrInvalid, y.Line, "", "decode value %q: %v", y.Value, err)
		}
		return scalar(v, y.Line, "")
	}
}
