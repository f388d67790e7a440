package mssql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	mssqldb "github.com/microsoft/go-mssqldb"

	"github.com/dpone-go/dpone/plugins/mssql/mssql"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// liveDSN is the server the live suite runs on. No SQL Server can run on
// dpone's build machines, so without it the live tests skip and say so.
func liveDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("DPONE_TEST_MSSQL_DSN")
	if dsn == "" {
		t.Skip("DPONE_TEST_MSSQL_DSN not set: the live SQL Server suite needs a server (sqlserver://user:pass@host:1433); run make test-mssql with it")
	}
	return dsn
}

// certifyDB creates a database of its own on the live server and returns
// its DSN and a pool on it; both are dropped at cleanup.
func certifyDB(t *testing.T) (string, *sql.DB) {
	t.Helper()
	base := liveDSN(t)
	ctx := context.Background()
	admin, err := openDB(base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("dpone_certify_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE ["+name+"]"); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("DPONE_TEST_MSSQL_DSN must be a sqlserver:// URL: %v", err)
	}
	q := u.Query()
	q.Set("database", name)
	u.RawQuery = q.Encode()
	db, err := openDB(u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.ExecContext(ctx, "ALTER DATABASE ["+name+"] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ["+name+"]"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	return u.String(), db
}

func openDB(dsn string) (*sql.DB, error) {
	c, err := mssqldb.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	return db, db.PingContext(context.Background())
}

// TestCertify runs dpone's certification suite (strict when
// DPONE_CERTIFY_STRICT=1) against the connector in process through the
// SDK's gRPC adapter, on the live server of DPONE_TEST_MSSQL_DSN.
func TestCertify(t *testing.T) {
	dsn, db := certifyDB(t)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE dbo.events (id bigint PRIMARY KEY, updated_at datetimeoffset(6), name nvarchar(max),
			amount decimal(38,10), code uniqueidentifier, day date, raw varbinary(max), small tinyint, cash money)`,
		`INSERT INTO dbo.events VALUES
			(1, '1969-07-20 20:17:40.123456 +00:00', N'moon 🌕', 9999999999999999999999999999.9999999999, '123e4567-e89b-12d3-a456-426614174000', '0001-01-01', 0x0001FEFF, 255, -922337203685477.5808),
			(2, '2024-01-01 00:00:00 +05:30', N'', -9999999999999999999999999999.9999999999, '00000000-0000-0000-0000-000000000000', '1900-01-01', 0x, 0, 0),
			(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
			(4, '2024-06-30 12:00:00.000001 +00:00', N'日本語 👩‍💻', 0.0000000001, 'ffffffff-ffff-ffff-ffff-ffffffffffff', '9999-12-31', NULL, 1, 922337203685477.5807)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u, _ := url.Parse(dsn)
	u.User = url.UserPassword("dpone_no_such_login", "wrong")
	bad := u.String()
	u, _ = url.Parse(dsn)
	u.Host = "127.0.0.1:1"
	unreachable := u.String()
	config := func(dsn string) json.RawMessage {
		b, _ := json.Marshal(map[string]string{"dsn": dsn})
		return b
	}
	sdktest.TestConnector(t, sdktest.Fixture{
		Factory:        mssql.New,
		Config:         config(dsn),
		BadCredentials: config(bad),
		Unreachable:    config(unreachable),
		Streams: []sdktest.StreamFixture{{
			Namespace: "dbo",
			Name:      "events",
			Rows: []map[string]any{
				{"id": 1, "updated_at": "1969-07-20T20:17:40.123456Z", "name": "moon 🌕", "amount": "9999999999999999999999999999.9999999999", "code": "123e4567-e89b-12d3-a456-426614174000", "day": "0001-01-01", "raw": "AAH+/w==", "small": 255, "cash": "-922337203685477.5808"},
				{"id": 2, "updated_at": "2023-12-31T18:30:00Z", "name": "", "amount": "-9999999999999999999999999999.9999999999", "code": "00000000-0000-0000-0000-000000000000", "day": "1900-01-01", "raw": "", "small": 0, "cash": "0"},
				{"id": 3, "updated_at": nil, "name": nil, "amount": nil, "code": nil, "day": nil, "raw": nil, "small": nil, "cash": nil},
				{"id": 4, "updated_at": "2024-06-30T12:00:00.000001Z", "name": "日本語 👩‍💻", "amount": "0.0000000001", "code": "ffffffff-ffff-ffff-ffff-ffffffffffff", "day": "9999-12-31", "raw": nil, "small": 1, "cash": "922337203685477.5807"},
			},
			Types: map[string]string{"id": "int64", "updated_at": "timestamp(6, tz)", "name": "string",
				"amount": "decimal(38,10)", "code": "uuid", "day": "date", "raw": "binary", "small": "uint8", "cash": "decimal(19,4)"},
			Partitions: 2,
			Incremental: &sdktest.IncrementalFixture{
				Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"updated_at"}`),
				Cursor:  "updated_at",
			},
			// The last checkpoint of a full incremental read is
			// (2024-06-30 12:00:00.000001 +00:00, id 4).
			Mutations: []sdktest.MutationFixture{
				{Name: "insert id 8, update id 2 onto the checkpoint's cursor value (smaller key), delete id 3", Do: execSQL(db,
					`INSERT INTO dbo.events (id, updated_at, name, amount) VALUES (8, '2024-08-01 00:00:00 +00:00', N'inserted', 3.25)`,
					`UPDATE dbo.events SET updated_at = '2024-06-30 12:00:00.000001 +00:00', name = N'moved onto the checkpoint' WHERE id = 2`,
					`DELETE FROM dbo.events WHERE id = 3`)},
				{Name: "update id 1, insert id 9 tying with it, delete id 8", Do: execSQL(db,
					`UPDATE dbo.events SET updated_at = '2024-09-01 00:00:00 +00:00', name = N'updated again' WHERE id = 1`,
					`INSERT INTO dbo.events (id, updated_at, name, amount) VALUES (9, '2024-09-01 00:00:00 +00:00', N'ties with 1', -0.5)`,
					`DELETE FROM dbo.events WHERE id = 8`)},
			},
		}},
		// Every check runs or fails: nothing skipped is called passing.
		Strict: true,
		Load: &sdktest.LoadFixture{
			Namespace: "certify",
			Types: []string{"bool", "int16", "int32", "int64", "float32", "float64", "decimal(38,10)",
				"string", "binary", "date", "time(6)", "timestamp(6)", "timestamp(6, tz)", "uuid", "json"},
		},
	})
}

// execSQL is a mutation step running statements on db.
func execSQL(db *sql.DB, stmts ...string) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, q := range stmts {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	}
}
