package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// fakeBigQuery is a recording endpoint in BigQuery's place for the jobs
// a load inserts (media uploads too) and the staging table: a job id
// inserted twice is refused with 409 (BigQuery's duplicate), every job
// is DONE at once, and a load job creates its destination table. Any
// other call (a query) is answered 404 and recorded.
type fakeBigQuery struct {
	mu      sync.Mutex
	reqs    []string
	jobs    map[string]*bq.Job
	inserts map[string]int    // insert attempts per job id
	media   map[string][]byte // the uploaded bytes per job id
	tables  map[string]bool
}

func newFakeBigQuery(t *testing.T) (*fakeBigQuery, string) {
	f := &fakeBigQuery{jobs: map[string]*bq.Job{}, inserts: map[string]int{}, media: map[string][]byte{}, tables: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeBigQuery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec := r.Method + " " + r.URL.Path
	if u := r.URL.Query().Get("uploadType"); u != "" {
		rec += "?uploadType=" + u
	}
	f.reqs = append(f.reqs, rec)
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/upload/bigquery/v2/projects/") && p[len(p)-1] == "jobs":
		job, media, err := readUpload(r)
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid", err.Error())
			return
		}
		f.insert(w, job, media)
	case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/bigquery/v2/projects/") && p[len(p)-1] == "jobs":
		var job bq.Job
		if err := json.NewDecoder(r.Body).Decode(&job); err != nil {
			fail(w, http.StatusBadRequest, "invalid", err.Error())
			return
		}
		f.insert(w, &job, nil)
	case r.Method == "GET" && len(p) == 6 && p[4] == "jobs":
		if j, ok := f.jobs[p[5]]; ok {
			json.NewEncoder(w).Encode(j)
			return
		}
		fail(w, http.StatusNotFound, "notFound", "Not found: Job "+p[5])
	case len(p) == 8 && p[6] == "tables":
		switch {
		case r.Method == "DELETE" && f.tables[p[7]]:
			delete(f.tables, p[7])
			w.WriteHeader(http.StatusNoContent)
		case r.Method == "GET" && f.tables[p[7]]:
			json.NewEncoder(w).Encode(&bq.Table{TableReference: &bq.TableReference{ProjectId: p[3], DatasetId: p[5], TableId: p[7]}})
		default:
			fail(w, http.StatusNotFound, "notFound", "Not found: Table "+p[7])
		}
	default:
		fail(w, http.StatusNotFound, "notFound", "not served by the fake: "+rec)
	}
}

func (f *fakeBigQuery) insert(w http.ResponseWriter, job *bq.Job, media []byte) {
	id := job.JobReference.JobId
	f.inserts[id]++
	if _, ok := f.jobs[id]; ok {
		fail(w, http.StatusConflict, "duplicate", "Already Exists: Job "+id)
		return
	}
	job.Status = &bq.JobStatus{State: "DONE"}
	f.jobs[id] = job
	if media != nil {
		f.media[id] = media
	}
	if ld := job.Configuration.Load; ld != nil {
		f.tables[ld.DestinationTable.TableId] = true
	}
	json.NewEncoder(w).Encode(job)
}

func fail(w http.ResponseWriter, code int, reason, msg string) {
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"error":{"code":%d,"message":%q,"errors":[{"reason":%q,"message":%q}]}}`, code, msg, reason, msg)
}

// readUpload parses a multipart/related jobs.insert upload: the job's
// JSON, then the media.
func readUpload(r *http.Request) (*bq.Job, []byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/related" {
		return nil, nil, fmt.Errorf("content type %q: want multipart/related (%v)", r.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var parts [][]byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, b)
	}
	if len(parts) != 2 {
		return nil, nil, fmt.Errorf("%d parts, want the job and the media", len(parts))
	}
	var job bq.Job
	if err := json.Unmarshal(parts[0], &job); err != nil {
		return nil, nil, err
	}
	return &job, parts[1], nil
}

func (f *fakeBigQuery) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

// job is a copy of the job id as inserted, its media and the number of
// inserts of the id.
func (f *fakeBigQuery) job(id string) (*bq.Job, []byte, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok {
		return nil, f.media[id], f.inserts[id]
	}
	b, _ := json.Marshal(j)
	var cp bq.Job
	json.Unmarshal(b, &cp)
	return &cp, f.media[id], f.inserts[id]
}

// directRequest is an append of typesSchema into landing.orders with the
// fake BigQuery at endpoint, config bucket (dpone-test on the fake GCS,
// prefix after the test) or none, and direct_upload_max_bytes max (nil:
// the default).
func directRequest(t *testing.T, endpoint, bucket string, max *int64, loadID string) sdk.LoadRequest {
	t.Helper()
	ep := os.Getenv("DPONE_TEST_GCS_ENDPOINT")
	if ep == "" {
		t.Skip("DPONE_TEST_GCS_ENDPOINT is not set: run eval \"$(scripts/gcs.sh start)\" (make test does)")
	}
	cfg := Config{Project: "dpone-test", Dataset: "landing", Location: "EU", Endpoint: endpoint, GCSEndpoint: ep,
		Bucket: bucket, Prefix: "it/" + strings.ReplaceAll(t.Name(), "/", "-"), DirectUploadMaxBytes: max}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req := sdk.LoadRequest{Config: raw, LoadID: loadID, Target: sdk.TableRef{Name: "orders"}, Schema: typesSchema(), Mode: sdk.ModeAppend}
	req.Load.Strategy.Mode = sdk.ModeAppend
	return req
}

// stagerParquet is the Parquet the config-bucket stager writes for recs
// (one part: the limit is the default file size).
func stagerParquet(t *testing.T, recs []arrow.RecordBatch) []byte {
	t.Helper()
	var f memFile
	pw := &partWriter{schema: recs[0].Schema(), limit: defaultFileBytes, open: func(context.Context, int) (io.WriteCloser, error) { return &f, nil }}
	for _, rec := range recs {
		if err := pw.Write(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := pw.Close(); err != nil || pw.Files() != 1 {
		t.Fatalf("stager parquet: %v in %d parts, want one", err, pw.Files())
	}
	return f.Bytes()
}

// checkParquet reads data back and checks, through the type map, that
// each column is the BigQuery type of the schema's and holds recs' values.
func checkParquet(t *testing.T, data []byte, recs []arrow.RecordBatch) {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	var rows int64
	for _, r := range recs {
		rows += r.NumRows()
	}
	if tbl.NumRows() != rows {
		t.Fatalf("rows read back: got %d, want %d", tbl.NumRows(), rows)
	}
	schema := recs[0].Schema()
	for c, field := range schema.Fields() {
		want, _ := bqType(field)
		got, err := bqType(tbl.Schema().Field(c))
		if err != nil || got != want {
			t.Errorf("column %s: BigQuery type got %q (%v), want %q", field.Name, got, err, want)
		}
		var wantCols []arrow.Array
		for _, r := range recs {
			wantCols = append(wantCols, r.Column(c))
		}
		wantArr, err := array.Concatenate(wantCols, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		gotArr, err := array.Concatenate(tbl.Column(c).Data().Chunks(), memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantArr.String(), gotArr.String()); diff != "" {
			t.Errorf("column %s values (-want +got):\n%s", field.Name, diff)
		}
		wantArr.Release()
		gotArr.Release()
	}
}

// tempParts counts direct-upload buffers left in the temporary directory.
func tempParts(t *testing.T) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(os.TempDir(), "dpone-bigquery-direct-*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

func write(t *testing.T, c *Connector, req sdk.LoadRequest, recs ...arrow.RecordBatch) (sdk.WriteResult, error) {
	t.Helper()
	return c.Write(context.Background(), req, &sliceReader{schema: req.Schema, recs: append([]arrow.RecordBatch(nil), recs...)})
}

// TestDirectUploadGolden: a small load without config bucket or
// sink.staging is one media upload of the load's direct load job (golden
// testdata/job/load_direct.json: the staged load job's configuration
// without source URIs, its own job id from the load id, the writer
// label), whose bytes are exactly the Parquet the stager would have
// written (read back through the type map); commit keeps the staging it
// filled and inserts no job, also when retried.
func TestDirectUploadGolden(t *testing.T) {
	fake, ep := newFakeBigQuery(t)
	req := directRequest(t, ep, "", nil, "run-9/orders")
	recs := []arrow.RecordBatch{typesRecord(t, req.Schema, 0, 60), typesRecord(t, req.Schema, 60, 40)}
	for _, r := range recs {
		defer r.Release()
	}
	before := tempParts(t)
	res, err := write(t, &Connector{}, req, recs...)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 100 || res.Bytes <= 0 {
		t.Errorf("write: got %d rows, %d bytes; want 100 and their Arrow bytes", res.Rows, res.Bytes)
	}
	if got := tempParts(t); got != before {
		t.Errorf("temporary files: got %d after Write, want %d (the buffer removed)", got, before)
	}
	l, err := resolveLoad(req, true)
	if err != nil {
		t.Fatal(err)
	}
	id := jobID(req.LoadID, directKind)
	if got, want := fake.requests(), []string{"POST /upload/bigquery/v2/projects/dpone-test/jobs?uploadType=multipart"}; !cmp.Equal(got, want) {
		t.Fatalf("requests of Write: got %v, want %v", got, want)
	}
	job, media, _ := fake.job(id)
	if job == nil {
		t.Fatalf("no job %s", id)
	}
	if w := job.Configuration.Labels[writerLabel]; len(w) != 12 {
		t.Errorf("writer label: got %q, want the writer id", w)
	}
	job.Configuration.Labels[writerLabel] = "writer_id"
	job.Status = nil
	b, err := json.MarshalIndent(job, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "job/load_direct.json", string(b)+"\n")

	// The staged load job's configuration apart from the source.
	staged, err := l.loadJob()
	if err != nil {
		t.Fatal(err)
	}
	staged.Configuration.Load.SourceUris = nil
	staged.Configuration.Labels[writerLabel] = "writer_id"
	staged.JobReference.JobId = id
	if diff := cmp.Diff(staged, job); diff != "" {
		t.Errorf("direct job vs the staged load job without URIs (-staged +direct):\n%s", diff)
	}
	if want := stagerParquet(t, recs); !bytes.Equal(media, want) {
		t.Errorf("uploaded %d bytes, want the stager's Parquet of the rows (%d bytes)", len(media), len(want))
	}
	checkParquet(t, media, recs)

	cl, err := connect(context.Background(), l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	n := len(fake.requests())
	for i := 0; i < 2; i++ { // a commit, then the same commit retried
		if err := l.fillStaging(context.Background(), cl); err != nil {
			t.Fatalf("fill staging (%d): %v", i, err)
		}
	}
	for _, r := range fake.requests()[n:] {
		if strings.HasPrefix(r, "POST ") || strings.HasPrefix(r, "DELETE ") {
			t.Errorf("commit after a direct upload: %s, want only lookups (staging holds the rows)", r)
		}
	}
	if _, _, inserts := fake.job(id); inserts != 1 {
		t.Errorf("direct job inserted %d times, want once", inserts)
	}
}

// TestDirectUploadThreshold: a Write whose Parquet is exactly
// direct_upload_max_bytes uploads it; one byte over, it stages in config
// bucket (the same bytes, loaded by the staged load job at commit) and
// uploads nothing; over without a bucket, it is a CONFIG error naming
// bucket, sink.staging and the size, with no call to BigQuery and nothing
// staged; off (0) always stages.
func TestDirectUploadThreshold(t *testing.T) {
	schema := typesSchema()
	recs := []arrow.RecordBatch{typesRecord(t, schema, 0, 100)}
	defer recs[0].Release()
	want := stagerParquet(t, recs)
	size := int64(len(want))
	for _, tc := range []struct {
		name   string
		bucket string
		max    int64
		direct bool
		err    bool
	}{
		{"fits", "dpone-test", size, true, false},
		{"one byte over", "dpone-test", size - 1, false, false},
		{"small threshold", "dpone-test", 100, false, false},
		{"off", "dpone-test", 0, false, false},
		{"fits without bucket", "", size, true, false},
		{"over without bucket", "", size - 1, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			fake, ep := newFakeBigQuery(t)
			max := tc.max
			req := directRequest(t, ep, tc.bucket, &max, "run-10/orders")
			l, err := resolveLoad(req, true)
			if err != nil {
				t.Fatal(err)
			}
			cl, err := connect(ctx, l.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			s := l.stager(cl)
			s.bucket = "dpone-test" // to look for files even without config bucket
			t.Cleanup(func() { _ = s.remove(ctx) })
			before := tempParts(t)
			_, err = write(t, &Connector{}, req, recs...)
			if got := tempParts(t); got != before {
				t.Errorf("temporary files: got %d after Write, want %d", got, before)
			}
			staged := objects(t, s)
			reqs := fake.requests()
			switch {
			case tc.err:
				msg := fmt.Sprint(err)
				if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(msg, "bucket") || !strings.Contains(msg, "sink.staging") ||
					!strings.Contains(msg, fmt.Sprintf("direct_upload_max_bytes (%d bytes)", max)) {
					t.Errorf("write: got %v, want CONFIG naming bucket, sink.staging and %d bytes", err, max)
				}
				if len(reqs) != 0 || len(staged) != 0 {
					t.Errorf("a refused Write called BigQuery %v and staged %v, want nothing", reqs, staged)
				}
				return
			case err != nil:
				t.Fatal(err)
			case tc.direct:
				_, media, _ := fake.job(jobID(req.LoadID, directKind))
				if !bytes.Equal(media, want) || len(staged) != 0 {
					t.Errorf("fits: uploaded %d bytes (want %d) and staged %v (want none)", len(media), len(want), staged)
				}
				return
			}
			if len(reqs) != 0 || len(staged) != 1 {
				t.Fatalf("over the threshold: BigQuery calls %v and files %v, want none and one staged part", reqs, staged)
			}
			r, err := cl.gcs.Bucket(s.bucket).Object(staged[0]).NewReader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("staged part: %d bytes (%v), want the stager's %d", len(got), err, len(want))
			}
			if err := l.fillStaging(ctx, cl); err != nil {
				t.Fatal(err)
			}
			job, _, _ := fake.job(jobID(req.LoadID, "load"))
			if job == nil || job.Configuration.Load.WriteDisposition != "WRITE_TRUNCATE" || len(job.Configuration.Load.SourceUris) != 1 {
				t.Errorf("commit: got load job %+v, want the staged load job (WRITE_TRUNCATE over the files)", job)
			}
		})
	}
}

// TestDirectUploadSecondPart: a Write whose records make more than one
// part (file_bytes) stages every part, the buffered first one included.
func TestDirectUploadSecondPart(t *testing.T) {
	ctx := context.Background()
	fake, ep := newFakeBigQuery(t)
	req := directRequest(t, ep, "dpone-test", nil, "run-11/orders")
	var cfg Config
	json.Unmarshal(req.Config, &cfg)
	cfg.FileBytes = 1 // a part per record
	req.Config, _ = json.Marshal(cfg)
	recs := []arrow.RecordBatch{typesRecord(t, req.Schema, 0, 10), typesRecord(t, req.Schema, 10, 10)}
	for _, r := range recs {
		defer r.Release()
	}
	if _, err := write(t, &Connector{}, req, recs...); err != nil {
		t.Fatal(err)
	}
	l, _ := resolveLoad(req, true)
	cl, err := connect(ctx, l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	s := l.stager(cl)
	t.Cleanup(func() { _ = s.remove(ctx) })
	staged := objects(t, s)
	if len(staged) != 2 || len(fake.requests()) != 0 {
		t.Fatalf("two parts: staged %v, BigQuery calls %v; want two files and no call", staged, fake.requests())
	}
	var rows int64
	for _, n := range staged {
		rows += parquetRows(t, s, n)
	}
	if rows != 20 {
		t.Errorf("staged rows: got %d, want 20", rows)
	}
	// Without a bucket the second part is refused.
	req2 := directRequest(t, ep, "", nil, "run-12/orders")
	json.Unmarshal(req2.Config, &cfg)
	cfg.FileBytes = 1
	req2.Config, _ = json.Marshal(cfg)
	_, err = write(t, &Connector{}, req2, recs...)
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(fmt.Sprint(err), "more than one part") {
		t.Errorf("two parts without bucket: got %v, want CONFIG", err)
	}
}

// TestDirectUploadDuplicate: the load has one direct job. Its insert
// answered 409 for this Write's own job (an insert whose answer was lost)
// is that job; for another Write's (a parallel partition), this Write
// stages its part in config bucket, and the commit appends the staged
// files to the direct rows (WRITE_APPEND), once also when retried (the
// load job's id is the same, 409). Without a bucket the second Write is
// a CONFIG error.
func TestDirectUploadDuplicate(t *testing.T) {
	ctx := context.Background()
	fake, ep := newFakeBigQuery(t)
	req := directRequest(t, ep, "dpone-test", nil, "run-13/orders")
	l, err := resolveLoad(req, true)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := connect(ctx, l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	s := l.stager(cl)
	t.Cleanup(func() { _ = s.remove(ctx) })

	// uploadDirect itself: the same writer twice, then another writer.
	part := func() *directPart {
		f, err := os.CreateTemp("", "dpone-bigquery-direct-*.parquet")
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("PAR1 test part PAR1")
		return &directPart{loadID: "run-14/orders", max: 1 << 20, stager: s, file: f, closed: true}
	}
	other := *l
	other.req.LoadID = "run-14/orders"
	for i, tc := range []struct {
		writer string
		took   bool
	}{{"aaaaaaaaaaaa", true}, {"aaaaaaaaaaaa", true}, {"bbbbbbbbbbbb", false}} {
		d := part()
		took, err := other.uploadDirect(ctx, cl, d, tc.writer)
		d.release()
		if err != nil || took != tc.took {
			t.Errorf("upload %d by %s: got %v (%v), want %v", i, tc.writer, took, err, tc.took)
		}
	}
	if _, media, inserts := fake.job(jobID("run-14/orders", directKind)); inserts != 3 || string(media) != "PAR1 test part PAR1" {
		t.Errorf("direct job: %d inserts, media %q; want 3 attempts of one job", inserts, media)
	}

	// Two Writes of one load (source partitions).
	a, b := typesRecord(t, req.Schema, 0, 30), typesRecord(t, req.Schema, 30, 20)
	defer a.Release()
	defer b.Release()
	if _, err := write(t, &Connector{}, req, a); err != nil {
		t.Fatal(err)
	}
	if _, err := write(t, &Connector{}, req, b); err != nil {
		t.Fatal(err)
	}
	staged := objects(t, s)
	if len(staged) != 1 {
		t.Fatalf("second Write: staged %v, want its one part", staged)
	}
	if n := parquetRows(t, s, staged[0]); n != 20 {
		t.Errorf("staged part: %d rows, want the second Write's 20", n)
	}
	_, media, _ := fake.job(jobID(req.LoadID, directKind))
	checkParquet(t, media, []arrow.RecordBatch{a})
	for i := 0; i < 2; i++ { // a commit, then the same commit retried
		if err := l.fillStaging(ctx, cl); err != nil {
			t.Fatal(err)
		}
	}
	job, _, inserts := fake.job(jobID(req.LoadID, "load"))
	if job == nil || job.Configuration.Load.WriteDisposition != "WRITE_APPEND" || inserts != 2 {
		t.Errorf("commit: got load job %+v inserted %d times, want WRITE_APPEND over the files, one job (the retry a 409)", job, inserts)
	}

	// Without a bucket the second Write has nowhere to go.
	req2 := directRequest(t, ep, "", nil, "run-15/orders")
	if _, err := write(t, &Connector{}, req2, a); err != nil {
		t.Fatal(err)
	}
	_, err = write(t, &Connector{}, req2, b)
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(fmt.Sprint(err), "holds its one direct upload") {
		t.Errorf("second Write without bucket: got %v, want CONFIG", err)
	}
}

// TestDirectUploadStagingGone: staging the direct job filled, dropped
// before the commit (expired, or an abort) with no receipt, fails the
// commit with a DATA error instead of publishing an empty staging.
func TestDirectUploadStagingGone(t *testing.T) {
	ctx := context.Background()
	fake, ep := newFakeBigQuery(t)
	req := directRequest(t, ep, "", nil, "run-16/orders")
	rec := typesRecord(t, req.Schema, 0, 5)
	defer rec.Release()
	c := &Connector{}
	if _, err := write(t, c, req, rec); err != nil {
		t.Fatal(err)
	}
	l, _ := resolveLoad(req, true)
	cl, err := connect(ctx, l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.bq.Tables.Delete(l.cfg.Project, l.dataset, l.stgTable).Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	n := len(fake.requests())
	err = l.fillStaging(ctx, cl)
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(fmt.Sprint(err), "is gone") {
		t.Errorf("fill staging: got %v, want DATA (staging gone)", err)
	}
	for _, r := range fake.requests()[n:] {
		if strings.HasSuffix(r, "/tables") || strings.HasSuffix(r, "/jobs") {
			t.Errorf("fill staging: %s, want no table or job created", r)
		}
	}
}

// TestDirectUploadStatusAndAbort: after a direct Write the load is
// staged (its rows are in staging, not in this process: a new
// Connector, as after a crash, sees them), and AbortLoad by load id
// drops them: unknown.
func TestDirectUploadStatusAndAbort(t *testing.T) {
	ctx := context.Background()
	_, ep := newFakeBigQuery(t)
	req := directRequest(t, ep, "", nil, "run-17/orders")
	rec := typesRecord(t, req.Schema, 0, 5)
	defer rec.Release()
	if st, err := (&Connector{}).LoadStatus(ctx, req); err != nil || st != sdk.LoadUnknown {
		t.Fatalf("status before Write: got %v (%v), want unknown", st, err)
	}
	if _, err := write(t, &Connector{}, req, rec); err != nil {
		t.Fatal(err)
	}
	if st, err := (&Connector{}).LoadStatus(ctx, req); err != nil || st != sdk.LoadStaged {
		t.Errorf("status after a direct Write, new process: got %v (%v), want staged", st, err)
	}
	if err := (&Connector{}).AbortLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	if st, err := (&Connector{}).LoadStatus(ctx, req); err != nil || st != sdk.LoadUnknown {
		t.Errorf("status after AbortLoad: got %v (%v), want unknown", st, err)
	}
}
