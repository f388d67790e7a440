package clickhouse

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// testKeys are the staging keys the tests send (gofakes3 takes any):
// they must never appear in an error.
var testKeys = map[string]string{"access_key_id": "AKIDSTAGETEST", "secret_access_key": "stage-secret-3f9a"}

// testStaging is an s3 staging area on gofakes3 (scripts/s3.sh, bucket
// dpone-test) under a prefix of its own; the test skips without it.
func testStaging(t testing.TB, keep bool) *sdk.Staging {
	t.Helper()
	ep := os.Getenv("DPONE_TEST_S3_ENDPOINT")
	if ep == "" {
		t.Skip("DPONE_TEST_S3_ENDPOINT not set: run via make test (scripts/s3.sh start)")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return &sdk.Staging{Type: objstage.TypeS3, Bucket: "dpone-test", Prefix: "clickhouse/" + hex.EncodeToString(b),
		Endpoint: ep, Keep: keep, Credentials: testKeys}
}

// stagedFiles lists the file names of loadID in st.
func stagedFiles(t testing.TB, st *sdk.Staging, loadID string) []string {
	t.Helper()
	a, err := objstage.Open(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := a.Bucket().List(context.Background(), st.Prefix+"/"+loadID+"/")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		out = append(out, k[strings.LastIndex(k, "/")+1:])
	}
	return out
}

// snapshot is every row of table (FINAL when its engine collapses rows)
// as sorted text, with a hash of the stored values (but the version,
// which differs by when each load published).
func (f *fixture) snapshot(table string) string {
	f.t.Helper()
	var engine, s string
	f.scalar(fmt.Sprintf("SELECT engine FROM system.tables WHERE database = %s AND name = %s", literal(testDB), literal(table)), &engine)
	f.scalar(fmt.Sprintf("SELECT concat(toString(count()), ' rows, hash ', toString(groupBitXor(cityHash64(*))), ':\n', arrayStringConcat(arraySort(groupArray(toString(tuple(*)))), '\n')) FROM (SELECT * EXCEPT (%s) FROM %s%s)",
		versionColumn, qualified(testDB, table), final(engine)), &s)
	return s
}

// write runs one Write stream of recs.
func (f *fixture) write(req sdk.LoadRequest, recs ...arrow.RecordBatch) {
	f.t.Helper()
	if _, err := f.c.Write(f.ctx, req, &sliceReader{schema: req.Schema, recs: recs}); err != nil {
		f.t.Fatalf("Write %s: %v", req.LoadID, err)
	}
}

// TestStagedModes loads the same two loads into two targets in every
// mode: through native blocks, and through s3 staging (each load in two
// Write streams, so two parts). Both targets must hold the same rows
// (lineage included), the commits report the same counts, and no file
// is left.
func TestStagedModes(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	type step struct {
		where string
		recs  []arrow.RecordBatch
	}
	for _, tc := range []struct {
		name, mode, opts string
		keys, partition  []string
		loads            []step
		want             [][]any
	}{
		{name: "full_refresh", mode: sdk.ModeFullRefresh,
			loads: []step{{recs: []arrow.RecordBatch{idNameRecord(t, 1, "a"), idNameRecord(t, 2, "b")}}, {recs: []arrow.RecordBatch{idNameRecord(t, 2, "B"), idNameRecord(t, 3, "c")}}},
			want:  [][]any{row(2, "B"), row(3, "c")}},
		{name: "append", mode: sdk.ModeAppend,
			loads: []step{{recs: []arrow.RecordBatch{idNameRecord(t, 1, "a"), idNameRecord(t, 2, "b")}}, {recs: []arrow.RecordBatch{idNameRecord(t, 2, "B"), idNameRecord(t, 3, nil)}}},
			want:  [][]any{row(1, "a"), row(2, "B"), row(2, "b"), row(3, nil)}},
		{name: "merge", mode: sdk.ModeMerge, keys: []string{"id"},
			loads: []step{{recs: []arrow.RecordBatch{idNameRecord(t, 1, "a"), idNameRecord(t, 2, "b")}}, {recs: []arrow.RecordBatch{idNameRecord(t, 2, "B"), idNameRecord(t, 3, "c")}}},
			want:  [][]any{row(1, "a"), row(2, "B"), row(3, "c")}},
		{name: "merge_delete_insert", mode: sdk.ModeMerge, opts: `{"merge":"delete_insert"}`, keys: []string{"id"},
			loads: []step{{recs: []arrow.RecordBatch{idNameRecord(t, 1, "a"), idNameRecord(t, 2, "b")}}, {recs: []arrow.RecordBatch{idNameRecord(t, 2, "B"), idNameRecord(t, 3, "c")}}},
			want:  [][]any{row(1, "a"), row(2, "B"), row(3, "c")}},
		{name: "partition_replace", mode: sdk.ModePartitionReplace, partition: []string{"name"},
			loads: []step{{recs: []arrow.RecordBatch{idNameRecord(t, 1, "p1", 2, "p1", 3, "p2"), idNameRecord(t, 4, "p2", 5, "p3")}}, {recs: []arrow.RecordBatch{idNameRecord(t, 3, "p2", 6, "p2"), idNameRecord(t, 7, "p4")}}},
			want:  [][]any{row(1, "p1"), row(2, "p1"), row(3, "p2"), row(5, "p3"), row(6, "p2"), row(7, "p4")}},
		{name: "replace", mode: sdk.ModeReplace,
			loads: []step{{where: "id <= 5", recs: []arrow.RecordBatch{idNameRecord(t, 1, "a", 2, "b", 3, "c"), idNameRecord(t, 4, "d", 5, "e")}}, {where: "id >= 4", recs: []arrow.RecordBatch{idNameRecord(t, 4, "D"), idNameRecord(t, 6, "f")}}},
			want:  [][]any{row(1, "a"), row(2, "b"), row(3, "c"), row(4, "D"), row(6, "f")}},
		{name: "snapshot_diff", mode: sdk.ModeSnapshotDiff, keys: []string{"id"},
			loads: []step{{recs: []arrow.RecordBatch{idNameRecord(t, 1, "a"), idNameRecord(t, 2, "b")}}, {recs: []arrow.RecordBatch{idNameRecord(t, 2, "B"), idNameRecord(t, 3, "c")}}},
			want:  [][]any{row(2, "B"), row(3, "c")}},
		{name: "scd2", mode: sdk.ModeSCD2, keys: []string{"id"},
			loads: []step{{recs: []arrow.RecordBatch{idNameRecord(t, 1, "a"), idNameRecord(t, 2, "b")}}, {recs: []arrow.RecordBatch{idNameRecord(t, 2, "B"), idNameRecord(t, 3, "c")}}},
			want:  [][]any{row(1, "a"), row(2, "B"), row(2, "b"), row(3, "c")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			results := map[string][]sdk.CommitResult{}
			for _, path := range []string{"blocks", "s3"} {
				table := "staged_" + tc.name + "_" + path
				for i, load := range tc.loads {
					r := f.req(fmt.Sprintf("%s-%s-%d", table, path, i), table, tc.mode, idNameSchema, tc.keys...)
					r.Options = json.RawMessage(tc.opts)
					r.Load.Strategy.Where = load.where
					r.Load.Strategy.PartitionBy = tc.partition
					r.Load.Lineage = &sdk.Lineage{RunID: fmt.Sprintf("run-%d", i), LoadedAt: fmt.Sprintf("2026-12-05T0%d:00:00Z", i+1),
						RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}
					if path == "s3" {
						r.Staging = st
					}
					if _, err := f.c.BeginLoad(f.ctx, r); err != nil {
						t.Fatalf("BeginLoad %s: %v", r.LoadID, err)
					}
					for _, rec := range load.recs {
						f.write(r, rec)
					}
					if path == "s3" {
						var n uint64
						f.scalar("SELECT count() FROM "+qualified(testDB, sdk.StagingName(r.LoadID)), &n)
						if got := stagedFiles(t, st, r.LoadID); n != 0 || len(got) != 3 {
							t.Fatalf("after two Write streams: staging holds %d rows and the area %v; want 0 rows and two parts with a manifest", n, got)
						}
					}
					res, err := f.c.CommitLoad(f.ctx, r, json.RawMessage(`{}`))
					if err != nil {
						t.Fatalf("CommitLoad %s: %v", r.LoadID, err)
					}
					results[path] = append(results[path], res)
					if path == "s3" {
						if got := stagedFiles(t, st, r.LoadID); len(got) != 0 {
							t.Errorf("files left after the commit: %v", got)
						}
					}
				}
			}
			if d := cmp.Diff(tc.want, f.idNames("staged_"+tc.name+"_s3")); d != "" {
				t.Errorf("staged target (-want +got):\n%s", d)
			}
			if b, s := f.snapshot("staged_"+tc.name+"_blocks"), f.snapshot("staged_"+tc.name+"_s3"); b != s {
				t.Errorf("targets differ:\nthrough blocks: %s\nthrough s3:     %s", b, s)
			}
			if d := cmp.Diff(results["blocks"], results["s3"]); d != "" {
				t.Errorf("commit results (-blocks +s3):\n%s", d)
			}
		})
	}
	f.t = t
}

// TestStagedChangedOrMissingPart: a part changed or removed after Write
// fails the commit with DATA naming it, and nothing is published (the
// target keeps its rows, staging none); AbortLoad then removes the load's
// files and its staging table.
func TestStagedChangedOrMissingPart(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	f.load(f.req("sttamper-0", "tampered", sdk.ModeFullRefresh, idNameSchema), idNameRecord(t, 1, "a"))
	a, err := objstage.Open(f.ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want string }{{"changed", "changed since it was written"}, {"missing", "is missing"}} {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			r := f.req("sttamper-"+tc.name, "tampered", sdk.ModeFullRefresh, idNameSchema)
			r.Staging = st
			f.stage(r, idNameRecord(t, 9, "z"))
			key := st.Prefix + "/" + r.LoadID + "/part-00000.parquet"
			if tc.name == "changed" {
				rd, err := a.OpenFile(f.ctx, r.LoadID, "part-00000.parquet")
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(rd)
				rd.Close()
				if err != nil {
					t.Fatal(err)
				}
				data[len(data)/2] ^= 0x55
				if err := a.Bucket().Put(f.ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
					t.Fatal(err)
				}
			} else if err := a.Bucket().Delete(f.ctx, key); err != nil {
				t.Fatal(err)
			}
			_, err := f.c.CommitLoad(f.ctx, r, json.RawMessage(`{}`))
			if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), r.LoadID+"/part-00000.parquet") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CommitLoad: got %v, want a DATA error naming %s/part-00000.parquet (%s)", err, r.LoadID, tc.want)
			}
			if d := cmp.Diff([][]any{row(1, "a")}, f.idNames("tampered")); d != "" {
				t.Errorf("target after the refused commit (-want +got):\n%s", d)
			}
			var n uint64
			f.scalar("SELECT count() FROM "+qualified(testDB, sdk.StagingName(r.LoadID)), &n)
			if n != 0 {
				t.Errorf("staging holds %d rows after the refused commit, want 0", n)
			}
			if err := f.c.AbortLoad(f.ctx, r); err != nil {
				t.Fatal(err)
			}
			if got := stagedFiles(t, st, r.LoadID); len(got) != 0 {
				t.Errorf("AbortLoad left the load's files: %v", got)
			}
			var tables uint64
			f.scalar(fmt.Sprintf("SELECT count() FROM system.tables WHERE database = %s AND name = %s", literal(testDB), literal(sdk.StagingName(r.LoadID))), &tables)
			if tables != 0 {
				t.Errorf("AbortLoad left the staging table")
			}
		})
	}
	f.t = t
}

// TestStagedKeep: keep: true leaves the parts and the manifest after the
// commit; a later AbortLoad of the load (recovery) removes them even so,
// and also when its staging table is gone.
func TestStagedKeep(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, true)
	r := f.req("stkeep-1", "kept", sdk.ModeAppend, idNameSchema)
	r.Staging = st
	f.load(r, idNameRecord(t, 1, "a", 2, "b"))
	if got, want := stagedFiles(t, st, r.LoadID), []string{"_manifest.json", "part-00000.parquet"}; !slices.Equal(got, want) {
		t.Fatalf("keep: files after the commit: got %v, want %v", got, want)
	}
	if err := f.c.AbortLoad(f.ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := stagedFiles(t, st, r.LoadID); len(got) != 0 {
		t.Errorf("AbortLoad without a staging table left the files: %v", got)
	}
}

// TestStagedCommitRetried: a commit that filled staging and died before
// publishing (or filled it twice) publishes every row once: each part's
// insert carries its deduplication token. Three partitions per part and
// two parts.
func TestStagedCommitRetried(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	r := f.req("stretry-1", "retried", sdk.ModePartitionReplace, idNameSchema)
	r.Load.Strategy.PartitionBy = sdk.ColumnNames{"name"}
	r.Staging = st
	f.stage(r, idNameRecord(t, 1, "p1", 2, "p2", 3, "p3"))
	f.write(r, idNameRecord(t, 4, "p1", 5, "p2", 6, "p4"))
	l, err := f.c.prepare(f.ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := l.fillFromObjects(f.ctx); err != nil {
			t.Fatalf("fill: %v", err)
		}
	}
	var n uint64
	f.scalar("SELECT count() FROM "+qualified(testDB, sdk.StagingName(r.LoadID)), &n)
	if n != 6 {
		t.Fatalf("staging after two fills: got %d rows, want 6", n)
	}
	if _, err := f.c.CommitLoad(f.ctx, r, json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	want := [][]any{row(1, "p1"), row(2, "p2"), row(3, "p3"), row(4, "p1"), row(5, "p2"), row(6, "p4")}
	if d := cmp.Diff(want, f.idNames("retried")); d != "" {
		t.Errorf("target after a retried commit (-want +got):\n%s", d)
	}
}

// TestStagedDuplicatedRows: when staging holds more rows than the
// manifest says (here: the same part inserted again under another
// token), the commit fails with DATA and publishes nothing.
func TestStagedDuplicatedRows(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	r := f.req("stdup-1", "duplicated", sdk.ModeAppend, idNameSchema)
	r.Staging = st
	f.stage(r, idNameRecord(t, 1, "a", 2, "b"))
	a, err := objstage.Open(f.ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	url := a.HTTPURL(r.LoadID, "part-00000.parquet")
	f.exec(fmt.Sprintf("INSERT INTO %s (id, name) SELECT id, name FROM s3(%s, 'Parquet', 'id Int64, name Nullable(String)') SETTINGS async_insert = 0",
		qualified(testDB, sdk.StagingName(r.LoadID)), literal(url)))
	_, err = f.c.CommitLoad(f.ctx, r, json.RawMessage(`{}`))
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "holds 4 rows") {
		t.Fatalf("CommitLoad: got %v, want a DATA error (staging holds 4 rows, the manifest says 2)", err)
	}
	var tables uint64
	f.scalar(fmt.Sprintf("SELECT count() FROM system.tables WHERE database = %s AND name = 'duplicated'", literal(testDB)), &tables)
	if tables != 0 {
		t.Errorf("the target was created by a refused commit")
	}
}

// TestStagedLoadStatusFinishes: a staged load whose publish ran but whose
// plugin died before removing the files: LoadStatus answers committed and
// removes them.
func TestStagedLoadStatusFinishes(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	r := f.req("ststatus-1", "statused", sdk.ModeFullRefresh, idNameSchema)
	r.Staging = st
	f.stage(r, idNameRecord(t, 1, "a"))
	l, err := f.c.prepare(f.ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.fillFromObjects(f.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.publish(f.ctx, json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	if got := stagedFiles(t, st, r.LoadID); len(got) == 0 {
		t.Fatal("no files before LoadStatus: the test proves nothing")
	}
	g := newFixture(t)
	if s, err := g.c.LoadStatus(g.ctx, r); err != nil || s != sdk.LoadCommitted {
		t.Fatalf("LoadStatus: got %v %v, want committed", s, err)
	}
	if got := stagedFiles(t, st, r.LoadID); len(got) != 0 {
		t.Errorf("LoadStatus of a committed load left its files: %v", got)
	}
}

// TestStagedSweep: BeginLoad of a fenced load drops the staging a killed
// earlier load of its target left, and that load's files.
func TestStagedSweep(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	fence := sdk.Fence{Manifest: "stage_test", Unit: "staged_swept", Generation: 1}
	old := f.req("stsweep-1", "staged_swept", sdk.ModeAppend, idNameSchema)
	old.Staging, old.Fence = st, fence
	f.stage(old, idNameRecord(t, 1, "a"))
	if len(stagedFiles(t, st, old.LoadID)) == 0 {
		t.Fatal("no files after Write: the test proves nothing")
	}
	fence.Generation = 2
	next := f.req("stsweep-2", "staged_swept", sdk.ModeAppend, idNameSchema)
	next.Staging, next.Fence = st, fence
	f.load(next, idNameRecord(t, 2, "b"))
	if got := stagedFiles(t, st, old.LoadID); len(got) != 0 {
		t.Errorf("files of the swept load: %v, want none", got)
	}
	if d := cmp.Diff([][]any{row(2, "b")}, f.idNames("staged_swept")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}
}

// TestStagedPartIsOneBlock: a part of 2,200,000 rows, which the server
// reads in blocks of ~65k rows and by default squashes into insert blocks
// of ~1M rows (two data parts), is inserted as one block, so its one
// deduplication token covers all of it: staging gets one data part
// (merges stopped, so none are merged away).
func TestStagedPartIsOneBlock(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	r := f.req("stblock-1", "staged_block", sdk.ModeAppend, benchSchema)
	r.Staging = st
	recs := benchRecords(2_200_000, 100_000)
	if _, err := f.c.BeginLoad(f.ctx, r); err != nil {
		t.Fatal(err)
	}
	f.exec("SYSTEM STOP MERGES " + qualified(testDB, sdk.StagingName(r.LoadID)))
	f.write(r, recs...)
	l, err := f.c.prepare(f.ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.fillFromObjects(f.ctx); err != nil {
		t.Fatal(err)
	}
	var parts, rows uint64
	f.scalar(fmt.Sprintf("SELECT count() FROM system.parts WHERE database = %s AND table = %s AND active", literal(testDB), literal(sdk.StagingName(r.LoadID))), &parts)
	f.scalar("SELECT count() FROM "+qualified(testDB, sdk.StagingName(r.LoadID)), &rows)
	if parts != 1 || rows != 2_200_000 {
		t.Errorf("staging after the fill: %d data parts, %d rows; want 1 part (one block) of 2200000 rows", parts, rows)
	}
	if err := f.c.AbortLoad(f.ctx, r); err != nil {
		t.Fatal(err)
	}
}
