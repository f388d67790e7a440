package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/plugins/postgres/postgres"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// certifyDB creates a database of its own on DPONE_TEST_PG_DSN's server
// and returns its DSN and a connection to it.
func certifyDB(t *testing.T) (string, *pgx.Conn) {
	t.Helper()
	base := os.Getenv("DPONE_TEST_PG_DSN")
	if base == "" {
		t.Skip("DPONE_TEST_PG_DSN not set: run via make test")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("dpone_certify_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(base)
	u.Path = "/" + name
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
		admin.Close(ctx)
	})
	return u.String(), conn
}

// TestCertify runs dpone's certification suite against the postgres
// connector, in process through the SDK's gRPC adapter, on a real server.
func TestCertify(t *testing.T) {
	dsn, conn := certifyDB(t)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE public.events (id bigint PRIMARY KEY, updated_at timestamptz, name text,
			amount numeric(38,10), payload jsonb, code uuid, day date, raw bytea)`,
		`INSERT INTO public.events VALUES
			(1, '1969-07-20 20:17:40.123456+00', 'moon 🌕', 9999999999999999999999999999.9999999999, '{"a":1,"b":[true,null,"x"],"c":{"d":22.00}}', '123e4567-e89b-12d3-a456-426614174000', '1969-12-31', '\x0001feff'),
			(2, '2024-01-01 00:00:00+00', '', -9999999999999999999999999999.9999999999, '[]', '00000000-0000-0000-0000-000000000000', '1900-01-01', ''),
			(3, '2024-01-01 00:00:00+00', 'tie', 0.0000000001, '{}', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '9999-12-31', NULL),
			(4, '2024-01-01 00:00:00+00', 'tie too', 0, NULL, NULL, NULL, NULL),
			(5, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
			(6, NULL, '日本語', -1.5, '"text"', NULL, '2024-02-29', NULL),
			(7, '2024-06-30 12:00:00.000001+00', 'emoji 👩‍💻', 12.5, '12.50', NULL, '1970-01-01', NULL)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	u, _ := url.Parse(dsn)
	u.User = url.UserPassword("dpone_no_such_role", "wrong")
	bad := u.String()
	u, _ = url.Parse(dsn)
	u.Host = "127.0.0.1:1"
	unreachable := u.String()
	config := func(dsn string) json.RawMessage {
		b, _ := json.Marshal(map[string]string{"dsn": dsn})
		return b
	}
	sdktest.TestConnector(t, sdktest.Fixture{
		Factory:        postgres.New,
		Config:         config(dsn),
		BadCredentials: config(bad),
		Unreachable:    config(unreachable),
		Streams: []sdktest.StreamFixture{{
			Namespace: "public",
			Name:      "events",
			Rows: []map[string]any{
				{"id": 1, "updated_at": "1969-07-20T20:17:40.123456Z", "name": "moon 🌕", "amount": "9999999999999999999999999999.9999999999", "payload": `{"a":1,"b":[true,null,"x"],"c":{"d":22.00}}`, "code": "123e4567-e89b-12d3-a456-426614174000", "day": "1969-12-31", "raw": "AAH+/w=="},
				{"id": 2, "updated_at": "2024-01-01T00:00:00Z", "name": "", "amount": "-9999999999999999999999999999.9999999999", "payload": `[]`, "code": "00000000-0000-0000-0000-000000000000", "day": "1900-01-01", "raw": ""},
				{"id": 3, "updated_at": "2024-01-01T00:00:00Z", "name": "tie", "amount": "0.0000000001", "payload": `{}`, "code": "ffffffff-ffff-ffff-ffff-ffffffffffff", "day": "9999-12-31", "raw": nil},
				{"id": 4, "updated_at": "2024-01-01T00:00:00Z", "name": "tie too", "amount": 0, "payload": nil, "code": nil, "day": nil, "raw": nil},
				{"id": 5, "updated_at": nil, "name": nil, "amount": nil, "payload": nil, "code": nil, "day": nil, "raw": nil},
				{"id": 6, "updated_at": nil, "name": "日本語", "amount": "-1.5", "payload": `"text"`, "code": nil, "day": "2024-02-29", "raw": nil},
				{"id": 7, "updated_at": "2024-06-30T12:00:00.000001Z", "name": "emoji 👩‍💻", "amount": "12.5", "payload": `12.50`, "code": nil, "day": "1970-01-01", "raw": nil},
			},
			Types: map[string]string{"id": "int64", "updated_at": "timestamp(6, tz)", "name": "string",
				"amount": "decimal(38,10)", "payload": "json", "code": "uuid", "day": "date", "raw": "binary"},
			Incremental: &sdktest.IncrementalFixture{
				Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"updated_at"}`),
				Cursor:  "updated_at",
			},
			Strategies: []sdktest.IncrementalFixture{{Options: json.RawMessage(`{"incremental_strategy":"xmin"}`)}},
			// The last checkpoint of a full incremental read is
			// (2024-06-30 12:00:00.000001, id 7).
			Mutations: []sdktest.MutationFixture{
				{Name: "insert id 8, update id 2 onto the checkpoint's cursor value (smaller key), delete id 4", Do: execSQL(conn,
					`INSERT INTO public.events (id, updated_at, name, amount) VALUES (8, '2024-08-01 00:00:00+00', 'inserted', 3.25)`,
					`UPDATE public.events SET updated_at = '2024-06-30 12:00:00.000001+00', name = 'moved onto the checkpoint' WHERE id = 2`,
					`DELETE FROM public.events WHERE id = 4`)},
				{Name: "update id 3, insert id 9 tying with it, delete id 8", Do: execSQL(conn,
					`UPDATE public.events SET updated_at = '2024-09-01 00:00:00+00', name = 'updated again' WHERE id = 3`,
					`INSERT INTO public.events (id, updated_at, name, amount) VALUES (9, '2024-09-01 00:00:00+00', 'ties with 3', -0.5)`,
					`DELETE FROM public.events WHERE id = 8`)},
			},
		}},
		Strict: true,
		Load: &sdktest.LoadFixture{
			Namespace: "certify",
			Types: []string{"bool", "int16", "int32", "int64", "float32", "float64", "decimal(38,10)",
				"string", "binary", "date", "time(6)", "timestamp(6)", "timestamp(6, tz)", "uuid", "json"},
		},
	})
}

// execSQL is a mutation step running statements on conn.
func execSQL(conn *pgx.Conn, stmts ...string) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, q := range stmts {
			if _, err := conn.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	}
}
