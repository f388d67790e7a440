package duckdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	ddb "github.com/duckdb/duckdb-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// Out of memory names dpone's memory_limit option, not DuckDB's SET.
func TestClassifyOutOfMemory(t *testing.T) {
	c := New().(*Connector)
	t.Cleanup(func() { c.Close() })
	cfg, _ := json.Marshal(Config{Path: filepath.Join(t.TempDir(), "wh.duckdb"), MemoryLimit: "4MB"})
	d, err := c.openConfig(context.Background(), cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.db.Exec("SELECT list(i || repeat('x', 100)) FROM range(2000000) t(i)")
	var de *ddb.Error
	if !errors.As(err, &de) || de.Type != ddb.ErrorTypeOutOfMemory {
		t.Fatalf("got %v, want DuckDB's out of memory error", err)
	}
	err = classify(fmt.Errorf("merge (insert) into landing.big: %w", err))
	if sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("code: got %v, want CONFIG", sdk.CodeOf(err))
	}
	for _, want := range []string{"merge (insert) into landing.big", "raise the duckdb connection's memory_limit option"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "SET memory_limit") {
		t.Errorf("got %q, want no DuckDB SET advice", err)
	}
}

// A full disk is UNAVAILABLE (not CONNECT), not retryable, and says so.
func TestClassifyDiskFull(t *testing.T) {
	io := &ddb.Error{Type: ddb.ErrorTypeIO, Msg: `IO Error: Could not write file "/data/wh.duckdb.wal": No space left on device`}
	err := classify(fmt.Errorf("insert into landing.t: %w", io))
	var se *sdk.Error
	if !errors.As(err, &se) || se.Code != sdk.CodeUnavailable || se.Retryable {
		t.Fatalf("got %#v, want UNAVAILABLE, not retryable", err)
	}
	if !strings.Contains(err.Error(), "the disk is full") || !strings.Contains(err.Error(), "wh.duckdb.wal") {
		t.Errorf("got %q, want it to say the disk is full and name the file", err)
	}
	other := &ddb.Error{Type: ddb.ErrorTypeIO, Msg: "IO Error: Cannot open file: Permission denied"}
	if got := sdk.CodeOf(classify(other)); got != sdk.CodeConnect {
		t.Errorf("other IO error: got %v, want CONNECT", got)
	}
}
