package state

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func sqliteStorage(t *testing.T) opener {
	path := filepath.Join(t.TempDir(), "nested", "state.db")
	return func() (Store, error) {
		s, err := OpenSQLite(path)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { s.Close() })
		return s, nil
	}
}

func TestSQLite(t *testing.T) { testStore(t, sqliteStorage) }

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	s, err := Open(ctx, "sqlite", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(filepath.Join(dir, DefaultSQLitePath)); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ backend, dsn string }{{"mysql", "x"}, {"postgres", ""}}
	for _, tt := range tests {
		if _, err := Open(ctx, tt.backend, tt.dsn); err == nil {
			t.Errorf("Open(%q, %q): got nil error", tt.backend, tt.dsn)
		}
	}
}
