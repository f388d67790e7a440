package run

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/schema"
)

// ErrGate means a pre-commit quality gate refused a staged load.
var ErrGate = errors.New("quality gate failed")

// gate runs the pre-commit checks on a staged load: row count
// reconciliation (always: rows read = rows staged + quarantined) and
// min_rows from sink.options.quality_gates. The not_null and unique gates
// on keys run on every batch (see gateChecker).
func (e *Engine) gate(u *manifest.Unit, g plan.Gates, rep *evidence.UnitReport) error {
	if rep.RowsWritten != rep.RowsRead-rep.RowsQuarantined {
		return fmt.Errorf("%w: unit %s: row_count_reconciliation: read %d rows, staged %d, quarantined %d",
			ErrGate, u.ID, rep.RowsRead, rep.RowsWritten, rep.RowsQuarantined)
	}
	if g.MinRows > 0 && rep.RowsWritten < g.MinRows {
		return fmt.Errorf("%w: unit %s: min_rows: staged %d rows, the gate wants at least %d; nothing was committed",
			ErrGate, u.ID, rep.RowsWritten, g.MinRows)
	}
	return nil
}

// gateChecker turns the not_null and unique gates into a strict contract
// checked on every batch, or nil when there are none.
func gateChecker(g plan.Gates, s *arrow.Schema) (*schema.Checker, error) {
	if len(g.NotNull) == 0 && len(g.Unique) == 0 {
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
	for _, c := range g.NotNull {
		rule(c)["nullable"] = false
	}
	for _, c := range g.Unique {
		rule(c)["unique"] = true
	}
	c, err := schema.ParseContract(map[string]any{"enforcement": "strict", "columns": cols})
	if err != nil {
		return nil, err
	}
	return schema.NewChecker(c, s)
}
