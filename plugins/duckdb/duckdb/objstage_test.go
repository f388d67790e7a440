package duckdb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// stagings are the object-storage areas a load is tested through: a
// local directory always, S3 on gofakes3 (scripts/s3.sh) when running.
func stagings(t *testing.T, keep bool) map[string]*sdk.Staging {
	out := map[string]*sdk.Staging{"local": {Type: "local", Prefix: t.TempDir(), Keep: keep}}
	if ep := os.Getenv("DPONE_TEST_S3_ENDPOINT"); ep != "" {
		out["s3"] = &sdk.Staging{Type: "s3", Bucket: "dpone-test", Prefix: "duckdb-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + filepath.Base(t.TempDir()),
			Endpoint: ep, Keep: keep, Credentials: map[string]string{"access_key_id": "k", "secret_access_key": "s"}}
	} else {
		t.Log("DPONE_TEST_S3_ENDPOINT not set (scripts/s3.sh start): s3 not tested")
	}
	if ep := os.Getenv("DPONE_TEST_GCS_ENDPOINT"); ep != "" {
		out["gcs"] = &sdk.Staging{Type: "gcs", Bucket: "dpone-test", Prefix: "duckdb-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + filepath.Base(t.TempDir()),
			Endpoint: ep, Keep: keep}
	} else {
		t.Log("DPONE_TEST_GCS_ENDPOINT not set (scripts/gcs.sh start): gcs not tested")
	}
	return out
}

func files(t *testing.T, s *sdk.Staging, loadID string) []string {
	t.Helper()
	a, err := objstage.Open(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := a.Loads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range ids {
		if id == loadID {
			out = append(out, id)
		}
	}
	return out
}

// TestObjectStagingLoad: a load with sink.staging goes through Parquet
// parts in the area (two Write streams), is verified and read into the
// target at commit, and its files are gone after it; keep leaves them.
func TestObjectStagingLoad(t *testing.T) {
	for _, keep := range []bool{false, true} {
		for name, st := range stagings(t, keep) {
			t.Run(name+map[bool]string{true: "/keep"}[keep], func(t *testing.T) {
				f := newFixture(t)
				ctx := context.Background()
				req := f.req("l1", "t", sdk.ModeFullRefresh, idName)
				req.Staging = st
				if _, err := f.c.BeginLoad(ctx, req); err != nil {
					t.Fatal(err)
				}
				for _, rec := range []arrowRecord{idNameRecord(t, 1, "a", 2, ""), idNameRecord(t, 3, "c")} {
					res, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: []arrowRecord{rec}})
					if err != nil {
						t.Fatal(err)
					}
					if res.Rows != rec.NumRows() {
						t.Fatalf("Write: got %d rows, want %d", res.Rows, rec.NumRows())
					}
				}
				if got := f.rows(`SELECT count(*) FROM landing.` + sdk.StagingName("l1")); len(got) != 1 || got[0][0] != int64(0) {
					t.Fatalf("the staging table got rows before the commit: %v", got)
				}
				if len(files(t, st, "l1")) != 1 {
					t.Fatal("no staged files after Write")
				}
				if _, err := f.c.CommitLoad(ctx, req, json.RawMessage(`{}`)); err != nil {
					t.Fatal(err)
				}
				want := [][]any{{int64(1), "a"}, {int64(2), nil}, {int64(3), "c"}}
				if diff := cmp.Diff(want, f.rows(`SELECT id, name FROM landing.t`)); diff != "" {
					t.Errorf("target (-want +got):\n%s", diff)
				}
				if got := len(files(t, st, "l1")); got != map[bool]int{true: 1, false: 0}[keep] {
					t.Errorf("keep %v: %d loads' files left after the commit", keep, got)
				}
				// a second commit changes nothing (the receipt), even with
				// the files gone
				if _, err := f.c.CommitLoad(ctx, req, json.RawMessage(`{}`)); err != nil {
					t.Fatalf("second CommitLoad: %v", err)
				}
				if diff := cmp.Diff(want, f.rows(`SELECT id, name FROM landing.t`)); diff != "" {
					t.Errorf("target after a second commit (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestObjectStagingTamperedAndAbort: a changed part fails the commit with
// DATA naming it and leaves the target alone; AbortLoad removes the files.
func TestObjectStagingTamperedAndAbort(t *testing.T) {
	for name, st := range stagings(t, false) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			f.load(f.req("l0", "t", sdk.ModeFullRefresh, idName), idNameRecord(t, 1, "a"))
			req := f.req("l1", "t", sdk.ModeFullRefresh, idName)
			req.Staging = st
			if _, err := f.c.BeginLoad(ctx, req); err != nil {
				t.Fatal(err)
			}
			if _, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: []arrowRecord{idNameRecord(t, 9, "z")}}); err != nil {
				t.Fatal(err)
			}
			a, err := objstage.Open(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			r, err := a.OpenFile(ctx, "l1", "part-00000.parquet")
			if err != nil {
				t.Fatal(err)
			}
			data := make([]byte, 0, 4096)
			buf := make([]byte, 4096)
			for {
				n, err := r.Read(buf)
				data = append(data, buf[:n]...)
				if err != nil {
					break
				}
			}
			r.Close()
			data[len(data)/2] ^= 0x55
			if _, err := a.Verify(ctx, "l1"); err != nil {
				t.Fatal(err)
			}
			key := "l1/part-00000.parquet"
			if st.Type != "local" {
				key = st.Prefix + "/" + key
			}
			if err := a.Bucket().Put(ctx, key, strings.NewReader(string(data)), int64(len(data))); err != nil {
				t.Fatal(err)
			}
			_, err = f.c.CommitLoad(ctx, req, json.RawMessage(`{}`))
			if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "l1/part-00000.parquet") {
				t.Fatalf("got %v, want a DATA error naming l1/part-00000.parquet", err)
			}
			if diff := cmp.Diff([][]any{{int64(1), "a"}}, f.rows(`SELECT id, name FROM landing.t`)); diff != "" {
				t.Errorf("target after the refused commit (-want +got):\n%s", diff)
			}
			if err := f.c.AbortLoad(ctx, req); err != nil {
				t.Fatal(err)
			}
			if got := files(t, st, "l1"); len(got) != 0 {
				t.Fatalf("AbortLoad left the load's files: %v", got)
			}
		})
	}
}
