package mssql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/plugins/mssql/mssql"
	"github.com/dpone-go/dpone/sdk"
)

// kv is a row of the live scd2 tests: (id, name); a nil name is NULL.
type kv struct {
	id   *int64
	name *string
}

func row(id int64, name string) kv { return kv{&id, &name} }

var kvSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func kvRecord(rows []kv) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, kvSchema)
	defer b.Release()
	for _, r := range rows {
		if r.id == nil {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.Int64Builder).Append(*r.id)
		}
		if r.name == nil {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(*r.name)
		}
	}
	return b.NewRecordBatch()
}

// scd2Request is an scd2 load into dbo.<table> keyed by id, tracking
// name, with hard_deletes close, at loadedAt ("" turns lineage off: the
// load time is then the server's clock).
func scd2Request(cfg json.RawMessage, id, table, loadedAt string) sdk.LoadRequest {
	req := sdk.LoadRequest{Config: cfg, LoadID: id, Target: sdk.TableRef{Namespace: "dbo", Name: table}, Schema: kvSchema,
		Mode: sdk.ModeSCD2, UniqueKey: []string{"id"}}
	req.Load.Strategy.SCD2 = sdk.SCD2{HardDeletes: sdk.HardDeletesClose}
	if loadedAt != "" {
		req.Load.Lineage = &sdk.Lineage{RunID: "r-" + id, LoadedAt: loadedAt, RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}
	}
	return req
}

// stageSCD2 runs BeginLoad and Write; the caller commits.
func stageSCD2(t *testing.T, c *mssql.Connector, req sdk.LoadRequest, rows ...kv) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatalf("begin %s: %v", req.LoadID, err)
	}
	rec := kvRecord(rows)
	defer rec.Release()
	if _, err := c.Write(ctx, req, &oneRecord{rec: rec}); err != nil {
		t.Fatalf("write %s: %v", req.LoadID, err)
	}
}

// loadSCD2 runs a whole load and returns its result.
func loadSCD2(t *testing.T, c *mssql.Connector, req sdk.LoadRequest, rows ...kv) sdk.CommitResult {
	t.Helper()
	stageSCD2(t, c, req, rows...)
	res, err := c.CommitLoad(context.Background(), req, json.RawMessage(`{}`))
	if err != nil {
		t.Fatalf("commit %s: %v", req.LoadID, err)
	}
	return res
}

// refusedSCD2 stages a load whose commit must fail with a DATA error
// whose message holds want; it aborts the load after.
func refusedSCD2(t *testing.T, c *mssql.Connector, req sdk.LoadRequest, want string, rows ...kv) {
	t.Helper()
	ctx := context.Background()
	stageSCD2(t, c, req, rows...)
	_, err := c.CommitLoad(ctx, req, json.RawMessage(`{}`))
	if sdk.CodeOf(err) != sdk.CodeData || err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("commit %s: got %v, want a DATA error containing %q", req.LoadID, err, want)
	}
	if err := c.AbortLoad(ctx, req); err != nil {
		t.Errorf("abort %s: %v", req.LoadID, err)
	}
}

// history reads dbo.<table> as "id|name|valid_from|valid_to|is_current"
// (times as UTC HH:MM, "-" for NULL, "~" for a NULL name), in key and
// version order.
func history(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query("SELECT id, name, _dpone_valid_from, _dpone_valid_to, _dpone_is_current FROM dbo.[" + table +
		"] ORDER BY id, CASE WHEN _dpone_valid_from IS NULL THEN 0 ELSE 1 END, _dpone_valid_from")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var name sql.NullString
		var from, to sql.NullTime
		var cur sql.NullBool
		if err := rows.Scan(&id, &name, &from, &to, &cur); err != nil {
			t.Fatal(err)
		}
		hm := func(v sql.NullTime) string {
			if !v.Valid {
				return "-"
			}
			return v.Time.UTC().Format("15:04")
		}
		n := "~"
		if name.Valid {
			n = name.String
		}
		c := "-"
		if cur.Valid {
			c = fmt.Sprint(cur.Bool)
		}
		out = append(out, fmt.Sprintf("%d|%s|%s|%s|%s", id, n, hm(from), hm(to), c))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSCD2Live: three rounds of loads give the history docs/manifest.md
// describes (tracked change: closed and a new version; unchanged, NULL
// equal to NULL: untouched; a missing key closed with hard_deletes close;
// a closed key back: a new version), with the result counts; then the
// same load id committed again, a load older than a current version, a
// NULL key and a key staged twice change nothing.
func TestSCD2Live(t *testing.T) {
	dsn, db := certifyDB(t)
	cfg, _ := json.Marshal(map[string]string{"dsn": dsn})
	c := mssql.New().(*mssql.Connector)
	ctx := context.Background()
	nul := func(id int64) kv { return kv{id: &id} }

	rounds := []struct {
		at   string
		rows []kv
		want sdk.CommitResult
		hist []string
	}{
		{"2026-12-05T01:00:00Z", []kv{row(1, "a"), row(2, "b"), row(3, "c")}, sdk.CommitResult{RowsInserted: 3},
			[]string{"1|a|01:00|-|true", "2|b|01:00|-|true", "3|c|01:00|-|true"}},
		// 1 changes, 2 stays, 3 is missing (closed), 4 is new with a NULL name.
		{"2026-12-05T02:00:00Z", []kv{row(1, "a2"), row(2, "b"), nul(4)}, sdk.CommitResult{RowsInserted: 2, RowsUpdated: 1, RowsDeleted: 1},
			[]string{"1|a|01:00|02:00|false", "1|a2|02:00|-|true", "2|b|01:00|-|true", "3|c|01:00|02:00|false", "4|~|02:00|-|true"}},
		// 2 becomes NULL, 3 comes back, 4 stays NULL (NULL equals NULL), 1 stays.
		{"2026-12-05T03:00:00Z", []kv{row(1, "a2"), nul(2), row(3, "c"), nul(4)}, sdk.CommitResult{RowsInserted: 2, RowsUpdated: 1},
			[]string{"1|a|01:00|02:00|false", "1|a2|02:00|-|true", "2|b|01:00|03:00|false", "2|~|03:00|-|true",
				"3|c|01:00|02:00|false", "3|c|03:00|-|true", "4|~|02:00|-|true"}},
	}
	var last sdk.LoadRequest
	for i, r := range rounds {
		last = scd2Request(cfg, fmt.Sprintf("h%d", i+1), "hist", r.at)
		if got := loadSCD2(t, c, last, r.rows...); got != r.want {
			t.Errorf("round %d: got %+v, want %+v", i+1, got, r.want)
		}
		if diff := cmp.Diff(r.hist, history(t, db, "hist")); diff != "" {
			t.Fatalf("history after round %d (-want +got):\n%s", i+1, diff)
		}
	}
	final := rounds[len(rounds)-1].hist

	// The same load id again: its receipt exists, nothing is applied.
	if got, err := c.CommitLoad(ctx, last, json.RawMessage(`{}`)); err != nil || got != (sdk.CommitResult{}) {
		t.Errorf("second CommitLoad of %s: got %+v, %v; want nothing applied", last.LoadID, got, err)
	}
	if st, err := c.LoadStatus(ctx, last); err != nil || st != sdk.LoadCommitted {
		t.Errorf("LoadStatus of %s: got %v, %v; want committed", last.LoadID, st, err)
	}
	refusedSCD2(t, c, scd2Request(cfg, "back", "hist", "2026-12-05T02:30:00Z"), "is before the start of a current version", row(1, "late"))
	refusedSCD2(t, c, scd2Request(cfg, "nullkey", "hist", "2026-12-05T04:00:00Z"), "have a NULL in unique_key", row(1, "a2"), kv{name: new("nobody")})
	refusedSCD2(t, c, scd2Request(cfg, "dup", "hist", "2026-12-05T04:00:00Z"), "keys appear more than once", row(1, "one"), row(1, "uno"), row(2, "two"))
	if diff := cmp.Diff(final, history(t, db, "hist")); diff != "" {
		t.Errorf("history after a rerun and three refused loads (-want +got):\n%s", diff)
	}
	// A load of unchanged data at a later time changes nothing either.
	if got := loadSCD2(t, c, scd2Request(cfg, "same", "hist", "2026-12-05T05:00:00Z"), row(1, "a2"), nul(2), row(3, "c"), nul(4)); got != (sdk.CommitResult{}) {
		t.Errorf("identical load: got %+v, want no change", got)
	}
	if diff := cmp.Diff(final, history(t, db, "hist")); diff != "" {
		t.Errorf("history after an identical load (-want +got):\n%s", diff)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM sys.tables WHERE name LIKE N'\\_dpone\\_stg\\_%' ESCAPE N'\\'"); n != 0 {
		t.Errorf("%d staging tables left, want 0", n)
	}
}

// TestSCD2AdoptLive: an existing table loaded before gets the history
// columns, its rows becoming current versions (valid_from NULL); with
// lineage off the load time is the server's clock.
func TestSCD2AdoptLive(t *testing.T) {
	dsn, db := certifyDB(t)
	cfg, _ := json.Marshal(map[string]string{"dsn": dsn})
	for _, q := range []string{"CREATE TABLE dbo.adopt (id bigint NULL, name nvarchar(max) NULL)", "INSERT INTO dbo.adopt VALUES (1, N'a'), (2, N'b')"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	c := mssql.New().(*mssql.Connector)
	if got := loadSCD2(t, c, scd2Request(cfg, "adopt1", "adopt", ""), row(1, "a"), row(2, "b2")); got != (sdk.CommitResult{RowsInserted: 1, RowsUpdated: 1}) {
		t.Errorf("first scd2 load into an existing table: got %+v, want 1 inserted, 1 updated", got)
	}
	q := "SELECT COUNT(*), SUM(CASE WHEN _dpone_is_current = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN _dpone_valid_to IS NULL THEN 1 ELSE 0 END), " +
		"SUM(CASE WHEN _dpone_valid_from > DATEADD(hour, -1, SYSDATETIMEOFFSET()) THEN 1 ELSE 0 END), " +
		"SUM(CASE WHEN id = 1 AND _dpone_valid_from IS NULL AND _dpone_is_current = 1 THEN 1 ELSE 0 END) FROM dbo.adopt"
	var versions, current, open, stamped, kept int64
	if err := db.QueryRow(q).Scan(&versions, &current, &open, &stamped, &kept); err != nil {
		t.Fatal(err)
	}
	// id 1 kept (valid_from NULL), id 2 ended and a new version stamped now.
	if versions != 3 || current != 2 || open != 2 || stamped != 1 || kept != 1 {
		t.Errorf("got %d versions, %d current, %d open, %d stamped now, %d kept from before; want 3, 2, 2, 1, 1", versions, current, open, stamped, kept)
	}
}
