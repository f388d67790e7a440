package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// testDSN is the DSN of this package's own database, created by TestMain.
var testDSN string

func TestMain(m *testing.M) {
	base := os.Getenv("DPONE_TEST_PG_DSN")
	if base == "" {
		os.Exit(m.Run()) // tests skip themselves
	}
	db := fmt.Sprintf("dpone_pgplugin_%d", os.Getpid())
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(1)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		fmt.Fprintln(os.Stderr, "create database:", err)
		os.Exit(1)
	}
	u, _ := url.Parse(base)
	u.Path = "/" + db
	testDSN = u.String()
	code := m.Run()
	if _, err := admin.Exec(ctx, "DROP DATABASE "+db+" WITH (FORCE)"); err != nil {
		fmt.Fprintln(os.Stderr, "drop database:", err)
	}
	admin.Close(ctx)
	os.Exit(code)
}

// testDB skips without a server and returns a config and a connection.
func testDB(t testing.TB) (json.RawMessage, *pgx.Conn) {
	t.Helper()
	if testDSN == "" {
		t.Skip("DPONE_TEST_PG_DSN not set: run via make test")
	}
	conn, err := pgx.Connect(context.Background(), testDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	cfg, _ := json.Marshal(Config{DSN: testDSN})
	return cfg, conn
}

func mustExec(t testing.TB, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// memWriter is a RecordWriter that keeps everything a Read sends.
type memWriter struct {
	schema      *arrow.Schema
	recs        []arrow.RecordBatch
	checkpoints [][]byte
	batchBytes  int
}

var _ sdk.RecordWriter = (*memWriter)(nil)

func (w *memWriter) Schema(s *arrow.Schema) error {
	if w.schema == nil {
		w.schema = s
	}
	return nil
}
func (w *memWriter) Write(rec arrow.RecordBatch) error {
	if w.schema == nil {
		w.schema = rec.Schema()
	}
	rec.Retain()
	w.recs = append(w.recs, rec)
	return nil
}
func (w *memWriter) Checkpoint(state []byte) error {
	w.checkpoints = append(w.checkpoints, append([]byte(nil), state...))
	return nil
}
func (w *memWriter) Progress(int64, int64) error    { return nil }
func (w *memWriter) Log(sdk.LogLevel, string) error { return nil }
func (w *memWriter) BatchBytes() int {
	if w.batchBytes == 0 {
		return 1 << 20
	}
	return w.batchBytes
}
func (w *memWriter) release() {
	for _, r := range w.recs {
		r.Release()
	}
}

// rows converts every record to rows of Go values (see goValue).
func (w *memWriter) rows() [][]any {
	var out [][]any
	for _, r := range w.recs {
		out = append(out, recordRows(r)...)
	}
	return out
}

// lastCheckpoint is the last checkpoint sent, or nil.
func (w *memWriter) lastCheckpoint() []byte {
	if len(w.checkpoints) == 0 {
		return nil
	}
	return w.checkpoints[len(w.checkpoints)-1]
}

func itoa(i int) string { return fmt.Sprint(i) }
