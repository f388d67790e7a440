package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/dpone-go/dpone/sdk/objstage/objstagetest"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// TestCertify runs dpone's certification suite against the clickhouse
// connector, in process through the SDK's gRPC adapter, on the test
// server: the source half over a table with edge values, ties and NULL
// cursors; the destination half over every declared mode.
func TestCertify(t *testing.T) {
	cfg, conn := testServer(t)
	mustExec(t, conn, `CREATE TABLE events (id Int64, updated_at Nullable(DateTime64(6, 'UTC')), name Nullable(String),
		amount Nullable(Decimal(38, 10)), payload Nullable(JSON), code Nullable(UUID), day Nullable(Date32))
		ENGINE = ReplacingMergeTree ORDER BY id`)
	mustExec(t, conn, `INSERT INTO events VALUES
		(1, '1969-07-20 20:17:40.123456', 'moon 🌕', 9999999999999999999999999999.9999999999, '{"a":1,"b":["y",null,"x"]}', '123e4567-e89b-12d3-a456-426614174000', '1969-12-31'),
		(2, '2024-01-01 00:00:00', '', -9999999999999999999999999999.9999999999, '{}', '00000000-0000-0000-0000-000000000000', '1900-01-01'),
		(3, '2024-01-01 00:00:00', 'tie', 0.0000000001, '{}', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '2299-12-31'),
		(4, '2024-01-01 00:00:00', 'tie too', 0, NULL, NULL, NULL),
		(5, NULL, NULL, NULL, NULL, NULL, NULL),
		(6, NULL, '日本語', -1.5, '{"k":"text"}', NULL, '2024-02-29'),
		(7, '2024-06-30 12:00:00.000001', 'emoji 👩‍💻', 12.5, '{"n":12.5}', NULL, '1970-01-01')`)
	// chDB's server shuts down on a failed native login, so the wrong
	// password goes to a throwaway server of its own (scripts/test.sh
	// starts it; without it the check is skipped and reported).
	var badCreds json.RawMessage
	if addr := os.Getenv("DPONE_TEST_CHAUTH_ADDR"); addr != "" {
		badCreds, _ = json.Marshal(Config{DSN: "clickhouse://default:wrong@" + addr + "/default"})
	}
	unreachable, _ := json.Marshal(Config{DSN: "clickhouse://default@127.0.0.1:1/default", DialTimeout: "2s"})
	sdktest.TestConnector(t, sdktest.Fixture{
		Factory:        New,
		Config:         cfg,
		BadCredentials: badCreds,
		Unreachable:    unreachable,
		Streams: []sdktest.StreamFixture{{
			Namespace: testDB,
			Name:      "events",
			Rows: []map[string]any{
				{"id": 1, "updated_at": "1969-07-20T20:17:40.123456Z", "name": "moon 🌕", "amount": "9999999999999999999999999999.9999999999", "payload": `{"a":1,"b":["y",null,"x"]}`, "code": "123e4567-e89b-12d3-a456-426614174000", "day": "1969-12-31"},
				{"id": 2, "updated_at": "2024-01-01T00:00:00Z", "name": "", "amount": "-9999999999999999999999999999.9999999999", "payload": `{}`, "code": "00000000-0000-0000-0000-000000000000", "day": "1900-01-01"},
				{"id": 3, "updated_at": "2024-01-01T00:00:00Z", "name": "tie", "amount": "0.0000000001", "payload": `{}`, "code": "ffffffff-ffff-ffff-ffff-ffffffffffff", "day": "2299-12-31"},
				{"id": 4, "updated_at": "2024-01-01T00:00:00Z", "name": "tie too", "amount": 0, "payload": nil, "code": nil, "day": nil},
				{"id": 5, "updated_at": nil, "name": nil, "amount": nil, "payload": nil, "code": nil, "day": nil},
				{"id": 6, "updated_at": nil, "name": "日本語", "amount": "-1.5", "payload": `{"k":"text"}`, "code": nil, "day": "2024-02-29"},
				{"id": 7, "updated_at": "2024-06-30T12:00:00.000001Z", "name": "emoji 👩‍💻", "amount": "12.5", "payload": `{"n":12.5}`, "code": nil, "day": "1970-01-01"},
			},
			Types: map[string]string{"id": "int64", "updated_at": "timestamp(6, tz)", "name": "string",
				"amount": "decimal(38,10)", "payload": "json", "code": "uuid", "day": "date"},
			Incremental: &sdktest.IncrementalFixture{
				Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"updated_at"}`),
				Cursor:  "updated_at",
			},
			// An update is the insert of the row's new version (the table
			// is a ReplacingMergeTree read with FINAL); a delete is a
			// lightweight DELETE.
			Mutations: []sdktest.MutationFixture{
				{Name: "insert id 8, update id 2 onto the checkpoint's cursor value (smaller key), delete id 4", Do: execCH(conn,
					`INSERT INTO events VALUES (8, '2024-08-01 00:00:00', 'inserted', 3.25, NULL, NULL, NULL)`,
					`INSERT INTO events VALUES (2, '2024-06-30 12:00:00.000001', 'moved onto the checkpoint', -9999999999999999999999999999.9999999999, '{}', '00000000-0000-0000-0000-000000000000', '1900-01-01')`,
					`DELETE FROM events WHERE id = 4`)},
				{Name: "update id 3, insert id 9 tying with it, delete id 8", Do: execCH(conn,
					`INSERT INTO events VALUES (3, '2024-09-01 00:00:00', 'updated again', 0.0000000001, '{}', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '2299-12-31')`,
					`INSERT INTO events VALUES (9, '2024-09-01 00:00:00', 'ties with 3', -0.5, NULL, NULL, NULL)`,
					`DELETE FROM events WHERE id = 8`)},
			},
		}},
		// Strict under make test (DPONE_CERTIFY_STRICT=1), which also
		// starts the AUTH check's server; without it that check skips.
		Load: &sdktest.LoadFixture{
			Namespace: testDB,
			Types: []string{"bool", "int8", "int16", "int32", "int64", "float32", "float64", "decimal(38,10)",
				"string", "date", "timestamp(6)", "timestamp(6, tz)", "uuid", "json"},
			Staging: certifyStaging(t),
		},
	})
}

// certifyStaging is the s3 staging area of the staging/s3 check, on
// gofakes3 (scripts/s3.sh); without it the check is skipped (and fails
// under DPONE_CERTIFY_STRICT).
func certifyStaging(t *testing.T) *sdktest.StagingFixture {
	if os.Getenv("DPONE_TEST_S3_ENDPOINT") == "" {
		return nil
	}
	return objstagetest.Fixture(testStaging(t, false))
}

// execCH returns a mutation step running stmts in order.
func execCH(conn driver.Conn, stmts ...string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		for _, q := range stmts {
			if err := conn.Exec(ch.Context(ctx, ch.WithSettings(ch.Settings{"async_insert": 0})), q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	}
}

// hostOf is the host:port of a clickhouse:// DSN.
func hostOf(dsn string) string {
	rest := dsn[len("clickhouse://"):]
	if i := indexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := indexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func indexByte(s string, b byte) int {
	for i := range len(s) {
		if s[i] == b {
			return i
		}
	}
	return -1
}
