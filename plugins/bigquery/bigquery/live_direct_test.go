package bigquery

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// TestLiveDirectUpload: with no config bucket and no sink.staging, a
// small load's Write uploads its Parquet with the load's direct load job
// (a jobs.insert media upload): LoadStatus answers staged from a new
// Connector, the commit's fill (twice: a retried commit) keeps staging,
// which holds every value as written; AbortLoad drops it. A load over
// direct_upload_max_bytes fails its Write with a CONFIG error naming
// bucket, and stays unknown. On the emulator (make test-bigquery) this is
// the sink's path up to the publish script, which the emulator cannot
// run; written, not yet run on the emulator or a real project.
func TestLiveDirectUpload(t *testing.T) {
	cfg := liveConfig(t)
	cfg.Bucket = ""
	ctx := context.Background()
	cl, err := connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	request := func(name string, max *int64) (sdk.LoadRequest, *load, arrow.RecordBatch, []map[string]any) {
		c := cfg
		c.DirectUploadMaxBytes = max
		raw, _ := json.Marshal(c)
		rec, want := stagingRecord()
		req := sdk.LoadRequest{Config: raw, LoadID: name + "-" + newWriterID(), Target: sdk.TableRef{Namespace: cfg.Dataset, Name: name},
			Schema: rec.Schema(), Mode: sdk.ModeAppend}
		req.Load.Strategy.Mode = sdk.ModeAppend
		l, err := resolveLoad(req, true)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = (&Connector{}).AbortLoad(context.Background(), req) })
		return req, l, rec, want
	}
	req, l, rec, want := request("direct_upload", nil)
	defer rec.Release()
	if _, err := cl.bq.Tables.Get(cfg.Project, l.dataset, "_dpone_loads").Do(); isNotFound(err) {
		// LoadStatus reads it (BeginLoad's fence MERGE does not run on the
		// emulator; not IF NOT EXISTS alone: the emulator fails it on an
		// existing table).
		if _, err := cl.runJob(ctx, "create receipts", readJob(cfg, l.receiptsDDL(), nil, false)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := (&Connector{}).Write(ctx, req, &sliceReader{schema: rec.Schema(), recs: []arrow.RecordBatch{rec}})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	if res.Rows != 2 {
		t.Errorf("write: got %d rows, want 2", res.Rows)
	}
	if st, err := (&Connector{}).LoadStatus(ctx, req); err != nil || st != sdk.LoadStaged {
		t.Errorf("load status after Write, new Connector: got %v (%v), want staged", st, err)
	}
	for i := 0; i < 2; i++ {
		if err := l.fillStaging(ctx, cl); err != nil {
			t.Fatalf("fill staging (%d): %v", i, err)
		}
	}
	got, err := readTable(ctx, cl.bq, cfg.Project, sdk.TableRef{Namespace: l.dataset, Name: l.stgTable})
	if err != nil {
		t.Fatal(err)
	}
	compareStaging(t, cfg, true, want, got)
	if err := (&Connector{}).AbortLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	if st, err := (&Connector{}).LoadStatus(ctx, req); err != nil || st != sdk.LoadUnknown {
		t.Errorf("load status after AbortLoad: got %v (%v), want unknown", st, err)
	}

	one := int64(1)
	big, _, bigRec, _ := request("direct_upload_big", &one)
	defer bigRec.Release()
	_, err = (&Connector{}).Write(ctx, big, &sliceReader{schema: bigRec.Schema(), recs: []arrow.RecordBatch{bigRec}})
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(fmt.Sprint(err), "bucket") {
		t.Errorf("write over direct_upload_max_bytes without bucket: got %v, want CONFIG naming bucket", err)
	}
	if st, err := (&Connector{}).LoadStatus(ctx, big); err != nil || st != sdk.LoadUnknown {
		t.Errorf("load status after the refused Write: got %v (%v), want unknown", st, err)
	}
}
