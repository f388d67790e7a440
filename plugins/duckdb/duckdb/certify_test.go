package duckdb_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/dpone-go/dpone/plugins/duckdb/duckdb"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// TestCertify runs dpone's certification suite against the duckdb
// connector, in process through the SDK's gRPC adapter, on a temporary
// database file: the source half over a table with edge values, ties and
// NULL cursors; the destination half over every declared mode.
func TestCertify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "certify.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE main.events (id BIGINT PRIMARY KEY, updated_at TIMESTAMPTZ, name VARCHAR,
			amount DECIMAL(38,10), payload JSON, code UUID, day DATE)`,
		`INSERT INTO main.events VALUES
			(1, '1969-07-20 20:17:40.123456+00', 'moon 🌕', 9999999999999999999999999999.9999999999, '{"a":1,"b":[true,null,"x"],"c":{"d":22.00}}', '123e4567-e89b-12d3-a456-426614174000', '1969-12-31'),
			(2, '2024-01-01 00:00:00+00', '', -9999999999999999999999999999.9999999999, '[]', '00000000-0000-0000-0000-000000000000', '1900-01-01'),
			(3, '2024-01-01 00:00:00+00', 'tie', 0.0000000001, '{}', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '9999-12-31'),
			(4, '2024-01-01 00:00:00+00', 'tie too', 0, NULL, NULL, NULL),
			(5, NULL, NULL, NULL, NULL, NULL, NULL),
			(6, NULL, '日本語', -1.5, '"text"', NULL, '2024-02-29'),
			(7, '2024-06-30 12:00:00.000001+00', 'emoji 👩‍💻', 12.5, '12.50', NULL, '1970-01-01')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]string{"path": path})
	sdktest.TestConnector(t, sdktest.Fixture{
		Factory: duckdb.New,
		Config:  cfg,
		Streams: []sdktest.StreamFixture{{
			Namespace: "main",
			Name:      "events",
			Rows: []map[string]any{
				{"id": 1, "updated_at": "1969-07-20T20:17:40.123456Z", "name": "moon 🌕", "amount": "9999999999999999999999999999.9999999999", "payload": `{"a":1,"b":[true,null,"x"],"c":{"d":22.00}}`, "code": "123e4567-e89b-12d3-a456-426614174000", "day": "1969-12-31"},
				{"id": 2, "updated_at": "2024-01-01T00:00:00Z", "name": "", "amount": "-9999999999999999999999999999.9999999999", "payload": `[]`, "code": "00000000-0000-0000-0000-000000000000", "day": "1900-01-01"},
				{"id": 3, "updated_at": "2024-01-01T00:00:00Z", "name": "tie", "amount": "0.0000000001", "payload": `{}`, "code": "ffffffff-ffff-ffff-ffff-ffffffffffff", "day": "9999-12-31"},
				{"id": 4, "updated_at": "2024-01-01T00:00:00Z", "name": "tie too", "amount": 0, "payload": nil, "code": nil, "day": nil},
				{"id": 5, "updated_at": nil, "name": nil, "amount": nil, "payload": nil, "code": nil, "day": nil},
				{"id": 6, "updated_at": nil, "name": "日本語", "amount": "-1.5", "payload": `"text"`, "code": nil, "day": "2024-02-29"},
				{"id": 7, "updated_at": "2024-06-30T12:00:00.000001Z", "name": "emoji 👩‍💻", "amount": "12.5", "payload": `12.50`, "code": nil, "day": "1970-01-01"},
			},
			Types: map[string]string{"id": "int64", "updated_at": "timestamp(6, tz)", "name": "string",
				"amount": "decimal(38,10)", "payload": "json", "code": "uuid", "day": "date"},
			Incremental: &sdktest.IncrementalFixture{
				Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"updated_at"}`),
				Cursor:  "updated_at",
			},
			// The last checkpoint of a full incremental read is
			// (2024-06-30 12:00:00.000001, id 7). The suite restarts the
			// connector before each step, so the file is free.
			Mutations: []sdktest.MutationFixture{
				{Name: "insert id 8, update id 2 onto the checkpoint's cursor value (smaller key), delete id 4", Do: execSQL(path,
					`INSERT INTO main.events (id, updated_at, name, amount) VALUES (8, '2024-08-01 00:00:00+00', 'inserted', 3.25)`,
					`UPDATE main.events SET updated_at = '2024-06-30 12:00:00.000001+00', name = 'moved onto the checkpoint' WHERE id = 2`,
					`DELETE FROM main.events WHERE id = 4`)},
				{Name: "update id 3, insert id 9 tying with it, delete id 8", Do: execSQL(path,
					`UPDATE main.events SET updated_at = '2024-09-01 00:00:00+00', name = 'updated again' WHERE id = 3`,
					`INSERT INTO main.events (id, updated_at, name, amount) VALUES (9, '2024-09-01 00:00:00+00', 'ties with 3', -0.5)`,
					`DELETE FROM main.events WHERE id = 8`)},
			},
		}},
		Strict: true,
		// An embedded file has no credentials and no network address.
		NotApplicable: map[string]string{
			"check/bad_credentials": "an embedded database file has no credentials",
			"check/unreachable":     "an embedded database file has no network address",
		},
		Load: &sdktest.LoadFixture{
			Namespace: "main",
			Types: []string{"bool", "int8", "int16", "int32", "int64", "float32", "float64", "decimal(38,10)",
				"string", "binary", "date", "time(6)", "timestamp(6)", "timestamp(6, tz)", "uuid", "json"},
		},
	})
}

// execSQL is a mutation step running statements on the database file.
func execSQL(path string, stmts ...string) func(context.Context) error {
	return func(ctx context.Context) error {
		db, err := sql.Open("duckdb", path)
		if err != nil {
			return err
		}
		defer db.Close()
		for _, q := range stmts {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return db.Close()
	}
}
