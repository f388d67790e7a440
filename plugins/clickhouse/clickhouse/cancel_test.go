package clickhouse

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// countWriter counts rows and drops them.
type countWriter struct {
	memWriter
	rows int64
}

func (w *countWriter) Write(rec arrow.RecordBatch) error { w.rows += rec.NumRows(); return nil }

// TestReadCancel: a cancelled Read ends (its query killed on the server),
// returns the cancellation, and the server keeps serving; cancelling at
// every moment of a short read, catalog lookups included, never breaks the
// connection mid-protocol (which shuts chDB's server down).
func TestReadCancel(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	w := &countWriter{}
	time.AfterFunc(300*time.Millisecond, cancel)
	err := f.c.Read(ctx, sdk.ReadRequest{Config: f.cfg, Stream: "q", Mode: sdk.ReadFull,
		Options: []byte(`{"query":"SELECT number FROM numbers(10000000000)"}`)}, w)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Read: got %v after %d rows, want context.Canceled", err, w.rows)
	}
	f.exec("CREATE TABLE " + quote(testDB) + ".cancelled (id Int64) ENGINE = ReplacingMergeTree ORDER BY id")
	f.exec("INSERT INTO " + quote(testDB) + ".cancelled SELECT number FROM numbers(10)")
	for i := range 30 {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Duration(i%10)*300*time.Microsecond, cancel)
		_ = f.c.Read(ctx, sdk.ReadRequest{Config: f.cfg, Namespace: testDB, Stream: "cancelled", Mode: sdk.ReadFull}, &countWriter{})
		var n uint8
		f.scalar("SELECT 1", &n) // fails when the server went down
	}
}
