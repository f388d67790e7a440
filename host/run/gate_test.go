package run

import (
	"errors"
	"testing"

	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
)

func TestGateRowCountReconciliation(t *testing.T) {
	e := &Engine{}
	u := &manifest.Unit{ID: "s.t"}
	tests := []struct {
		read, written, quarantined int64
		ok                         bool
	}{
		{10, 10, 0, true},
		{10, 7, 3, true},
		{10, 9, 0, false},
		{10, 10, 1, false},
	}
	for _, tt := range tests {
		err := e.gate(u, plan.Gates{}, &evidence.UnitReport{RowsRead: tt.read, RowsWritten: tt.written, RowsQuarantined: tt.quarantined})
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrGate)) {
			t.Errorf("read %d written %d quarantined %d: got %v, want ok=%v", tt.read, tt.written, tt.quarantined, err, tt.ok)
		}
	}
}
