package plan

import (
	"fmt"

	"github.com/dpone-go/dpone/host/manifest"
)

// Gates is sink.options.quality_gates, parsed.
type Gates struct {
	// MinRows is the fewest rows a load may stage.
	MinRows int64
	// NotNull and Unique are key columns checked on every batch.
	NotNull []string
	Unique  []string
}

// ParseGates reads sink.options.quality_gates: {min_rows, not_null, unique}.
func ParseGates(u *manifest.Unit) (Gates, error) {
	var g Gates
	raw, ok := u.Sink.Options["quality_gates"]
	if !ok || raw == nil {
		return g, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return g, fmt.Errorf("unit %s: sink.options.quality_gates must be a map (min_rows, not_null, unique), got %T", u.ID, raw)
	}
	for k, v := range m {
		switch k {
		case "min_rows":
			n, ok := v.(int)
			if f, isFloat := v.(float64); isFloat {
				n, ok = int(f), f == float64(int(f))
			}
			if !ok || n < 0 {
				return g, fmt.Errorf("unit %s: quality_gates.min_rows must be a non-negative integer, got %v", u.ID, v)
			}
			g.MinRows = int64(n)
		case "not_null", "unique":
			cols, err := stringList(v)
			if err != nil {
				return g, fmt.Errorf("unit %s: quality_gates.%s: %w", u.ID, k, err)
			}
			if k == "not_null" {
				g.NotNull = cols
			} else {
				g.Unique = cols
			}
		default:
			return g, fmt.Errorf("unit %s: quality_gates: unknown key %q (want min_rows, not_null, unique)", u.ID, k)
		}
	}
	return g, nil
}

func stringList(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of column names, got %T", v)
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("want column names, got %v", x)
		}
		out = append(out, s)
	}
	return out, nil
}
