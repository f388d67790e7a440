package bigquery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	bq "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/googleapi"

	"github.com/dpone-go/dpone/sdk"
)

// Direct upload: a Write (write_api load_job, no sink.staging) whose
// records make one Parquet part of at most direct_upload_max_bytes does
// not stage it in Cloud Storage. At its end it inserts the load's direct
// load job, job id <staging name>_load_direct (from the load id), with
// the part as the request's media (jobs.insert upload), into the staging
// table, and waits for it. The job's configuration is the staged load
// job's (loadJobFrom) without source URIs, plus the label dpone_writer
// (the Write's writer id). It runs at the end of Write, not at CommitLoad,
// because the part exists only in this process until then: staging holds
// the rows when Write returns, so LoadStatus answers staged, and a commit
// or abort by load id in another process (a crash between Write and
// CommitLoad) finds them there.
//
// One load has one direct job. A Write that ends with a small part while
// another Write of the load (a parallel source partition) holds it (the
// insert answers 409 and the job carries another writer id) stages its
// part in config bucket as the staged path does; CommitLoad then appends
// the staged files to the direct rows (fillStaging). Without a bucket a
// part that outgrows the threshold, a second part, or a second small Write
// is a CONFIG error of that Write, before any byte left the process; the
// host aborts the load (AbortLoad drops staging and the direct rows with
// it) and nothing reaches the target.

// directKind is the direct load job's kind (jobID).
const directKind = "load_direct"

// writerLabel is the direct job's label naming the Write that inserted it.
const writerLabel = "dpone_writer"

// directPart is part 0 of a Write while it may still be uploaded
// directly: a temporary file of at most max bytes. It spills when it
// would pass max, when the Write opens a second part, or when another
// Write holds the load's direct job: its bytes go to the stager's part 0
// in Cloud Storage and the rest of the part follows them there. Without
// a bucket spilling is the CONFIG error err.
type directPart struct {
	loadID string
	max    int64
	stager *stager
	file   *os.File
	size   int64
	closed bool           // part 0 finished while buffered
	out    io.WriteCloser // part 0 in Cloud Storage after a spill
	err    error          // the CONFIG error of a spill without a bucket
}

// open is the partWriter's openFunc: part 0 into the temporary file, any
// later part (the first one spilled) into Cloud Storage.
func (d *directPart) open(ctx context.Context, n int) (io.WriteCloser, error) {
	if n > 0 {
		if err := d.spillClosed(ctx, "its Parquet has more than one part (file_bytes)"); err != nil {
			return nil, err
		}
		return d.stager.open(ctx, n)
	}
	f, err := os.CreateTemp("", "dpone-bigquery-direct-*.parquet")
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeInternal, "bigquery sink: buffer the Parquet of load %s for direct upload: %w", d.loadID, err)
	}
	d.file = f
	return &directWriter{ctx: ctx, d: d}, nil
}

// buffered reports a finished part 0 still in the temporary file.
func (d *directPart) buffered() bool { return d.closed && d.out == nil && d.file != nil }

// spill moves the buffered bytes to part 0 in Cloud Storage; d.out takes
// the rest of the part.
func (d *directPart) spill(ctx context.Context, why string) error {
	if d.stager.bucket == "" {
		d.err = configErr("bigquery sink: load %s cannot be uploaded directly: %s, and there is no Cloud Storage to stage it in: "+
			"set config bucket or sink.staging {type: gcs, bucket: ...}, or raise direct_upload_max_bytes (at most %d)", d.loadID, why, int64(maxDirectUploadBytes))
		return d.err
	}
	out, err := d.stager.open(ctx, 0)
	if err != nil {
		return err
	}
	d.out = out // closed by the part's Close, also after an error here
	if _, err := d.file.Seek(0, io.SeekStart); err != nil {
		return sdk.Errorf(sdk.CodeInternal, "bigquery sink: read back the buffered Parquet of load %s: %w", d.loadID, err)
	}
	if _, err := io.Copy(out, d.file); err != nil {
		return classify("bigquery sink: stage the buffered Parquet of load "+d.loadID, err)
	}
	d.release()
	return nil
}

// spillClosed spills a finished part 0 and closes its object.
func (d *directPart) spillClosed(ctx context.Context, why string) error {
	if !d.buffered() {
		return nil
	}
	if err := d.spill(ctx, why); err != nil {
		return err
	}
	if err := d.out.Close(); err != nil {
		return classify("bigquery sink: stage the buffered Parquet of load "+d.loadID, err)
	}
	return nil
}

// release removes the temporary file.
func (d *directPart) release() {
	if d.file != nil {
		d.file.Close()
		os.Remove(d.file.Name())
		d.file = nil
	}
}

// directWriter writes part 0: into the temporary file until it would pass
// max, then (spilled) into Cloud Storage.
type directWriter struct {
	ctx context.Context
	d   *directPart
}

func (w *directWriter) Write(p []byte) (int, error) {
	d := w.d
	if d.out == nil && d.size+int64(len(p)) > d.max {
		if err := d.spill(w.ctx, fmt.Sprintf("its Parquet passed direct_upload_max_bytes (%d bytes)", d.max)); err != nil {
			return 0, err
		}
	}
	if d.out != nil {
		return d.out.Write(p)
	}
	n, err := d.file.Write(p)
	d.size += int64(n)
	if err != nil {
		return n, sdk.Errorf(sdk.CodeInternal, "bigquery sink: buffer the Parquet of load %s: %w", d.loadID, err)
	}
	return n, nil
}

func (w *directWriter) Close() error {
	if w.d.out != nil {
		return w.d.out.Close()
	}
	w.d.closed = true
	return nil
}

// writeParquet is Write with write_api load_job and no sink.staging: the
// records become Parquet parts in config bucket, or, when they make one
// part of at most direct_upload_max_bytes, the load's direct load job.
func (l *load) writeParquet(ctx context.Context, cl *clients, records sdk.RecordReader) (sdk.WriteResult, error) {
	s := l.stager(cl)
	max := l.cfg.directMax()
	if max == 0 {
		res, _, err := s.stage(ctx, records, l.cfg.FileBytes)
		return res, err
	}
	d := &directPart{loadID: l.req.LoadID, max: max, stager: s}
	defer d.release()
	res, files, err := s.stageTo(ctx, records, l.cfg.FileBytes, d.open)
	if d.err != nil {
		return sdk.WriteResult{}, d.err
	}
	if err != nil || files == 0 || !d.buffered() {
		return res, err
	}
	took, err := l.uploadDirect(ctx, cl, d, s.writer)
	if err != nil || took {
		return res, err
	}
	if err := d.spillClosed(ctx, "another Write of the load (a parallel source partition) holds its one direct upload"); err != nil {
		return sdk.WriteResult{}, err
	}
	return res, nil
}

// directJob is the load's direct load job: the staged load job's
// configuration without source URIs (the part is the insert's media),
// under its own job id, labelled with the Write's writer id.
func (l *load) directJob(writer string) (*bq.Job, error) {
	job, err := l.loadJobFrom(nil)
	if err != nil {
		return nil, err
	}
	job.JobReference.JobId = jobID(l.req.LoadID, directKind)
	job.Configuration.Labels[writerLabel] = writer
	return job, nil
}

// uploadDirect inserts the direct load job with d's part as its media and
// waits for it. It returns false, and no error, when another Write of the
// load holds the job (409, another writer label); a 409 for this Write's
// own job (an insert that reached BigQuery before its answer was lost)
// is waited for like runJob waits for a duplicate.
func (l *load) uploadDirect(ctx context.Context, cl *clients, d *directPart, writer string) (bool, error) {
	job, err := l.directJob(writer)
	if err != nil {
		return false, err
	}
	if _, err := d.file.Seek(0, io.SeekStart); err != nil {
		return false, sdk.Errorf(sdk.CodeInternal, "bigquery sink: read back the buffered Parquet of load %s: %w", l.req.LoadID, err)
	}
	ref := job.JobReference
	what := "bigquery sink: direct upload load job " + ref.JobId
	got, err := cl.bq.Jobs.Insert(ref.ProjectId, job).Media(d.file, googleapi.ContentType("application/octet-stream")).Context(ctx).Do()
	var g *googleapi.Error
	if errors.As(err, &g) && g.Code == http.StatusConflict {
		if got, err = cl.bq.Jobs.Get(ref.ProjectId, ref.JobId).Location(ref.Location).Context(ctx).Do(); err != nil {
			return false, classify(what, err)
		}
		if got.Configuration == nil || got.Configuration.Labels[writerLabel] != writer {
			return false, nil
		}
	}
	if err != nil {
		return false, classify(what, err)
	}
	if got, err = cl.waitJob(ctx, what, ref, got); err != nil {
		return false, err
	}
	return true, jobError(what, got)
}

// directLoaded reports, at commit, whether a Write of the load filled
// staging by the direct job: the job exists and succeeded (a failed one
// is its Write's error, returned again), and staging exists. Staging gone
// after the job is a committed load cleaned up (the receipt exists:
// false, staging is made empty and the publish skips) or else a DATA
// error: its rows are lost (staging expired or was dropped), so nothing
// is published and the load must run again.
func (l *load) directLoaded(ctx context.Context, cl *clients) (bool, error) {
	ref := &bq.JobReference{ProjectId: l.cfg.Project, JobId: jobID(l.req.LoadID, directKind), Location: l.cfg.Location}
	what := "bigquery sink: direct upload load job " + ref.JobId
	got, err := cl.bq.Jobs.Get(ref.ProjectId, ref.JobId).Location(ref.Location).Context(ctx).Do()
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(what, err)
	}
	if got, err = cl.waitJob(ctx, what, ref, got); err != nil {
		return false, err
	}
	if err := jobError(what, got); err != nil {
		return false, err
	}
	_, err = cl.bq.Tables.Get(l.cfg.Project, l.dataset, l.stgTable).Context(ctx).Do()
	switch {
	case err == nil:
		return true, nil
	case !isNotFound(err):
		return false, classify("bigquery sink: look up staging "+l.staging, err)
	}
	done, err := l.hasReceipt(ctx, cl)
	if err != nil || done {
		return false, err
	}
	return false, sdk.Errorf(sdk.CodeData, "bigquery sink: staging %s, which load %s's direct upload filled, is gone (expired after %s, or dropped) and the load has no receipt: abort the load and run it again",
		l.staging, l.req.LoadID, stagingTTL)
}
