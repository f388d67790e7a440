package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// testDSN is the DSN of this package's own database, created by TestMain
// on the server of DPONE_TEST_CH_DSN (scripts/clickhouse.sh).
var testDSN, testDB string

func TestMain(m *testing.M) {
	base := os.Getenv("DPONE_TEST_CH_DSN")
	if base == "" {
		os.Exit(m.Run()) // tests skip themselves
	}
	testDB = fmt.Sprintf("dpone_chplugin_%d", os.Getpid())
	opts, err := ch.ParseDSN(base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "DPONE_TEST_CH_DSN:", err)
		os.Exit(1)
	}
	admin, err := ch.Open(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(1)
	}
	ctx := context.Background()
	if err := admin.Exec(ctx, "CREATE DATABASE "+testDB); err != nil {
		fmt.Fprintln(os.Stderr, "create database:", err)
		os.Exit(1)
	}
	testDSN = base[:strings.LastIndex(base, "/")+1] + testDB
	code := m.Run()
	if err := admin.Exec(ctx, "DROP DATABASE "+testDB+" SYNC"); err != nil {
		fmt.Fprintln(os.Stderr, "drop database:", err)
	}
	admin.Close()
	os.Exit(code)
}

// testServer skips without a server and returns a config and a connection.
func testServer(t testing.TB) (json.RawMessage, driver.Conn) {
	t.Helper()
	if testDSN == "" {
		t.Skip("DPONE_TEST_CH_DSN not set: run via make test (scripts/clickhouse.sh start)")
	}
	opts, err := ch.ParseDSN(testDSN)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	cfg, _ := json.Marshal(Config{DSN: testDSN})
	return cfg, conn
}

func mustExec(t testing.TB, conn driver.Conn, q string, args ...any) {
	t.Helper()
	if err := conn.Exec(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
