package sdktest

import (
	"fmt"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/loadopts"
	"github.com/dpone-go/dpone/sdk"
)

// lineageCheck loads as the host does in a run (lineage on, default
// columns): the target must hold both lineage columns, the run id in
// every row and a load time.
func (s *session) lineageCheck(c *checkT) {
	mode := s.firstMode()
	target := s.table("lineage")
	s.loadRows(c, "a", target, mode, rowsA())
	runCol, atCol, want := loadopts.DefaultRunIDColumn, loadopts.DefaultLoadedAtColumn, s.runID()
	ctx, cancel := s.ctx()
	defer cancel()
	bad := func(n int, what string) {
		c.Errorf("lineage: %d of %d rows of %s %s (the host asks for lineage columns %s and %s in every run; see LoadRequest.Load.Lineage)",
			n, len(rowsA()), tableName(target), what, runCol, atCol)
	}
	if rt := s.loadFixture().ReadTarget; rt != nil {
		raw, err := rt(ctx, sdk.TableRef{Namespace: target.GetNamespace(), Name: target.GetName()})
		if err != nil {
			c.Fatalf("read target %s back: %v", tableName(target), err)
		}
		var noRun, noAt int
		for _, m := range raw {
			if fmt.Sprint(m[runCol]) != want {
				noRun++
			}
			if m[atCol] == nil {
				noAt++
			}
		}
		if len(raw) != len(rowsA()) {
			c.Errorf("lineage: target %s has %d rows, want %d", tableName(target), len(raw), len(rowsA()))
		}
		if noRun > 0 {
			bad(noRun, "lack "+runCol+" = "+want)
		}
		if noAt > 0 {
			bad(noAt, "lack "+atCol)
		}
		return
	}
	p, cfg, opts := s.targetReader(c)
	res, err := read(ctx, p, &connectorv1.ReadRequest{ConfigJson: cfg, Namespace: target.GetNamespace(), Stream: target.GetName(),
		Mode: connectorv1.SourceMode_SOURCE_MODE_FULL, OptionsJson: opts}, false)
	if err != nil {
		c.Fatalf("read target %s back: %v", tableName(target), err)
	}
	if res.err != nil {
		c.Fatalf("read target %s back: %s", tableName(target), errText(res.err))
	}
	for _, col := range []string{runCol, atCol} {
		if res.schema == nil || len(res.schema.FieldIndices(col)) == 0 {
			c.Errorf("lineage: target %s has no column %s (the host asks for it in every run; see LoadRequest.Load.Lineage)", tableName(target), col)
			return
		}
	}
	var noRun, noAt int
	for _, r := range res.rows {
		if r[runCol] != want {
			noRun++
		}
		if v, ok := r[atCol]; !ok || v == nullValue {
			noAt++
		}
	}
	if len(res.rows) != len(rowsA()) {
		c.Errorf("lineage: target %s has %d rows, want %d", tableName(target), len(res.rows), len(rowsA()))
	}
	if noRun > 0 {
		bad(noRun, "lack "+runCol+" = "+want)
	}
	if noAt > 0 {
		bad(noAt, "lack "+atCol)
	}
}
