package duckdb

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	ddb "github.com/duckdb/duckdb-go/v2"
)

// TestHelperHoldLock is not a test: run as a child process it holds the
// DuckDB file lock of $DUCKDB_HOLD for $DUCKDB_HOLD_MS milliseconds.
func TestHelperHoldLock(t *testing.T) {
	path := os.Getenv("DUCKDB_HOLD")
	if path == "" {
		t.Skip("helper process for TestOpenWaitsForLock")
	}
	c, err := ddb.NewConnector(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(path+".held", nil, 0o644)
	time.Sleep(1500 * time.Millisecond)
	_ = c.Close()
	os.Exit(0)
}

// Another process holding the file (a plugin of a run that is exiting)
// delays the open instead of failing it.
func TestOpenWaitsForLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "DUCKDB_HOLD="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(path + ".held"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("helper never took the lock")
		}
	}
	c, err := openWaiting(context.Background(), path)
	if err != nil {
		t.Fatalf("open while another process held the lock for a while: got %v, want success", err)
	}
	_ = c.Close()
}
