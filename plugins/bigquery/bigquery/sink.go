package bigquery

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// BeginLoad creates the receipts table and, when absent, the target with
// the sink options' physical design. Staging is filled at commit by the
// load's one load job. It is idempotent.
func (c *Connector) BeginLoad(ctx context.Context, req sdk.LoadRequest) (string, error) {
	l, err := resolveLoad(req, true)
	if err != nil {
		return "", err
	}
	ddl, err := l.targetDDL()
	if err != nil {
		return "", err
	}
	if _, err := l.publishScript(); err != nil { // mode options checked before any I/O
		return "", err
	}
	cl, err := connect(ctx, l.cfg)
	if err != nil {
		return "", err
	}
	defer cl.Close()
	if _, err := cl.runJob(ctx, "bigquery sink: begin load into "+l.target, l.queryJob("begin", l.beginScript(ddl), l.fenceParams(map[string]string{"load_id": req.LoadID, "target": l.target}))); err != nil {
		return "", err
	}
	if err := l.addHistoryColumns(ctx, cl); err != nil {
		return "", err
	}
	return l.staging, nil
}

// beginScript creates the bookkeeping tables and the target, raises the
// unit's fence and checks the target for another writer.
func (l *load) beginScript(targetDDL string) string {
	return l.receiptsDDL() + ";\n" + l.fencesDDL() + ";\n" + targetDDL + ";\n" + l.raiseFenceSQL() + l.sharedTargetSQL()
}

// Write stages the records as Parquet files in Cloud Storage: in
// sink.staging when the unit has one (parts of the load's objstage Load,
// listed by its manifest), else in config bucket under a writer id of its
// own. The host opens one Write per source partition, concurrently, and
// CommitLoad loads every file of the load with one load job. Without
// sink.staging, a Write whose Parquet is one part of at most
// direct_upload_max_bytes uploads it with the load's direct load job
// instead (upload.go).
func (c *Connector) Write(ctx context.Context, req sdk.LoadRequest, records sdk.RecordReader) (sdk.WriteResult, error) {
	l, err := resolveLoad(req, true)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	if l.req.Staging != nil {
		return c.writeObjects(ctx, l, records)
	}
	cl, err := connect(ctx, l.cfg)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	defer cl.Close()
	if l.opts.WriteAPI == writeStorageWrite {
		return l.writeStorage(ctx, cl, records)
	}
	return l.writeParquet(ctx, cl, records)
}

// stager is the load's stager with a fresh writer id.
func (l *load) stager(cl *clients) *stager {
	return &stager{gcs: cl.gcs, bucket: l.cfg.Bucket, prefix: l.cfg.Prefix, loadID: l.req.LoadID, writer: newWriterID()}
}

// fillStaging runs the load's one load job over every staged file
// (WRITE_TRUNCATE into staging, under the job id derived from the load
// id: a retried commit finds the same job), or creates an empty staging
// table when no Write staged a file. When a Write filled staging by the
// direct load job (upload.go), staging is kept and the staged files of
// parallel Writes, if any, are appended (WRITE_APPEND; whether the
// direct job exists does not change between retries, so a retried
// commit finds the same job again). A commit retried after the files
// were cleaned up finds the receipt and publishes nothing. With
// sink.staging the files are the manifest's, verified first
// (fillFromObjects).
func (l *load) fillStaging(ctx context.Context, cl *clients) error {
	if l.opts.WriteAPI == writeStorageWrite { // Write filled it; a load without a Write has none
		_, err := cl.bq.Tables.Get(l.cfg.Project, l.dataset, l.stgTable).Context(ctx).Do()
		if isNotFound(err) {
			return l.createStaging(ctx, cl, false)
		}
		return classify("bigquery sink: look up staging "+l.staging, err)
	}
	if l.req.Staging != nil {
		return l.fillFromObjects(ctx, cl)
	}
	direct, err := l.directLoaded(ctx, cl)
	if err != nil {
		return err
	}
	staged, err := l.stager(cl).staged(ctx)
	if err != nil {
		return err
	}
	switch {
	case !staged && direct: // staging holds the load's rows
		return nil
	case !staged:
		return l.emptyStaging(ctx, cl)
	}
	job, err := l.loadJob()
	if err != nil {
		return err
	}
	if direct { // parallel Writes: the staged files join the direct rows
		job.Configuration.Load.WriteDisposition = "WRITE_APPEND"
	}
	_, err = cl.runJob(ctx, "bigquery sink: load job "+job.JobReference.JobId, job)
	return err
}

// emptyStaging replaces the staging table by an empty one of the staging
// schema: a load without rows still publishes (full_refresh empties the
// target) and writes its receipt.
func (l *load) emptyStaging(ctx context.Context, cl *clients) error {
	return l.createStaging(ctx, cl, true)
}

// stagingTTL is how long a staging table outlives a crashed run.
const stagingTTL = 7 * 24 * time.Hour

// CommitLoad loads the staged files into staging (fillStaging), then runs
// the publish script (publish.go): the mode's DML and the receipt in one
// transaction. A load whose receipt exists is not applied
// again. Staging and staged files are removed afterwards.
func (c *Connector) CommitLoad(ctx context.Context, req sdk.LoadRequest, receipt json.RawMessage) (sdk.CommitResult, error) {
	l, err := resolveLoad(req, true)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	script, err := l.publishScript()
	if err != nil {
		return sdk.CommitResult{}, err
	}
	cl, err := connect(ctx, l.cfg)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	defer cl.Close()
	if err := l.fillStaging(ctx, cl); err != nil {
		return sdk.CommitResult{}, err
	}
	if err := l.checkSCD2(ctx, cl); err != nil {
		return sdk.CommitResult{}, err
	}
	if l.req.Mode == sdk.ModePartitionReplace {
		res, handled, err := l.publishPartitions(ctx, cl, receipt)
		if err != nil || handled {
			if err == nil {
				c.cleanup(ctx, cl, l)
			}
			return res, err
		}
		if script, err = l.publishScript(); err != nil { // l.part may be set now
			return sdk.CommitResult{}, err
		}
	}
	job, err := cl.runJob(ctx, "bigquery sink: publish "+l.target, l.queryJob("commit", script, l.params(receipt)))
	if err != nil {
		return sdk.CommitResult{}, err
	}
	res := commitResult(job)
	c.cleanup(ctx, cl, l)
	return res, nil
}

// params are the publish script's query parameters.
func (l *load) params(receipt json.RawMessage) map[string]string {
	p := l.fenceParams(map[string]string{"load_id": l.req.LoadID, "target": l.target, "mode": l.req.Mode, "receipt": string(receipt)})
	if lg := l.req.Load.Lineage; lg != nil {
		if lg.RunIDColumn != "" {
			p["run_id"] = lg.RunID
		}
		if lg.LoadedAtColumn != "" || (l.strategy.SoftDeletes() || l.req.Mode == sdk.ModeSCD2) && lg.LoadedAt != "" {
			p["loaded_at"] = lg.LoadedAt
		}
	}
	return p
}

// commitResult reads the DML counts of a finished script job.
func commitResult(job *bq.Job) sdk.CommitResult {
	var r sdk.CommitResult
	if job == nil || job.Statistics == nil || job.Statistics.Query == nil || job.Statistics.Query.DmlStats == nil {
		return r
	}
	d := job.Statistics.Query.DmlStats
	r.RowsInserted, r.RowsUpdated, r.RowsDeleted = d.InsertedRowCount, d.UpdatedRowCount, d.DeletedRowCount
	return r
}

// AbortLoad drops the staging table and the staged files (in sink.staging
// and in config bucket: a load begun before the unit had sink.staging
// staged there); absent ones are not an error.
func (c *Connector) AbortLoad(ctx context.Context, req sdk.LoadRequest) error {
	l, err := resolveLoad(req, false)
	if err != nil {
		return err
	}
	cl, err := connect(ctx, l.cfg)
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.bq.Tables.Delete(l.cfg.Project, l.dataset, l.stgTable).Context(ctx).Do(); err != nil && !isNotFound(err) {
		return classify("bigquery sink: drop staging "+l.staging, err)
	}
	if l.req.Staging != nil {
		if err := c.abortObjects(ctx, l); err != nil {
			return err
		}
	}
	return l.stager(cl).remove(ctx)
}

// cleanup removes staging after a commit; a failure leaves garbage, never
// a wrong result, so it is not returned (the staging table expires).
// sink.staging's files stay when it says keep.
func (c *Connector) cleanup(ctx context.Context, cl *clients, l *load) {
	_ = cl.bq.Tables.Delete(l.cfg.Project, l.dataset, l.stgTable).Context(ctx).Do()
	if l.req.Staging != nil {
		c.finishObjects(ctx, l)
		return
	}
	_ = l.stager(cl).remove(ctx)
}

// LoadStatus answers from the receipt: committed when _dpone_loads holds
// the load id, staged when its staging table or staged files (with
// sink.staging: its manifest) exist, else unknown. A partition_replace that crashed while writing partition
// decorators (staging marked publishing) is finished first and answers
// committed (partitions.go). With a fence it first raises the unit's
// fence (a takeover).
func (c *Connector) LoadStatus(ctx context.Context, req sdk.LoadRequest) (sdk.LoadState, error) {
	l, err := resolveLoad(req, false)
	if err != nil {
		return 0, err
	}
	cl, err := connect(ctx, l.cfg)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	if l.req.Fence.Set() {
		// A recovering run takes the unit over: an older holder's later
		// commit fails its fence check. A newer fence than ours (CONFIG)
		// still lets this run report the status.
		script := l.fencesDDL() + ";\n" + l.raiseFenceSQL()
		job := l.queryJob("status_"+strconv.FormatInt(l.req.Fence.Generation, 10), script, l.fenceParams(map[string]string{"load_id": req.LoadID}))
		if _, err := cl.runJob(ctx, "bigquery sink: raise the fence of unit "+l.req.Fence.String(), job); err != nil && sdk.CodeOf(err) != sdk.CodeConfig {
			return 0, err
		}
	}
	if done, err := l.hasReceipt(ctx, cl); err != nil || done {
		if done {
			return sdk.LoadCommitted, nil
		}
		return 0, err
	}
	stg, err := cl.bq.Tables.Get(l.cfg.Project, l.dataset, l.stgTable).Context(ctx).Do()
	switch {
	case err == nil && strings.HasPrefix(stg.Description, publishingPrefix):
		// A partition_replace crashed while writing partitions: finish it.
		fl, err := resolveLoad(req, true)
		if err != nil {
			return 0, err
		}
		if err := fl.finishPublishing(ctx, cl, stg); err != nil {
			if unfinishable(err) {
				// A partition BigQuery refuses for good (its data, the
				// target's schema): staged, so the host aborts the load;
				// partitions already replaced stay replaced.
				return sdk.LoadStaged, nil
			}
			return 0, err
		}
		c.cleanup(ctx, cl, fl)
		return sdk.LoadCommitted, nil
	case err == nil:
		return sdk.LoadStaged, nil
	case !isNotFound(err):
		return 0, classify("bigquery sink: look up staging", err)
	}
	if l.req.Staging != nil {
		if staged, err := l.objectsStaged(ctx); err != nil || staged {
			return sdk.LoadStaged, err
		}
	}
	if staged, err := l.stager(cl).staged(ctx); err != nil || staged {
		return sdk.LoadStaged, err
	}
	return sdk.LoadUnknown, nil
}
