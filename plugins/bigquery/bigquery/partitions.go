package bigquery

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// stagedPartition is one partition of staging: its id and row count.
type stagedPartition struct {
	ID   string
	Null bool // __NULL__ or __UNPARTITIONED__: no decorator writes it
	Rows int64
}

// publishPartitions publishes a partition_replace load whose target is
// partitioned by partition_by through partition decorators (decorator.go):
//
//  1. the fence and second-writer checks (checkScript);
//  2. staging's description becomes publishingPrefix + the receipt: from
//     here on LoadStatus finishes the load instead of reporting it staged;
//  3. one WRITE_TRUNCATE query job per staged partition into `table$id`,
//     each under a job id derived from the load id and the partition;
//  4. the receipt, in its own transaction (receiptScript).
//
// A crash anywhere in 3 or before 4 leaves the marker: running 3 and 4
// again is idempotent (a done job is found by its id and not run again; a
// partition written again from the same staging is the same partition).
// handled is false when the load takes the transactional publish script:
// the target is not partitioned by partition_by, or the load is not
// decoratable (a NULL/out-of-range partition, more than
// maxDecoratorPartitions, a receipt too long for the marker); l.part is
// then set for that script when the target is partitioned by it.
func (l *load) publishPartitions(ctx context.Context, cl *clients, receipt json.RawMessage) (res sdk.CommitResult, handled bool, err error) {
	target, err := cl.bq.Tables.Get(l.cfg.Project, l.dataset, l.req.Target.Name).Context(ctx).Do()
	if err != nil {
		return res, false, classify("bigquery sink: look up target "+l.target, err)
	}
	p := l.decoratorPartitioning(target)
	if p == nil {
		return res, false, nil
	}
	parts, err := l.stagedPartitions(ctx, cl, p)
	if err != nil {
		return res, false, err
	}
	if !decoratable(parts, receipt) {
		l.part = p
		return res, false, nil
	}
	if done, err := l.hasReceipt(ctx, cl); err != nil || done {
		return res, done, err
	}
	if check := l.checkScript(); check != "" {
		job := l.queryJob("check_"+strconv.FormatInt(time.Now().UnixNano(), 36), check, l.fenceParams(map[string]string{"load_id": l.req.LoadID, "target": l.target}))
		if _, err := cl.runJob(ctx, "bigquery sink: check the fence of "+l.target, job); err != nil {
			return res, true, err
		}
	}
	patch := &bq.Table{Description: publishingPrefix + string(receipt)}
	if _, err := cl.bq.Tables.Patch(l.cfg.Project, l.dataset, l.stgTable, patch).Context(ctx).Do(); err != nil {
		return res, true, classify("bigquery sink: mark staging "+l.staging+" publishing", err)
	}
	return l.writePartitions(ctx, cl, target, p, parts, receipt)
}

// writePartitions runs steps 3 and 4 of publishPartitions.
func (l *load) writePartitions(ctx context.Context, cl *clients, target *bq.Table, p *columnPartitioning, parts []stagedPartition, receipt json.RawMessage) (sdk.CommitResult, bool, error) {
	var res sdk.CommitResult
	for _, s := range parts {
		job := l.partitionJob(target, p, s.ID)
		if _, err := cl.runJob(ctx, "bigquery sink: replace partition "+l.target+"$"+s.ID, job); err != nil {
			return res, true, err
		}
		res.RowsInserted += s.Rows
	}
	job := l.queryJob("commit", l.receiptScript(), l.fenceParams(map[string]string{"load_id": l.req.LoadID, "target": l.target, "mode": l.req.Mode, "receipt": string(receipt)}))
	if _, err := cl.runJob(ctx, "bigquery sink: write the receipt of "+l.target, job); err != nil {
		return res, true, err
	}
	return res, true, nil
}

// finishPublishing completes a load whose staging carries the publishing
// marker (a crash during publishPartitions): LoadStatus calls it and then
// answers committed.
func (l *load) finishPublishing(ctx context.Context, cl *clients, staging *bq.Table) error {
	receipt := json.RawMessage(strings.TrimPrefix(staging.Description, publishingPrefix))
	target, err := cl.bq.Tables.Get(l.cfg.Project, l.dataset, l.req.Target.Name).Context(ctx).Do()
	if err != nil {
		return classify("bigquery sink: look up target "+l.target, err)
	}
	p := l.decoratorPartitioning(target)
	if p == nil {
		return sdk.Errorf(sdk.CodeData, "bigquery sink: load %s was publishing partitions of %s, whose partitioning changed since: inspect the target, then drop staging %s", l.req.LoadID, l.target, l.staging)
	}
	parts, err := l.stagedPartitions(ctx, cl, p)
	if err != nil {
		return err
	}
	_, _, err = l.writePartitions(ctx, cl, target, p, parts, receipt)
	return err
}

// unfinishable reports an error of finishPublishing that running it again
// cannot cure (a DATA, SCHEMA or CONFIG refusal, a fenced-off load), as
// opposed to an unreachable or busy BigQuery.
func unfinishable(err error) bool {
	switch sdk.CodeOf(err) {
	case sdk.CodeData, sdk.CodeSchema, sdk.CodeConfig:
		return true
	}
	return false
}

// stagedPartitions lists staging's partitions under p.
func (l *load) stagedPartitions(ctx context.Context, cl *clients, p *columnPartitioning) ([]stagedPartition, error) {
	rows, err := l.queryRows(ctx, cl, "list the staged partitions", l.partitionsSQL(p), nil)
	if err != nil {
		return nil, err
	}
	out := make([]stagedPartition, 0, len(rows))
	for _, r := range rows {
		if len(r.F) != 2 {
			return nil, sdk.Errorf(sdk.CodeInternal, "bigquery sink: staged partitions: got %d columns, want 2", len(r.F))
		}
		n, _ := strconv.ParseInt(fmt.Sprint(r.F[1].V), 10, 64)
		id, ok := r.F[0].V.(string)
		out = append(out, stagedPartition{ID: id, Null: !ok, Rows: n})
	}
	return out, nil
}

// hasReceipt reports whether _dpone_loads holds the load (an absent
// receipts table holds nothing).
func (l *load) hasReceipt(ctx context.Context, cl *clients) (bool, error) {
	rows, err := l.queryRows(ctx, cl, "read receipt", "SELECT COUNT(*) FROM "+l.receipts+" WHERE load_id = @load_id", map[string]string{"load_id": l.req.LoadID})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil || len(rows) != 1 || len(rows[0].F) != 1 {
		return false, err
	}
	n, _ := strconv.Atoi(fmt.Sprint(rows[0].F[0].V))
	return n > 0, nil
}

// queryRows runs a small query in the load's location (clients.query).
func (l *load) queryRows(ctx context.Context, cl *clients, what, sql string, params map[string]string) ([]*bq.TableRow, error) {
	return cl.query(ctx, l.cfg, "bigquery sink: "+what, sql, params)
}

// query runs a small query (jobs.query, one page) with STRING parameters
// and returns its rows; errors are classified (a 404 still satisfies
// isNotFound).
func (c *clients) query(ctx context.Context, cfg Config, what, sql string, params map[string]string) ([]*bq.TableRow, error) {
	q := &bq.QueryRequest{Query: sql, UseLegacySql: new(bool), ParameterMode: "NAMED", Location: cfg.Location,
		TimeoutMs: int64(time.Minute / time.Millisecond)}
	for k, v := range params {
		q.QueryParameters = append(q.QueryParameters, &bq.QueryParameter{Name: k, ParameterType: &bq.QueryParameterType{Type: "STRING"},
			ParameterValue: &bq.QueryParameterValue{Value: v}})
	}
	resp, err := c.bq.Jobs.Query(cfg.Project, q).Context(ctx).Do()
	switch {
	case err != nil:
		return nil, classify(what, err)
	case !resp.JobComplete:
		return nil, sdk.Errorf(sdk.CodeUnavailable, "%s: the query did not finish in a minute: retry", what)
	case resp.PageToken != "":
		return nil, sdk.Errorf(sdk.CodeInternal, "%s: more rows than one page", what)
	}
	return resp.Rows, nil
}
