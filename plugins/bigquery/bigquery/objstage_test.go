package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// testStaging is a sink.staging of type gcs on the fake-gcs-server of
// scripts/gcs.sh (DPONE_TEST_GCS_ENDPOINT, bucket dpone-test), under a
// prefix named after the test.
func testStaging(t *testing.T, keep bool) *sdk.Staging {
	t.Helper()
	ep := os.Getenv("DPONE_TEST_GCS_ENDPOINT")
	if ep == "" {
		t.Skip("DPONE_TEST_GCS_ENDPOINT is not set: run eval \"$(scripts/gcs.sh start)\" (make test does)")
	}
	return &sdk.Staging{Type: objstage.TypeGCS, Bucket: "dpone-test", Prefix: "bigquery-objstage/" + strings.ReplaceAll(t.Name(), "/", "-"),
		Endpoint: ep, Keep: keep}
}

// stagedRequest is an append of schema into landing.orders through
// staging; the load starts with no file left from an earlier run.
func stagedRequest(t *testing.T, staging *sdk.Staging, loadID string, schema *arrow.Schema) sdk.LoadRequest {
	t.Helper()
	req := sdk.LoadRequest{Config: []byte(testConfig), LoadID: loadID, Target: sdk.TableRef{Name: "orders"},
		Schema: schema, Mode: sdk.ModeAppend, Staging: staging}
	req.Load.Strategy.Mode = sdk.ModeAppend
	a := openArea(t, staging)
	if err := a.Remove(context.Background(), loadID); err != nil {
		t.Fatal(err)
	}
	return req
}

func openArea(t *testing.T, s *sdk.Staging) *objstage.Area {
	t.Helper()
	a, err := objstage.Open(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// partBytes reads one staged part.
func partBytes(t *testing.T, a *objstage.Area, loadID, name string) []byte {
	t.Helper()
	r, err := a.OpenFile(context.Background(), loadID, name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestObjectStagingParallelWrites: the Write streams of one load (one per
// source partition, concurrently) share the process's objstage Load, so
// the manifest the last one writes lists every part and the load verifies
// with all their rows.
func TestObjectStagingParallelWrites(t *testing.T) {
	ctx := context.Background()
	st := testStaging(t, false)
	schema := typesSchema()
	req := stagedRequest(t, st, "run_3_orders", schema)
	c := &Connector{}
	const writes = 4
	var wg sync.WaitGroup
	errs := make([]error, writes)
	for w := 0; w < writes; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := typesRecord(t, schema, w*1000, 100+w)
			defer rec.Release()
			_, errs[w] = c.Write(ctx, req, &sliceReader{schema: schema, recs: []arrow.RecordBatch{rec}})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	a := openArea(t, st)
	m, err := a.Verify(ctx, req.LoadID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != 100+101+102+103 || len(m.Files) != writes {
		t.Fatalf("manifest: got %d rows in %d parts, want 406 in %d", m.Rows, len(m.Files), writes)
	}
	if err := a.Remove(ctx, req.LoadID); err != nil {
		t.Fatal(err)
	}
}

// TestObjectStagingLoadJobGolden: CommitLoad's load job with sink.staging
// reads exactly the parts the verified manifest lists (their gs:// URIs),
// under the job id derived from the load id; plan's pattern names the
// same objects.
func TestObjectStagingLoadJobGolden(t *testing.T) {
	ctx := context.Background()
	st := testStaging(t, false)
	l := testLoad(t, sdk.ModeMerge, sdk.Strategy{UniqueKey: []string{"id"}}, "")
	req := stagedRequest(t, st, "run_1_orders", l.req.Schema)
	req.Mode, req.UniqueKey, req.Load.Strategy = l.req.Mode, l.req.UniqueKey, l.req.Load.Strategy
	l, err := resolveLoad(req, true)
	if err != nil {
		t.Fatal(err)
	}
	c := &Connector{}
	for i := 0; i < 2; i++ { // two Writes: two parts
		rec := idsOnly(t, req.Schema, 10)
		if _, err := c.Write(ctx, req, &sliceReader{schema: req.Schema, recs: []arrow.RecordBatch{rec}}); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	a := openArea(t, st)
	job, err := l.stagedLoadJob(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := a.Verify(ctx, req.LoadID)
	if got, want := job.Configuration.Load.SourceUris, sourceURIs(m); !cmp.Equal(got, want) || len(got) != 2 {
		t.Errorf("source URIs: got %v, want the manifest's %v", got, want)
	}
	b, err := json.MarshalIndent(job, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "job/load_staged.json", string(b)+"\n")
	if got := strings.Replace(stagedPartPattern(st, req.LoadID), "NNNNN", "00000", 1); got != m.Files[0].URI {
		t.Errorf("plan's pattern: got %s, want the part %s", got, m.Files[0].URI)
	}
	if err := a.Remove(ctx, req.LoadID); err != nil {
		t.Fatal(err)
	}
}

// idsOnly is n rows of schema with id 0..n-1 and every other column
// NULL.
func idsOnly(t *testing.T, schema *arrow.Schema, n int) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		for c := 1; c < schema.NumFields(); c++ {
			b.Field(c).AppendNull()
		}
	}
	return b.NewRecordBatch()
}

// bigQueryTripwire is an endpoint that stands where BigQuery would and
// answers every request 404; it records them, so a test sees which calls
// the sink made.
type bigQueryTripwire struct {
	mu   sync.Mutex
	reqs []string
}

func (b *bigQueryTripwire) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.reqs = append(b.reqs, r.Method+" "+r.URL.Path)
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, `{"error":{"code":404,"message":"not found","errors":[{"reason":"notFound","message":"not found"}]}}`)
}

func (b *bigQueryTripwire) requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.reqs...)
}

// TestObjectStagingRefusesChangedParts: a part changed, removed or added
// after Write, or a missing manifest, fails the commit with a DATA error
// naming the file before any load job exists: stagedLoadJob returns none,
// and fillStaging (CommitLoad's first step) sends BigQuery no job (for a
// changed part no request at all).
func TestObjectStagingRefusesChangedParts(t *testing.T) {
	gcsEP := os.Getenv("DPONE_TEST_GCS_ENDPOINT")
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, a *objstage.Area, loadID string) string // returns the file the error names
		calls  bool                                                       // BigQuery may be asked for the receipt
	}{
		{"tampered", func(t *testing.T, a *objstage.Area, loadID string) string {
			data := partBytes(t, a, loadID, "part-00000.parquet")
			data[len(data)/2] ^= 0xff
			putPart(t, a, loadID, "part-00000.parquet", data)
			return "part-00000.parquet"
		}, false},
		{"missing part", func(t *testing.T, a *objstage.Area, loadID string) string {
			deletePart(t, a, loadID, "part-00001.parquet")
			return "part-00001.parquet"
		}, false},
		{"unlisted part", func(t *testing.T, a *objstage.Area, loadID string) string {
			putPart(t, a, loadID, "part-00007.parquet", []byte("PAR1"))
			return "part-00007.parquet"
		}, false},
		{"no manifest", func(t *testing.T, a *objstage.Area, loadID string) string {
			deletePart(t, a, loadID, objstage.ManifestName)
			return objstage.ManifestName
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := testStaging(t, false)
			schema := typesSchema()
			req := stagedRequest(t, st, "run_4_orders", schema)
			c := &Connector{}
			for i := 0; i < 2; i++ {
				rec := typesRecord(t, schema, i*100, 100)
				if _, err := c.Write(ctx, req, &sliceReader{schema: schema, recs: []arrow.RecordBatch{rec}}); err != nil {
					t.Fatal(err)
				}
				rec.Release()
			}
			a := openArea(t, st)
			defer a.Remove(ctx, req.LoadID)
			file := tc.change(t, a, req.LoadID)
			l, err := resolveLoad(req, true)
			if err != nil {
				t.Fatal(err)
			}
			job, err := l.stagedLoadJob(ctx, a)
			if job != nil || sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(fmt.Sprint(err), req.LoadID+"/"+file) {
				t.Fatalf("stagedLoadJob: got job %v, error %v; want no job and a DATA error naming %s", job != nil, err, file)
			}
			trip := &bigQueryTripwire{}
			srv := httptest.NewServer(trip)
			defer srv.Close()
			cl, err := connect(ctx, Config{Project: "dpone-test", Endpoint: srv.URL, GCSEndpoint: gcsEP})
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			err = l.fillStaging(ctx, cl)
			if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(fmt.Sprint(err), req.LoadID+"/"+file) {
				t.Errorf("fillStaging: got %v, want the DATA error naming %s", err, file)
			}
			reqs := trip.requests()
			for _, r := range reqs {
				if strings.HasPrefix(r, "POST ") && strings.HasSuffix(r, "/jobs") {
					t.Errorf("fillStaging submitted a job (%s) over parts that did not verify", r)
				}
			}
			if !tc.calls && len(reqs) > 0 {
				t.Errorf("fillStaging called BigQuery %v, want no call before the parts verify", reqs)
			}
			if tc.calls && len(reqs) != 1 {
				t.Errorf("fillStaging called BigQuery %v, want one receipt query (a commit retried after Finish)", reqs)
			}
		})
	}
}

func putPart(t *testing.T, a *objstage.Area, loadID, name string, data []byte) {
	t.Helper()
	key := strings.TrimPrefix(a.LoadURI(loadID), "gs://dpone-test/") + name
	if err := a.Bucket().Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

func deletePart(t *testing.T, a *objstage.Area, loadID, name string) {
	t.Helper()
	key := strings.TrimPrefix(a.LoadURI(loadID), "gs://dpone-test/") + name
	if err := a.Bucket().Delete(context.Background(), key); err != nil {
		t.Fatal(err)
	}
}

// TestObjectStagingFinishAndAbort: after the commit the load's files go
// (finishObjects), or stay with keep and still verify; AbortLoad's
// abortObjects removes them whatever keep says; LoadStatus sees a load
// as staged while its manifest exists.
func TestObjectStagingFinishAndAbort(t *testing.T) {
	ctx := context.Background()
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			st := testStaging(t, keep)
			schema := typesSchema()
			req := stagedRequest(t, st, "run_5_orders", schema)
			c := &Connector{}
			rec := typesRecord(t, schema, 0, 10)
			defer rec.Release()
			if _, err := c.Write(ctx, req, &sliceReader{schema: schema, recs: []arrow.RecordBatch{rec}}); err != nil {
				t.Fatal(err)
			}
			l, err := resolveLoad(req, false)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := l.objectsStaged(ctx); err != nil || !ok {
				t.Fatalf("staged after Write: got %v (%v), want true", ok, err)
			}
			a := openArea(t, st)
			c.finishObjects(ctx, l)
			files, err := a.Loads(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if keep != (len(files) == 1) {
				t.Fatalf("after finish with keep %v: got loads %v in the area", keep, files)
			}
			if keep {
				if _, err := a.Verify(ctx, req.LoadID); err != nil {
					t.Errorf("kept files do not verify: %v", err)
				}
			}
			if c.objects.Len() != 0 {
				t.Errorf("finish left %d loads in the process", c.objects.Len())
			}
			if err := c.abortObjects(ctx, l); err != nil {
				t.Fatal(err)
			}
			if files, _ := a.Loads(ctx); len(files) != 0 {
				t.Errorf("after abort: got loads %v, want none", files)
			}
			if ok, err := l.objectsStaged(ctx); err != nil || ok {
				t.Errorf("staged after abort: got %v (%v), want false", ok, err)
			}
			if err := c.abortObjects(ctx, l); err != nil {
				t.Errorf("abort of nothing: %v, want nil", err)
			}
		})
	}
}

// TestSourceURIs: the load job names each part, or the wildcard of the
// load's prefix when there are more parts than a job takes.
func TestSourceURIs(t *testing.T) {
	m := objstage.Manifest{Files: []objstage.File{{URI: "gs://b/p/l1/part-00000.parquet"}, {URI: "gs://b/p/l1/part-00001.parquet"}}}
	if got := sourceURIs(m); !cmp.Equal(got, []string{"gs://b/p/l1/part-00000.parquet", "gs://b/p/l1/part-00001.parquet"}) {
		t.Errorf("two parts: got %v", got)
	}
	m.Files = make([]objstage.File, maxSourceURIs+1)
	for i := range m.Files {
		m.Files[i].URI = fmt.Sprintf("gs://b/p/l1/part-%05d.parquet", i)
	}
	if got := sourceURIs(m); !cmp.Equal(got, []string{"gs://b/p/l1/part-*.parquet"}) {
		t.Errorf("%d parts: got %v, want the wildcard", len(m.Files), got)
	}
}
