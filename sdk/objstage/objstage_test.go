package objstage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/dpone-go/dpone/sdk"
)

// areas returns the staging areas to test: a local directory always, S3
// on gofakes3 (scripts/s3.sh: DPONE_TEST_S3_ENDPOINT) and GCS on
// fake-gcs-server (scripts/gcs.sh: DPONE_TEST_GCS_ENDPOINT) when running.
// Each gets a prefix of its own.
func areas(t *testing.T, keep bool) map[string]*Config {
	t.Helper()
	prefix := fmt.Sprintf("objstage-test/%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), os.Getpid())
	out := map[string]*Config{"local": {Type: TypeLocal, Prefix: t.TempDir(), Keep: keep}}
	if ep := os.Getenv("DPONE_TEST_S3_ENDPOINT"); ep != "" {
		out["s3"] = &Config{Type: TypeS3, Bucket: "dpone-test", Prefix: prefix, Endpoint: ep, Keep: keep,
			Credentials: map[string]string{"access_key_id": "dpone", "secret_access_key": "dpone-secret"}}
	} else {
		t.Log("DPONE_TEST_S3_ENDPOINT not set (scripts/s3.sh start): s3 not tested")
	}
	if ep := os.Getenv("DPONE_TEST_GCS_ENDPOINT"); ep != "" {
		out["gcs"] = &Config{Type: TypeGCS, Bucket: "dpone-test", Prefix: prefix, Endpoint: ep, Keep: keep}
	} else {
		t.Log("DPONE_TEST_GCS_ENDPOINT not set (scripts/gcs.sh start): gcs not tested")
	}
	return out
}

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// batch makes rows ids from..from+n-1, every third name NULL.
func batch(from, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, testSchema)
	defer b.Release()
	for i := from; i < from+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%3 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("name-%d", i))
		}
	}
	return b.NewRecordBatch()
}

// stage writes rows 0..2*per-1 through two writers (two Write streams)
// with parts of ~4 KiB of Arrow, and the manifest.
func stage(t *testing.T, a *Area, loadID string, per int) {
	t.Helper()
	ctx := context.Background()
	l := a.Load(loadID)
	for s := 0; s < 2; s++ {
		w, err := l.NewWriter(testSchema, 4<<10)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < per; i += 100 {
			rec := batch(s*per+i, 100)
			if err := w.Write(ctx, rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
		}
		if err := w.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := l.WriteManifest(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// readIDs reads a staged Parquet file back and returns its id column.
func readIDs(t *testing.T, a *Area, key string) []int64 {
	t.Helper()
	r, err := a.Bucket().Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not Parquet: %v", key, err)
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
	var ids []int64
	for _, c := range tbl.Column(0).Data().Chunks() {
		ids = append(ids, c.(*array.Int64).Int64Values()...)
	}
	nulls := 0
	for _, c := range tbl.Column(1).Data().Chunks() {
		nulls += c.NullN()
	}
	want := 0
	for _, id := range ids {
		if id%3 == 0 {
			want++
		}
	}
	if nulls != want {
		t.Errorf("%s: got %d NULL names, want %d", key, nulls, want)
	}
	return ids
}

func TestRoundTrip(t *testing.T) {
	for name, cfg := range areas(t, false) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, err := Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			stage(t, a, "load-rt", 1000)
			m, err := a.Verify(ctx, "load-rt")
			if err != nil {
				t.Fatal(err)
			}
			if m.Rows != 2000 || len(m.Files) < 4 {
				t.Fatalf("got %d rows in %d files, want 2000 rows in at least 4 parts", m.Rows, len(m.Files))
			}
			seen := map[int64]bool{}
			var rows int64
			for i, f := range m.Files {
				if want := fmt.Sprintf("part-%05d.parquet", i); f.Name != want {
					t.Errorf("file %d: got %s, want %s", i, f.Name, want)
				}
				if !strings.HasSuffix(f.URI, "/load-rt/"+f.Name) {
					t.Errorf("got URI %s, want it to end in /load-rt/%s", f.URI, f.Name)
				}
				ids := readIDs(t, a, a.loadPrefix("load-rt")+f.Name)
				if int64(len(ids)) != f.Rows {
					t.Errorf("%s: got %d rows, manifest says %d", f.Name, len(ids), f.Rows)
				}
				rows += f.Rows
				for _, id := range ids {
					if seen[id] {
						t.Fatalf("id %d staged twice", id)
					}
					seen[id] = true
				}
			}
			if rows != 2000 || len(seen) != 2000 {
				t.Fatalf("got %d rows, %d distinct ids; want 2000", rows, len(seen))
			}
			if err := a.Finish(ctx, "load-rt"); err != nil {
				t.Fatal(err)
			}
			if keys, _ := a.Bucket().List(ctx, a.loadPrefix("load-rt")); len(keys) != 0 {
				t.Fatalf("after Finish: got %v, want no files", keys)
			}
		})
	}
}

func TestVerifyRefusesChangedFiles(t *testing.T) {
	cases := []struct {
		name   string
		change func(ctx context.Context, a *Area, prefix string) string // returns the file to be named
	}{
		{"tampered", func(ctx context.Context, a *Area, prefix string) string {
			k := prefix + "part-00001.parquet"
			r, _ := a.Bucket().Get(ctx, k)
			data, _ := io.ReadAll(r)
			r.Close()
			data[len(data)/2] ^= 0xff
			if err := a.Bucket().Put(ctx, k, bytes.NewReader(data), int64(len(data))); err != nil {
				panic(err)
			}
			return "part-00001.parquet"
		}},
		{"missing", func(ctx context.Context, a *Area, prefix string) string {
			if err := a.Bucket().Delete(ctx, prefix+"part-00002.parquet"); err != nil {
				panic(err)
			}
			return "part-00002.parquet"
		}},
		{"extra", func(ctx context.Context, a *Area, prefix string) string {
			if err := a.Bucket().Put(ctx, prefix+"part-09999.parquet", strings.NewReader("x"), 1); err != nil {
				panic(err)
			}
			return "part-09999.parquet"
		}},
		{"no manifest", func(ctx context.Context, a *Area, prefix string) string {
			if err := a.Bucket().Delete(ctx, prefix+ManifestName); err != nil {
				panic(err)
			}
			return ManifestName
		}},
	}
	for name, cfg := range areas(t, false) {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				ctx := context.Background()
				a, err := Open(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				id := "load-" + strings.ReplaceAll(tc.name, " ", "-")
				stage(t, a, id, 500)
				if _, err := a.Verify(ctx, id); err != nil {
					t.Fatalf("before the change: %v", err)
				}
				file := tc.change(ctx, a, a.loadPrefix(id))
				_, err = a.Verify(ctx, id)
				if err == nil {
					t.Fatal("Verify passed a changed load")
				}
				if sdk.CodeOf(err) != sdk.CodeData {
					t.Errorf("got code %v, want DATA: %v", sdk.CodeOf(err), err)
				}
				if !strings.Contains(err.Error(), id+"/"+file) {
					t.Errorf("got %q, want it to name %s/%s", err, id, file)
				}
				if err := a.Remove(ctx, id); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestKeepAndAbort(t *testing.T) {
	for name, cfg := range areas(t, true) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, err := Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			stage(t, a, "load-kept", 300)
			if err := a.Finish(ctx, "load-kept"); err != nil {
				t.Fatal(err)
			}
			kept, _ := a.Bucket().List(ctx, a.loadPrefix("load-kept"))
			if len(kept) < 2 {
				t.Fatalf("keep: true: got %v after Finish, want the parts and the manifest", kept)
			}
			if _, err := a.Verify(ctx, "load-kept"); err != nil {
				t.Fatalf("kept files do not verify: %v", err)
			}

			// An aborted load: a part uploaded, no manifest written.
			l := a.Load("load-aborted")
			w, _ := l.NewWriter(testSchema, 1)
			rec := batch(0, 10)
			if err := w.Write(ctx, rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
			ids, err := a.Loads(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(ids) != "[load-aborted load-kept]" {
				t.Fatalf("Loads: got %v, want [load-aborted load-kept]", ids)
			}
			if err := a.Remove(ctx, "load-aborted"); err != nil {
				t.Fatal(err)
			}
			if left, _ := a.Bucket().List(ctx, a.loadPrefix("load-aborted")); len(left) != 0 {
				t.Fatalf("after Remove: got %v, want nothing", left)
			}
			if left, _ := a.Bucket().List(ctx, a.loadPrefix("load-kept")); len(left) != len(kept) {
				t.Fatalf("Remove of another load touched load-kept: %v", left)
			}
			a.Remove(ctx, "load-kept")
		})
	}
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  *Config
		want string
	}{
		{nil, "set sink.staging"},
		{&Config{Type: "ftp"}, `"ftp": want local, s3 or gcs`},
		{&Config{Type: TypeLocal}, "needs prefix"},
		{&Config{Type: TypeS3}, "needs bucket"},
		{&Config{Type: TypeS3, Bucket: "b", Endpoint: "127.0.0.1:9000"}, "want http(s)://host[:port]"},
	} {
		_, err := Open(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || sdk.CodeOf(err) != sdk.CodeConfig {
			t.Errorf("Open(%+v): got %v, want a CONFIG error containing %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := (&Area{}).Verify(context.Background(), "../x"); err == nil {
		t.Error("Verify took a load id with a slash")
	}
}
