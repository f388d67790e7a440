package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// fencedReq is an append into fencetest.<table> by unit u of manifest m
// holding lock generation gen.
func fencedReq(cfg json.RawMessage, id, table, unit string, gen int64, shared bool) sdk.LoadRequest {
	return sdk.LoadRequest{Config: cfg, LoadID: id, Target: sdk.TableRef{Namespace: "fencetest", Name: table},
		Schema: kvSchema, Mode: sdk.ModeAppend, Fence: sdk.Fence{Manifest: "m", Unit: unit, Generation: gen, SharedTarget: shared}}
}

func stage(t *testing.T, c *Connector, req sdk.LoadRequest, rows ...kv) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatalf("begin %s: %v", req.LoadID, err)
	}
	rec := kvRecord(rows...)
	defer rec.Release()
	if _, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{rec}}); err != nil {
		t.Fatalf("write %s: %v", req.LoadID, err)
	}
}

func countRows(t *testing.T, cfg json.RawMessage, table string) int {
	t.Helper()
	w := &memWriter{}
	defer w.release()
	req := sdk.ReadRequest{Config: cfg, Namespace: "fencetest", Stream: table, Columns: []string{"id"}, Mode: sdk.ReadFull}
	if err := New().(*Connector).Read(context.Background(), req, w); err != nil {
		t.Fatalf("read back %s: %v", table, err)
	}
	return len(w.rows())
}

// TestFenceRefusesStaleCommit: run A (generation 10) stages a load and
// pauses; run B took the unit's lock over (generation 20) and appends the
// same rows; A's commit must fail and leave the target with one copy.
func TestFenceRefusesStaleCommit(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS fencetest CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()
	rows := []kv{{1, "a"}, {2, "b"}, {3, "c"}}

	a := fencedReq(cfg, "load-a", "ev", "u", 10, false)
	stage(t, c, a, rows...)
	b := fencedReq(cfg, "load-b", "ev", "u", 20, false)
	stage(t, c, b, rows...)
	if _, err := c.CommitLoad(ctx, b, json.RawMessage(`{}`)); err != nil {
		t.Fatalf("commit of the new holder: %v", err)
	}
	_, err := c.CommitLoad(ctx, a, json.RawMessage(`{}`))
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "fenced off") || !strings.Contains(err.Error(), "generation 10") {
		t.Fatalf("commit of the stale holder: got %v, want a CONFIG error saying it is fenced off at generation 10", err)
	}
	if n := countRows(t, cfg, "ev"); n != len(rows) {
		t.Errorf("target rows: got %d, want %d (one copy)", n, len(rows))
	}
	// The stale holder cannot begin again either.
	if _, err := c.BeginLoad(ctx, fencedReq(cfg, "load-a2", "ev", "u", 15, false)); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("begin of a stale holder: got %v, want CONFIG", err)
	}
	// A recovering run (generation 30) raises the fence in LoadStatus: the
	// holder of 20 can no longer commit a load it staged before.
	late := fencedReq(cfg, "load-late", "ev", "u", 20, false)
	stage(t, c, late, kv{4, "d"})
	st, err := c.LoadStatus(ctx, fencedReq(cfg, "load-late", "ev", "u", 30, false))
	if err != nil || st != sdk.LoadStaged {
		t.Fatalf("load status: got %v, %v, want staged", st, err)
	}
	if _, err := c.CommitLoad(ctx, late, json.RawMessage(`{}`)); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("commit after a takeover in LoadStatus: got %v, want CONFIG (fenced)", err)
	}
	// Without a fence (an older host) the sink behaves as before.
	nofence := loadReq(cfg, "load-nofence", "ev", sdk.ModeAppend)
	nofence.Target.Namespace = "fencetest"
	stage(t, c, nofence, kv{5, "e"})
	if _, err := c.CommitLoad(ctx, nofence, nil); err != nil {
		t.Errorf("commit without a fence: %v", err)
	}
	var m, u string
	if err := conn.QueryRow(ctx, "SELECT manifest, unit FROM fencetest._dpone_loads WHERE load_id = 'load-b'").Scan(&m, &u); err != nil || m != "m" || u != "u" {
		t.Errorf("receipt of load-b: got manifest %q unit %q (%v), want m u", m, u, err)
	}
}

// TestSharedTarget: a second unit loading into a target whose receipts
// name another unit fails, unless it sets shared_target.
func TestSharedTarget(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS fencetest CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()
	first := fencedReq(cfg, "one-1", "shared", "one", 1, false)
	stage(t, c, first, kv{1, "a"})
	if _, err := c.CommitLoad(ctx, first, nil); err != nil {
		t.Fatal(err)
	}
	// The same unit again is fine.
	again := fencedReq(cfg, "one-2", "shared", "one", 2, false)
	stage(t, c, again, kv{2, "b"})
	if _, err := c.CommitLoad(ctx, again, nil); err != nil {
		t.Fatalf("the same unit again: %v", err)
	}
	_, err := c.BeginLoad(ctx, fencedReq(cfg, "two-1", "shared", "two", 1, false))
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "shared_target") || !strings.Contains(err.Error(), "m/one") {
		t.Fatalf("a second unit: got %v, want a CONFIG error naming unit m/one and shared_target", err)
	}
	shared := fencedReq(cfg, "two-2", "shared", "two", 1, true)
	stage(t, c, shared, kv{3, "c"})
	if _, err := c.CommitLoad(ctx, shared, nil); err != nil {
		t.Fatalf("a second unit with shared_target: %v", err)
	}
	if n := countRows(t, cfg, "shared"); n != 3 {
		t.Errorf("target rows: got %d, want 3", n)
	}
}

// TestReceiptsOfAnOlderPlugin: a receipts table without manifest and unit
// columns gains them once; its old rows name no unit (no false conflict).
func TestReceiptsOfAnOlderPlugin(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS fencetest CASCADE") })
	mustExec(t, conn, "CREATE SCHEMA fencetest")
	mustExec(t, conn, `CREATE TABLE fencetest._dpone_loads (load_id text PRIMARY KEY, target text NOT NULL, mode text NOT NULL,
		rows bigint NOT NULL, receipt text, committed_at timestamptz NOT NULL DEFAULT now())`)
	mustExec(t, conn, `INSERT INTO fencetest._dpone_loads VALUES ('old', '"fencetest"."t"', 'incremental_append', 1, NULL)`)
	c := New().(*Connector)
	req := fencedReq(cfg, "new", "t", "u", 1, false)
	stage(t, c, req, kv{1, "a"})
	if _, err := c.CommitLoad(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM fencetest._dpone_loads WHERE unit IN ('', 'u')").Scan(&n); err != nil || n != 2 {
		t.Errorf("receipts: got %d (%v), want the old and the new one", n, err)
	}
}
