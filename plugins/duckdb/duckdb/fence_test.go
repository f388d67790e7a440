package duckdb

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// fenced is an append into landing.<table> by unit u of manifest m holding
// lock generation gen.
func (f *fixture) fenced(loadID, table, unit string, gen int64, shared bool) sdk.LoadRequest {
	r := f.req(loadID, table, sdk.ModeAppend, idName)
	r.Fence = sdk.Fence{Manifest: "m", Unit: unit, Generation: gen, SharedTarget: shared}
	return r
}

func (f *fixture) stage(req sdk.LoadRequest, rec arrow.RecordBatch) {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		f.t.Fatalf("BeginLoad %s: %v", req.LoadID, err)
	}
	if _, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: []arrow.RecordBatch{rec}}); err != nil {
		f.t.Fatalf("Write %s: %v", req.LoadID, err)
	}
}

// TestFenceRefusesStaleCommit: run A (generation 10) stages a load and
// pauses; run B took the unit's lock over (generation 20) and appends the
// same rows; A's commit must fail and leave the target with one copy.
func TestFenceRefusesStaleCommit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rows := idNameRecord(t, 1, "a", 2, "b", 3, "c")
	a := f.fenced("load-a", "ev", "u", 10, false)
	f.stage(a, rows)
	b := f.fenced("load-b", "ev", "u", 20, false)
	f.stage(b, rows)
	if _, err := f.c.CommitLoad(ctx, b, json.RawMessage(`{}`)); err != nil {
		t.Fatalf("commit of the new holder: %v", err)
	}
	_, err := f.c.CommitLoad(ctx, a, json.RawMessage(`{}`))
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "fenced off") || !strings.Contains(err.Error(), "generation 10") {
		t.Fatalf("commit of the stale holder: got %v, want a CONFIG error saying it is fenced off at generation 10", err)
	}
	if got := f.rows(`SELECT count(*) FROM landing.ev`); got[0][0] != int64(3) {
		t.Errorf("target rows: got %v, want 3 (one copy)", got[0][0])
	}
	if _, err := f.c.BeginLoad(ctx, f.fenced("load-a2", "ev", "u", 15, false)); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("begin of a stale holder: got %v, want CONFIG", err)
	}
	// A recovering run (generation 30) raises the fence in LoadStatus.
	late := f.fenced("load-late", "ev", "u", 20, false)
	f.stage(late, idNameRecord(t, 4, "d"))
	st, err := f.c.LoadStatus(ctx, f.fenced("load-late", "ev", "u", 30, false))
	if err != nil || st != sdk.LoadStaged {
		t.Fatalf("load status: got %v, %v, want staged", st, err)
	}
	if _, err := f.c.CommitLoad(ctx, late, json.RawMessage(`{}`)); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("commit after a takeover in LoadStatus: got %v, want CONFIG (fenced)", err)
	}
	got := f.rows(`SELECT manifest, unit FROM landing._dpone_loads WHERE load_id = 'load-b'`)
	if len(got) != 1 || got[0][0] != "m" || got[0][1] != "u" {
		t.Errorf("receipt of load-b: got %v, want [[m u]]", got)
	}
}

// TestSharedTarget: a second unit loading into a target whose receipts
// name another unit fails, unless it sets shared_target.
func TestSharedTarget(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.load(f.fenced("one-1", "shared", "one", 1, false), idNameRecord(t, 1, "a"))
	f.load(f.fenced("one-2", "shared", "one", 2, false), idNameRecord(t, 2, "b"))
	_, err := f.c.BeginLoad(ctx, f.fenced("two-1", "shared", "two", 1, false))
	if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "shared_target") || !strings.Contains(err.Error(), "m/one") {
		t.Fatalf("a second unit: got %v, want a CONFIG error naming unit m/one and shared_target", err)
	}
	f.load(f.fenced("two-2", "shared", "two", 1, true), idNameRecord(t, 3, "c"))
	if got := f.rows(`SELECT count(*) FROM landing.shared`); got[0][0] != int64(3) {
		t.Errorf("target rows: got %v, want 3", got[0][0])
	}
}

// TestReceiptsOfAnOlderPlugin: a receipts table without manifest and unit
// columns gains them, and its old rows name no unit (no false conflict).
func TestReceiptsOfAnOlderPlugin(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE SCHEMA landing`)
	f.exec(`CREATE TABLE landing._dpone_loads (load_id VARCHAR PRIMARY KEY, target VARCHAR NOT NULL, mode VARCHAR NOT NULL,
		rows BIGINT NOT NULL, receipt VARCHAR, committed_at TIMESTAMP NOT NULL)`)
	f.exec(`INSERT INTO landing._dpone_loads VALUES ('old', 'landing.t', 'incremental_append', 1, NULL, now()::TIMESTAMP)`)
	f.load(f.fenced("new", "t", "u", 1, false), idNameRecord(t, 1, "a"))
	got := f.rows(`SELECT load_id, coalesce(unit, '') FROM landing._dpone_loads`)
	if len(got) != 2 {
		t.Errorf("receipts: got %v, want the old and the new one", got)
	}
}
