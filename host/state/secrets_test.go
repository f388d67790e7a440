package state

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

const secret = "s3cr3t-Pa55w0rd-f0r-the-scrub-test"

// v1Begin is a load record as dpone before state schema 2 wrote it: the
// sink's resolved config (with its password) inside a base64 protobuf
// inside JSON.
func v1Begin(t *testing.T) []byte {
	t.Helper()
	b, err := proto.Marshal(&connectorv1.BeginLoadRequest{
		ConfigJson: []byte(`{"dsn":"postgres://app:` + secret + `@db:5432/dwh"}`), LoadId: "l-1",
		Target: &connectorv1.TableRef{Namespace: "s", Name: "t"}, Mode: "incremental_append",
		OptionsJson: []byte(`{"token":"` + secret + `"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := json.Marshal(map[string]any{"sink": "postgres", "begin": b})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// secretForms are the ways a secret shows up in bytes: plain, and base64
// at each of the three alignments (the chars that depend on it alone).
func secretForms(s string) [][]byte {
	forms := [][]byte{[]byte(s)}
	for shift := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, shift), s...))
		from := (8*shift + 5) / 6
		to := (8 * (shift + len(s))) / 6
		forms = append(forms, []byte(enc[from:to]))
	}
	return forms
}

// grepTree fails the test for every file under dir holding a form of s.
func grepTree(t *testing.T, dir, s string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, f := range secretForms(s) {
			if bytes.Contains(b, f) {
				t.Errorf("%s holds the secret (as %q)", path, f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSecretForms(t *testing.T) {
	// The base64 forms must find the secret inside an encoded blob, or
	// the scrub test proves nothing.
	for pad := range 3 {
		blob := base64.StdEncoding.EncodeToString(append(bytes.Repeat([]byte{'x'}, pad), secret...))
		found := false
		for _, f := range secretForms(secret) {
			found = found || strings.Contains(blob, string(f))
		}
		if !found {
			t.Errorf("pad %d: no form of the secret found in %s", pad, blob)
		}
	}
}

// TestSQLiteScrubsSecrets: opening a state written before schema 2 strips
// resolved configs from every load record, and no byte of the state files
// (db, -wal, -shm) holds the password afterwards.
func TestSQLiteScrubsSecrets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	db, err := sql.Open("sqlite", path+"?_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	testScrub(t, db, &sqliteDialect, func() (Store, error) { return OpenSQLite(path) })
	grepTree(t, dir, secret)
}

// TestPostgresScrubsSecrets: the same for the PostgreSQL backend (rows
// only: the server's own files are not ours to grep).
func TestPostgresScrubsSecrets(t *testing.T) {
	skipWithoutPG(t)
	dsn := pgDatabase(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	testScrub(t, db, &postgresDialect, func() (Store, error) { return OpenPostgres(context.Background(), dsn) })
}

// testScrub writes two load records at state schema 1 into db, reopens
// the store (migrating) and checks every record lost its secret.
func testScrub(t *testing.T, db *sql.DB, d *dialect, open func() (Store, error)) {
	ctx := context.Background()
	if err := migrateTo(ctx, db, d, t0, 1); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"l-1", "l-2"} {
		if _, err := db.Exec(d.q(`INSERT INTO {s}loads (id, run_id, manifest, unit, target, mode, begin_request, status, created_at, updated_at)
			VALUES ($1, 'r', 'm', 'u', 's.t', 'incremental_append', $2, $3, $4, $4)`),
			id, v1Begin(t), map[string]string{"l-1": LoadPending, "l-2": LoadCommitted}[id], d.ts(t0)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []string{"l-1", "l-2"} {
		l, err := s.Load(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range secretForms(secret) {
			if bytes.Contains(l.Begin, f) {
				t.Errorf("load %s: the record still holds the secret", id)
			}
		}
		rec, err := DecodeLoadRecord(l.Begin)
		if err != nil {
			t.Fatal(err)
		}
		// The record's request is the v1 message the previous dpone wrote,
		// less its config and options.
		begin := &connectorv1.BeginLoadRequest{}
		if err := proto.Unmarshal(rec.Begin, begin); err != nil {
			t.Fatal(err)
		}
		if rec.Sink != "postgres" || begin.GetLoadId() != "l-1" || begin.GetTarget().GetName() != "t" || len(begin.GetConfigJson()) != 0 ||
			len(begin.GetOptionsJson()) != 0 || rec.OptionsSHA256 == "" {
			t.Errorf("scrubbed load %s: got sink %q, begin %v, options digest %q; want the target kept, config and options gone, a digest",
				id, rec.Sink, begin, rec.OptionsSHA256)
		}
	}
}

// TestSQLiteFiles: the state directory is 0700, the files 0600 (db and
// its -wal/-shm), also for a state created by an older dpone; commits are
// synchronous=FULL.
func TestSQLiteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".dpone")
	path := filepath.Join(dir, "state.db")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetCheckpoint(context.Background(), StreamKey{"m", "u"}, []byte(`{}`), ""); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("state dir: got %v (%v), want 0700", st.Mode().Perm(), err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: got mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	var sync int
	if err := s.db.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("PRAGMA synchronous: got %d (%v), want 2 (FULL)", sync, err)
	}
}
