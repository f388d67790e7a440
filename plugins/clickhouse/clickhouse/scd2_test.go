package clickhouse

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// scd2Req is an scd2 load of idNameSchema keyed by id at loadedAt.
func (f *fixture) scd2Req(id, table, loadedAt string) sdk.LoadRequest {
	r := f.req(id, table, sdk.ModeSCD2, idNameSchema, "id")
	r.Load.Lineage = &sdk.Lineage{RunID: "r-" + id, LoadedAt: loadedAt, RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}
	return r
}

// history is "id|name|valid_from|is_current" per version.
func (f *fixture) history(table string) string {
	f.t.Helper()
	var s string
	f.scalar(fmt.Sprintf(`SELECT arrayStringConcat(groupArray(line), ',') FROM (SELECT concat(toString(id), '|', ifNull(name, '~'), '|',
		formatDateTime(_dpone_valid_from, '%%H:%%i'), '|', toString(_dpone_is_current)) AS line FROM %s ORDER BY id, _dpone_valid_from)`,
		qualified(testDB, table)), &s)
	return s
}

// TestSCD2ReceiptLostAfterExchange: an scd2 load whose EXCHANGE ran but
// whose receipt did not (the plugin died) is committed by LoadStatus and
// by a second CommitLoad without being applied again.
func TestSCD2ReceiptLostAfterExchange(t *testing.T) {
	f := newFixture(t)
	f.load(f.scd2Req("h-1", "hist_lost", "2026-12-05T01:00:00Z"), idNameRecord(t, 1, "a", 2, "b"))
	r := f.scd2Req("h-2", "hist_lost", "2026-12-05T02:00:00Z")
	f.load(r, idNameRecord(t, 1, "a2", 2, "b"))
	want := "1|a|01:00|false,1|a2|02:00|true,2|b|01:00|true"
	if got := f.history("hist_lost"); got != want {
		t.Fatalf("history: got %s, want %s", got, want)
	}
	f.exec("ALTER TABLE " + qualified(testDB, receiptsTable) + " DELETE WHERE load_id = 'h-2' SETTINGS mutations_sync = 2")
	g := newFixture(t)
	if st, err := g.c.LoadStatus(g.ctx, r); err != nil || st != sdk.LoadCommitted {
		t.Fatalf("LoadStatus after the exchange without receipt: got %v %v, want committed", st, err)
	}
	if _, err := g.c.CommitLoad(g.ctx, r, nil); err != nil {
		t.Fatalf("CommitLoad again: %v", err)
	}
	if got := g.history("hist_lost"); got != want {
		t.Errorf("history after recovery: got %s, want %s (applied once)", got, want)
	}
}

// TestSCD2RefusesMergingEngines: a ReplacingMergeTree target (or engine
// option) would collapse a key's versions: BeginLoad refuses it.
func TestSCD2RefusesMergingEngines(t *testing.T) {
	f := newFixture(t)
	f.exec("CREATE TABLE " + qualified(testDB, "hist_replacing") + " (id Int64, name Nullable(String)) ENGINE = ReplacingMergeTree ORDER BY id")
	r := f.scd2Req("e-1", "hist_replacing", "2026-12-05T01:00:00Z")
	if _, err := f.c.BeginLoad(f.ctx, r); sdk.CodeOf(err) != sdk.CodeSchema || !strings.Contains(err.Error(), "would collapse a key's versions") {
		t.Errorf("BeginLoad into a ReplacingMergeTree: got %v, want a SCHEMA error", err)
	}
	r = f.scd2Req("e-2", "hist_new", "2026-12-05T01:00:00Z")
	r.Options = []byte(`{"engine": "ReplacingMergeTree"}`)
	if _, err := f.c.BeginLoad(f.ctx, r); sdk.CodeOf(err) != sdk.CodeSchema {
		t.Errorf("BeginLoad with engine ReplacingMergeTree: got %v, want a SCHEMA error", err)
	}
}
