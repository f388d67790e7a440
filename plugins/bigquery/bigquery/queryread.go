package bigquery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// readJob is a read's query job: a fresh id each time (a read has no
// identity to retry under), parameters as STRINGs.
func readJob(cfg Config, sql string, params map[string]string, dryRun bool) *bq.Job {
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	f := false
	var qp []*bq.QueryParameter
	for _, k := range sortedKeys(params) {
		qp = append(qp, &bq.QueryParameter{Name: k, ParameterType: &bq.QueryParameterType{Type: "STRING"},
			ParameterValue: &bq.QueryParameterValue{Value: params[k], ForceSendFields: []string{"Value"}}})
	}
	q := &bq.JobConfigurationQuery{Query: sql, UseLegacySql: &f, QueryParameters: qp}
	if len(qp) > 0 {
		q.ParameterMode = "NAMED"
	}
	return &bq.Job{
		JobReference: &bq.JobReference{ProjectId: cfg.Project, JobId: "dpone_read_" + hex.EncodeToString(id), Location: cfg.Location},
		Configuration: &bq.JobConfiguration{
			Labels: map[string]string{"dpone": "read"},
			Query:  q, DryRun: dryRun,
		},
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

// relationSchema is the schema of what a read selects from: a table's
// metadata, or a query's schema from a dry run (a LIMIT 0 query where a
// dry run gives none, as the emulator does).
func relationSchema(ctx context.Context, svc *bq.Service, s *source) (*bq.TableSchema, int64, error) {
	if s.opts.Query == "" {
		t, err := svc.Tables.Get(s.cfg.Project, s.table.Namespace, s.table.Name).Context(ctx).Do()
		if err != nil {
			return nil, 0, classify("bigquery source: get table "+s.name(), err)
		}
		return t.Schema, int64(t.NumRows), nil
	}
	cl := &clients{bq: svc}
	job, err := svc.Jobs.Insert(s.cfg.Project, readJob(s.cfg, s.opts.Query, nil, true)).Context(ctx).Do()
	if err != nil {
		return nil, 0, classify("bigquery source: dry run of the query of "+s.name()+" (source.options.query)", err)
	}
	if st := job.Statistics; st != nil && st.Query != nil && st.Query.Schema != nil && len(st.Query.Schema.Fields) > 0 {
		return st.Query.Schema, 0, nil
	}
	job, err = cl.runJob(ctx, "bigquery source: query of "+s.name(), readJob(s.cfg, "SELECT * FROM ("+s.opts.Query+") LIMIT 0", nil, false))
	if err != nil {
		return nil, 0, err
	}
	res, err := svc.Jobs.GetQueryResults(s.cfg.Project, job.JobReference.JobId).Location(s.cfg.Location).MaxResults(0).Context(ctx).Do()
	if err != nil {
		return nil, 0, classify("bigquery source: schema of the query of "+s.name(), err)
	}
	return res.Schema, 0, nil
}

// queryPlan is what a query or incremental read runs.
type queryPlan struct {
	sql    string
	params map[string]string
	cur    *cursor
	schema *arrow.Schema // of the relation
	rows   int64         // the table's row count, 0 for a query
}

// planQuery resolves the read's SQL against the relation's schema.
func planQuery(ctx context.Context, svc *bq.Service, s *source) (*queryPlan, error) {
	ts, rows, err := relationSchema(ctx, svc, s)
	if err != nil {
		return nil, err
	}
	p := &queryPlan{schema: arrowSchema(ts), rows: rows}
	var need []string
	if s.opts.IncrementalStrategy == "column" {
		if p.cur, err = newCursor(s, p.schema); err != nil {
			return nil, err
		}
		need = p.cur.Columns()
	}
	cols, err := project(p.schema, s.req.Columns, need)
	if err != nil {
		return nil, err
	}
	p.sql, p.params, err = readSQL(s.from(), cols, p.cur)
	return p, err
}

// readQuery runs a query or incremental read as one query job and reads
// its results in order with jobs.getQueryResults; a column-strategy read
// goes through the SDK's cursor writer, which checkpoints.
func readQuery(ctx context.Context, svc *bq.Service, s *source, out sdk.RecordWriter) error {
	p, err := planQuery(ctx, svc, s)
	if err != nil {
		return err
	}
	cl := &clients{bq: svc}
	if p.cur != nil && p.cur.FailOnNulls() {
		if err := checkNulls(ctx, cl, s, p.cur); err != nil {
			return err
		}
	}
	job, err := cl.runJob(ctx, "bigquery source: read "+s.name(), readJob(s.cfg, p.sql, p.params, false))
	if err != nil {
		return err
	}
	ref := job.JobReference
	call := svc.Jobs.GetQueryResults(ref.ProjectId, ref.JobId).Location(ref.Location).FormatOptionsUseInt64Timestamp(int64Timestamps(s.cfg)).MaxResults(restPageRows)
	first, err := call.Context(ctx).Do()
	if err != nil {
		return classify("bigquery source: results of "+s.name(), err)
	}
	d := newRowDecoder(first.Schema.Fields)
	d.cells.emulator = !int64Timestamps(s.cfg)
	defer d.release()
	if err := out.Schema(d.schema); err != nil {
		return err
	}
	var sink recordSink = out
	var cw *sdk.CursorWriter
	if p.cur != nil {
		idx := d.schema.FieldIndices(p.cur.Column)
		if len(idx) == 0 {
			return sdk.Errorf(sdk.CodeInternal, "bigquery source %s: the results lack the cursor column %q", s.name(), p.cur.Column)
		}
		cw = p.cur.Writer(out, idx[0])
		cw.Format = cursorText
		sink = cw
	}
	e := &emitter{d: d, out: sink, progress: out, limit: out.BatchBytes(), estimate: p.rows}
	err = e.pages(ctx, func(token string) (page, error) {
		r := first
		if token != "" {
			var err error
			if r, err = call.PageToken(token).Context(ctx).Do(); err != nil {
				return page{}, classify("bigquery source: results of "+s.name(), err)
			}
		}
		return page{rows: r.Rows, next: r.PageToken, total: int64(r.TotalRows)}, nil
	})
	if err != nil || cw == nil {
		return err
	}
	return cw.Finish()
}

// checkNulls is null_policy fail: a DATA error when a cursor is NULL.
func checkNulls(ctx context.Context, cl *clients, s *source, cur *cursor) error {
	job, err := cl.runJob(ctx, "bigquery source: count NULL cursors of "+s.name(), readJob(s.cfg, nullCountSQL(s.from(), cur.Column), nil, false))
	if err != nil {
		return err
	}
	r, err := cl.bq.Jobs.GetQueryResults(job.JobReference.ProjectId, job.JobReference.JobId).Location(job.JobReference.Location).Context(ctx).Do()
	if err != nil {
		return classify("bigquery source: count NULL cursors of "+s.name(), err)
	}
	if len(r.Rows) == 1 && len(r.Rows[0].F) == 1 {
		if v, _ := r.Rows[0].F[0].V.(string); v != "" {
			if n, _ := strconv.ParseInt(v, 10, 64); n > 0 {
				return cur.NullsError(s.name())
			}
			return nil
		}
	}
	return sdk.Errorf(sdk.CodeInternal, "bigquery source %s: the NULL count query returned no count", s.name())
}

// cursorText renders a cursor value as text BigQuery casts back to the
// cursor's type: sdk.CursorText, but TIME with six decimals (BigQuery
// refuses nine).
func cursorText(arr arrow.Array, i int) (string, error) {
	if a, ok := arr.(*array.Time64); ok {
		d := time.Duration(a.Value(i)) * a.DataType().(*arrow.Time64Type).Unit.Multiplier()
		return clockText(d), nil
	}
	return sdk.CursorText(arr, i)
}
