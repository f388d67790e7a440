package run

import (
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/manifest"
)

// emitLineage sends one OpenLineage event for a unit when lineage output is
// on. Inputs carry the source schema; COMPLETE outputs carry row and byte
// counts; FAIL events carry the error.
func (e *Engine) emitLineage(kind string, u *manifest.Unit, rep *evidence.UnitReport, src *catalog.Schema) {
	if e.opts.Lineage == nil {
		return
	}
	var fields []evidence.LineageField
	for _, f := range src.GetFields() {
		fields = append(fields, evidence.LineageField{Name: f.GetName(), Type: v1convert.TypeName(f.GetType())})
	}
	srcNS, srcName := datasetName(u.Source)
	dstNS, dstName := datasetName(u.Sink)
	ev := evidence.LineageEvent{
		Type: kind, Time: time.Now().UTC(), RunID: e.runID, Unit: u.ID, Job: e.manifestID + "." + u.ID,
		Inputs:  []evidence.LineageDataset{{Namespace: srcNS, Name: srcName, Fields: fields}},
		Outputs: []evidence.LineageDataset{{Namespace: dstNS, Name: dstName, Fields: fields}},
	}
	if kind == evidence.LineageComplete {
		ev.Outputs[0].Rows, ev.Outputs[0].Bytes = rep.RowsWritten, rep.Bytes
	}
	if kind != evidence.LineageStart {
		ev.Quality = &evidence.LineageQuality{RowsRead: rep.RowsRead, RowsWritten: rep.RowsWritten,
			RowsQuarantined: rep.RowsQuarantined, Violations: rep.Violations}
	}
	if kind == evidence.LineageFail {
		ev.Error = rep.Error
	}
	if err := e.opts.Lineage.Emit(ev); err != nil {
		// A lineage backend that is down never fails the load.
		e.logf("warning: %s: %v", u.ID, err)
	}
}

// dropColumns returns rec without the columns named in names.
func dropColumns(rec arrow.RecordBatch, names []string) arrow.RecordBatch {
	var fields []arrow.Field
	var cols []arrow.Array
	for i, f := range rec.Schema().Fields() {
		if !slices.Contains(names, f.Name) {
			fields = append(fields, f)
			cols = append(cols, rec.Column(i))
		}
	}
	md := rec.Schema().Metadata()
	return array.NewRecordBatch(arrow.NewSchema(fields, &md), cols, rec.NumRows())
}
