package manifest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Layer names Explain reports, besides the table-specific ones
// ("schemas.<s>.defaults", "schemas.<s>.tables[<i>]" and its ".vars" and
// ".overrides", "connections.<id>").
const (
	LayerBuiltin  = "builtin"
	LayerVars     = "vars"
	LayerDefaults = "defaults"
	LayerNaming   = "naming"
	LayerEnv      = "env"
)

// Explain returns the resolved value of field (a dotted path such as
// "sink.strategy.mode", "vars.src_system" or "source.config.dsn") and the
// layer that set it. Credentials come back redacted. For a mapping the
// value is the whole mapping and layer lists every contributing layer,
// comma separated.
func (u *Unit) Explain(field string) (value any, layer string, err error) {
	n := u.doc
	for _, part := range strings.Split(field, ".") {
		n = n.get(part)
		if n == nil {
			return nil, "", fmt.Errorf("unit %s has no field %q%s", u.ID, field, didYouMean(field, u.fields()))
		}
	}
	if l, ok := u.origins[field]; ok {
		return n.value(), l, nil
	}
	var layers []string
	for _, f := range u.fields() {
		if strings.HasPrefix(f, field+".") && !slices.Contains(layers, u.origins[f]) {
			layers = append(layers, u.origins[f])
		}
	}
	return n.value(), joinLayers(layers), nil
}

// Origins returns, for every leaf field of the unit, the layer that set
// it.
func (u *Unit) Origins() map[string]string { return maps.Clone(u.origins) }

func (u *Unit) fields() []string { return slices.Sorted(maps.Keys(u.origins)) }

func joinLayers(layers []string) string { return strings.Join(layers, ", ") }
