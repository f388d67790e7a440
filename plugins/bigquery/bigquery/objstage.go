package bigquery

import (
	"context"
	"errors"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// stagingTypes are the sink.staging types the sink loads from: a load job
// reads gs:// URIs only. A load with sink.staging writes its Parquet parts
// there (objstage: <prefix>/<load_id>/part-NNNNN.parquet and a checksum
// manifest) instead of config bucket; CommitLoad verifies them and loads
// exactly the manifest's parts with the load's one load job.
var stagingTypes = []string{objstage.TypeGCS}

// maxSourceURIs is how many URIs one load job takes; a load with more
// parts loads them through the wildcard of its prefix (which Verify found
// holding nothing but them).
const maxSourceURIs = 10000

// writeObjects is Write for a load with sink.staging: the records become
// Parquet parts of the load, timestamps in microseconds (BigQuery reads a
// Parquet TIMESTAMP in micro- or milliseconds only; nanoseconds are
// truncated, as the type map's lossy note says), and the load's manifest
// lists them.
func (c *Connector) writeObjects(ctx context.Context, l *load, records sdk.RecordReader) (sdk.WriteResult, error) {
	a, err := objstage.Open(ctx, l.req.Staging)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	schema := records.Schema()
	if schema == nil {
		schema = l.req.Schema
	}
	ol := c.objects.Get(a, l.req.LoadID)
	w, err := ol.NewWriterWith(schema, 0, objstage.WithCoerceTimestamps(arrow.Microsecond))
	if err != nil {
		return sdk.WriteResult{}, err
	}
	var res sdk.WriteResult
	if res.Rows, res.Bytes, err = w.WriteAll(ctx, records, nil); err != nil {
		return res, err
	}
	return res, ol.WriteManifest(ctx)
}

// fillFromObjects fills staging from the load's parts in sink.staging:
// every part is checked against the load's manifest first, and the one
// load job reads exactly the parts the manifest lists. A load that
// staged no row gets an empty staging table. When the manifest is gone
// because a commit already finished and removed the files, the retried
// commit finds the receipt: staging is empty and the publish changes
// nothing, as with config bucket. Files kept (staging.keep) still verify
// after the commit, so then the receipt is read first.
func (l *load) fillFromObjects(ctx context.Context, cl *clients) error {
	a, err := objstage.Open(ctx, l.req.Staging)
	if err != nil {
		return err
	}
	if a.Keep() {
		done, err := l.hasReceipt(ctx, cl)
		if err != nil {
			return err
		}
		if done {
			return l.emptyStaging(ctx, cl)
		}
	}
	job, err := l.stagedLoadJob(ctx, a)
	if err != nil {
		return l.unverified(ctx, cl, a, err)
	}
	if job == nil {
		return l.emptyStaging(ctx, cl)
	}
	_, err = cl.runJob(ctx, "bigquery sink: load job "+job.JobReference.JobId, job)
	return err
}

// stagedLoadJob verifies the load's parts (objstage Verify: a missing,
// changed or unlisted part, or no manifest, is a DATA error naming the
// file) and returns the load job over them, nil when the load staged no
// part. No job exists before every part verified.
func (l *load) stagedLoadJob(ctx context.Context, a *objstage.Area) (*bq.Job, error) {
	m, err := a.Verify(ctx, l.req.LoadID)
	if err != nil {
		return nil, err
	}
	if len(m.Files) == 0 {
		return nil, nil
	}
	return l.loadJobFrom(sourceURIs(m))
}

// sourceURIs are the manifest's part URIs, or the wildcard of the load's
// prefix when there are more than a load job takes.
func sourceURIs(m objstage.Manifest) []string {
	if len(m.Files) > maxSourceURIs {
		u := m.Files[0].URI
		return []string{u[:strings.LastIndex(u, "/")+1] + "part-*.parquet"}
	}
	uris := make([]string, len(m.Files))
	for i, f := range m.Files {
		uris[i] = f.URI
	}
	return uris
}

// unverified decides a commit whose parts did not verify (verr): when the
// manifest is gone and the receipt exists, the load committed and a
// finished commit removed its files (the manifest goes first), so
// staging is made empty and the publish skips; otherwise verr stands and
// nothing is loaded.
func (l *load) unverified(ctx context.Context, cl *clients, a *objstage.Area, verr error) error {
	if sdk.CodeOf(verr) != sdk.CodeData {
		return verr
	}
	r, err := a.OpenFile(ctx, l.req.LoadID, objstage.ManifestName)
	if err == nil {
		r.Close()
		return verr
	}
	if !errors.Is(err, objstage.ErrNotExist) {
		return verr
	}
	done, err := l.hasReceipt(ctx, cl)
	if err != nil {
		return err
	}
	if !done {
		return verr
	}
	return l.emptyStaging(ctx, cl)
}

// objectsStaged reports whether the load wrote its manifest in
// sink.staging (a Write finished).
func (l *load) objectsStaged(ctx context.Context) (bool, error) {
	a, err := objstage.Open(ctx, l.req.Staging)
	if err != nil {
		return false, err
	}
	r, err := a.OpenFile(ctx, l.req.LoadID, objstage.ManifestName)
	if errors.Is(err, objstage.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.Close()
	return true, nil
}

// finishObjects removes a committed load's parts unless staging.keep; a
// failure only leaves files behind, so it is not returned.
func (c *Connector) finishObjects(ctx context.Context, l *load) {
	_ = c.objects.Finish(ctx, l.req.Staging, l.req.LoadID)
}

// abortObjects removes every file of an aborted load in sink.staging.
func (c *Connector) abortObjects(ctx context.Context, l *load) error {
	return c.objects.Abort(ctx, l.req.Staging, l.req.LoadID)
}

// stagedPartPattern is where sink.staging s holds the parts of loadID, as
// plan shows it (objstage's layout: <prefix>/<load_id>/part-NNNNN.parquet).
func stagedPartPattern(s *sdk.Staging, loadID string) string {
	key := loadID + "/part-NNNNN.parquet"
	if p := strings.Trim(s.Prefix, "/"); p != "" {
		key = p + "/" + key
	}
	return "gs://" + s.Bucket + "/" + key
}
