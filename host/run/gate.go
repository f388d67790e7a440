package run

import (
	"errors"
	"fmt"

	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
)

// ErrGate means a pre-commit quality gate refused a staged load.
var ErrGate = errors.New("quality gate failed")

// gate runs the pre-commit checks on a staged load. Row count
// reconciliation always runs: every row read must be staged.
func (e *Engine) gate(u *manifest.Unit, rep *evidence.UnitReport) error {
	if rep.RowsWritten != rep.RowsRead-rep.RowsQuarantined {
		return fmt.Errorf("%w: unit %s: row_count_reconciliation: read %d rows, staged %d, quarantined %d",
			ErrGate, u.ID, rep.RowsRead, rep.RowsWritten, rep.RowsQuarantined)
	}
	return nil
}
