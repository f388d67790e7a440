package run

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
)

// ErrGate means a pre-commit quality gate refused a staged load.
var ErrGate = errors.New("quality gate failed")

// gate runs the pre-commit checks on a staged load: row count
// reconciliation (always: rows read = rows staged + quarantined) and
// min_rows from sink.options.quality_gates. The not_null and unique gates
// on keys run on every batch (see gates).
func (e *Engine) gate(u *manifest.Unit, rep *evidence.UnitReport) error {
	if rep.RowsWritten != rep.RowsRead-rep.RowsQuarantined {
		return fmt.Errorf("%w: unit %s: row_count_reconciliation: read %d rows, staged %d, quarantined %d",
			ErrGate, u.ID, rep.RowsRead, rep.RowsWritten, rep.RowsQuarantined)
	}
	g, err := parseGates(u)
	if err != nil {
		return err
	}
	if g.minRows > 0 && rep.RowsWritten < g.minRows {
		return fmt.Errorf("%w: unit %s: min_rows: staged %d rows, the gate wants at least %d; nothing was committed",
			ErrGate, u.ID, rep.RowsWritten, g.minRows)
	}
	return nil
}

// HostSinkOptions are sink.options keys the host consumes; they are not
// sent to the sink.
var HostSinkOptions = []string{"quality_gates"}

// gates is sink.options.quality_gates.
type gates struct {
	minRows int64
	notNull []string
	unique  []string
}

// parseGates reads sink.options.quality_gates: {min_rows, not_null, unique}.
func parseGates(u *manifest.Unit) (gates, error) {
	var g gates
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
			g.minRows = int64(n)
		case "not_null", "unique":
			cols, err := stringList(v)
			if err != nil {
				return g, fmt.Errorf("unit %s: quality_gates.%s: %w", u.ID, k, err)
			}
			if k == "not_null" {
				g.notNull = cols
			} else {
				g.unique = cols
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

// checker turns the not_null and unique gates into a strict contract
// checked on every batch, or nil when there are none.
func (g gates) checker(s *arrow.Schema) (*schema.Checker, error) {
	if len(g.notNull) == 0 && len(g.unique) == 0 {
		return nil, nil
	}
	cols := map[string]any{}
	rule := func(c string) map[string]any {
		if r, ok := cols[c].(map[string]any); ok {
			return r
		}
		r := map[string]any{}
		cols[c] = r
		return r
	}
	for _, c := range g.notNull {
		rule(c)["nullable"] = false
	}
	for _, c := range g.unique {
		rule(c)["unique"] = true
	}
	c, err := schema.ParseContract(map[string]any{"enforcement": "strict", "columns": cols})
	if err != nil {
		return nil, err
	}
	return schema.NewChecker(c, s)
}
