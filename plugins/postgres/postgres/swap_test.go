package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

const lineageOpts = `{"lineage": {"run_id": "%s", "loaded_at": "2026-11-26T05:00:00Z",
	"run_id_column": "_dpone_run_id", "loaded_at_column": "_dpone_loaded_at"}}`

// hostOptions decodes the host's load options from their v1.0 JSON
// layout (lineage and strategy blocks), which LoadOptions' tags follow.
func hostOptions(s string) sdk.LoadOptions {
	var o sdk.LoadOptions
	if err := json.Unmarshal([]byte(s), &o); err != nil {
		panic(fmt.Sprintf("load options %s: %v", s, err))
	}
	return o
}

// refresh runs one full_refresh of sinktest.<table> with lineage run id id.
func refresh(t *testing.T, c *Connector, cfg json.RawMessage, id, table string, rows ...kv) sdk.CommitResult {
	t.Helper()
	req := loadReq(cfg, id, table, sdk.ModeFullRefresh)
	req.Load = hostOptions(fmt.Sprintf(lineageOpts, id))
	return runLoad(t, c, req, rows...)
}

func tableOID(t *testing.T, conn *pgx.Conn, table string) uint32 {
	t.Helper()
	var oid uint32
	if err := conn.QueryRow(context.Background(), "SELECT $1::regclass::oid", table).Scan(&oid); err != nil {
		t.Fatal(err)
	}
	return oid
}

// catalogFacts is what a swap must keep of a table.
type catalogFacts struct {
	Owner, Comment string
	Grants         []string // grantee:privilege[:grantable], without grantor
	Indexes        []string // name: definition without the name
	Constraints    []string
	ColumnComment  string
	Defaults       []string
}

func factsOf(t *testing.T, conn *pgx.Conn, table string) catalogFacts {
	t.Helper()
	ctx := context.Background()
	var f catalogFacts
	err := conn.QueryRow(ctx, `SELECT relowner::regrole::text, coalesce(obj_description(oid, 'pg_class'), ''),
  coalesce(col_description(oid, 2), ''),
  (SELECT coalesce(array_agg(CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END || ':' || g.privilege_type ||
     CASE WHEN g.is_grantable THEN ':grantable' ELSE '' END
     ORDER BY g.grantee, g.privilege_type), '{}')
   FROM aclexplode(coalesce(relacl, acldefault('r', relowner))) g),
  (SELECT coalesce(array_agg(i.relname || ': ' || split_part(pg_get_indexdef(i.oid), ' USING ', 2) ORDER BY i.relname), '{}')
   FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid),
  (SELECT coalesce(array_agg(conname || ': ' || pg_get_constraintdef(k.oid) ORDER BY conname), '{}') FROM pg_constraint k WHERE k.conrelid = c.oid),
  (SELECT coalesce(array_agg(a.attname || ': ' || pg_get_expr(d.adbin, d.adrelid) ORDER BY a.attname), '{}')
   FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = c.oid)
FROM pg_class c WHERE oid = $1::regclass`, table).Scan(&f.Owner, &f.Comment, &f.ColumnComment, &f.Grants, &f.Indexes, &f.Constraints, &f.Defaults)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFullRefreshSwapKeepsOwnerGrantsIndexes(t *testing.T) {
	cfg, conn := testDB(t)
	ctx := context.Background()
	owner, reader := fmt.Sprintf("dpone_swap_owner_%d", os.Getpid()), fmt.Sprintf("dpone_swap_reader_%d", os.Getpid())
	mustExec(t, conn, "CREATE ROLE "+owner)
	mustExec(t, conn, "CREATE ROLE "+reader)
	t.Cleanup(func() {
		mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE")
		for _, r := range []string{owner, reader} {
			mustExec(t, conn, "DROP OWNED BY "+r)
			mustExec(t, conn, "DROP ROLE "+r)
		}
	})
	c := New().(*Connector)

	// Absent target: staging becomes it; lineage columns are added.
	if res := refresh(t, c, cfg, "r-1", "swapped", kv{1, "a"}, kv{2, "b"}); res.RowsInserted != 2 {
		t.Errorf("first refresh: got %d rows inserted, want 2", res.RowsInserted)
	}
	for _, q := range []string{
		"ALTER TABLE sinktest.swapped OWNER TO " + owner,
		"ALTER TABLE sinktest.swapped ADD CONSTRAINT swapped_key PRIMARY KEY (id)",
		"ALTER TABLE sinktest.swapped ADD CONSTRAINT name_short CHECK (length(name) < 20)",
		"CREATE INDEX by_name ON sinktest.swapped (lower(name)) WHERE name IS NOT NULL",
		"CREATE INDEX by_run ON sinktest.swapped (_dpone_run_id)",
		"GRANT SELECT, UPDATE ON sinktest.swapped TO " + reader + " WITH GRANT OPTION",
		"REVOKE DELETE ON sinktest.swapped FROM " + owner,
		"COMMENT ON TABLE sinktest.swapped IS 'the swapped table'",
		"COMMENT ON COLUMN sinktest.swapped.name IS 'a name'",
		"ALTER TABLE sinktest.swapped ALTER COLUMN name SET DEFAULT 'anon'",
	} {
		mustExec(t, conn, q)
	}
	before := factsOf(t, conn, "sinktest.swapped")
	for i, id := range []string{"r-2", "r-3"} {
		oid := tableOID(t, conn, "sinktest.swapped")
		res := refresh(t, c, cfg, id, "swapped", kv{2, "b2"}, kv{3, "c"}, kv{4, fmt.Sprint(i)})
		if res.RowsInserted != 3 {
			t.Errorf("refresh %s: got %d rows inserted, want 3", id, res.RowsInserted)
		}
		if tableOID(t, conn, "sinktest.swapped") == oid {
			t.Errorf("refresh %s: the target kept its oid: it was not swapped", id)
		}
		if diff := cmp.Diff(before, factsOf(t, conn, "sinktest.swapped")); diff != "" {
			t.Errorf("refresh %s: catalog (-before +after):\n%s", id, diff)
		}
		var runs []string
		var loaded time.Time
		if err := conn.QueryRow(ctx, "SELECT array_agg(DISTINCT _dpone_run_id), min(_dpone_loaded_at) FROM sinktest.swapped").Scan(&runs, &loaded); err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(runs, []string{id}) || !loaded.Equal(time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)) {
			t.Errorf("refresh %s lineage: got %v %v, want [%s] 2026-11-26T05:00:00Z", id, runs, loaded, id)
		}
	}
	if diff := cmp.Diff([]kv{{2, "b2"}, {3, "c"}, {4, "1"}}, tableKV(t, cfg, "swapped"), cmp.AllowUnexported(kv{})); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// A second commit of a swapped load changes nothing.
	req := loadReq(cfg, "r-3", "swapped", sdk.ModeFullRefresh)
	req.Load = hostOptions(fmt.Sprintf(lineageOpts, "r-3"))
	oid := tableOID(t, conn, "sinktest.swapped")
	if _, err := c.CommitLoad(ctx, req, nil); err != nil {
		t.Fatalf("second commit: %v", err)
	}
	if got := tableOID(t, conn, "sinktest.swapped"); got != oid {
		t.Errorf("second commit replaced the target (oid %d, want %d)", got, oid)
	}
	// The owner can still do what it could, the reader too.
	mustExec(t, conn, "GRANT USAGE ON SCHEMA sinktest TO "+reader)
	mustExec(t, conn, "SET ROLE "+reader)
	defer mustExec(t, conn, "RESET ROLE")
	mustExec(t, conn, "SELECT count(*) FROM sinktest.swapped")
}

func TestFullRefreshFallsBackToTruncate(t *testing.T) {
	cfg, conn := testDB(t)
	tests := []struct {
		name  string
		setup []string
		check string // a query that must still work after the refresh
		// wantErr: the commit fails and leaves the target as it was.
		wantErr bool
	}{
		{"dependent view", []string{"CREATE VIEW sinktest.fb_view AS SELECT id, name FROM sinktest.fb"},
			"SELECT count(*) FROM sinktest.fb_view HAVING count(*) = 2", false},
		{"referencing foreign key", []string{"ALTER TABLE sinktest.fb ADD PRIMARY KEY (id)",
			"CREATE TABLE sinktest.fb_child (id bigint REFERENCES sinktest.fb (id))"},
			"SELECT count(*) FROM sinktest.fb_child", true},
		{"trigger", []string{`CREATE FUNCTION sinktest.fb_trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$`,
			"CREATE TRIGGER fb_trg BEFORE INSERT ON sinktest.fb FOR EACH ROW EXECUTE FUNCTION sinktest.fb_trg()"},
			"SELECT 1 FROM pg_trigger WHERE tgname = 'fb_trg'", false},
		{"column type differs from the load", []string{"ALTER TABLE sinktest.fb ALTER COLUMN name TYPE varchar(20)"}, "", false},
	}
	c := New().(*Connector)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
			refresh(t, c, cfg, fmt.Sprintf("fb-%d-a", i), "fb", kv{1, "a"})
			for _, q := range tc.setup {
				mustExec(t, conn, q)
			}
			oid := tableOID(t, conn, "sinktest.fb")
			want := []kv{{2, "b"}, {3, "c"}}
			if tc.wantErr {
				// TRUNCATE refuses a referenced table; a swap would drop the
				// foreign key. Either way the commit must not change it.
				req := loadReq(cfg, fmt.Sprintf("fb-%d-b", i), "fb", sdk.ModeFullRefresh)
				ctx := context.Background()
				if _, err := c.BeginLoad(ctx, req); err != nil {
					t.Fatal(err)
				}
				rec := kvRecord(want...)
				defer rec.Release()
				if _, err := c.Write(ctx, req, &sliceReader{recs: []arrow.RecordBatch{rec}}); err != nil {
					t.Fatal(err)
				}
				if _, err := c.CommitLoad(ctx, req, nil); err == nil {
					t.Errorf("commit: got success, want an error")
				}
				want = []kv{{1, "a"}}
			} else {
				refresh(t, c, cfg, fmt.Sprintf("fb-%d-b", i), "fb", want...)
			}
			if got := tableOID(t, conn, "sinktest.fb"); got != oid {
				t.Errorf("the target was swapped (oid %d, was %d), want truncate+insert", got, oid)
			}
			if diff := cmp.Diff(want, tableKV(t, cfg, "fb"), cmp.AllowUnexported(kv{})); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if tc.check != "" {
				var n int
				if err := conn.QueryRow(context.Background(), tc.check).Scan(&n); err != nil {
					t.Errorf("%s: %v", tc.check, err)
				}
			}
		})
	}
}

// A target whose dependents appear between BeginLoad and CommitLoad falls
// back at commit, from the LOGGED staging shaped like the target.
func TestFullRefreshFallsBackAtCommit(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()
	refresh(t, c, cfg, "late-a", "late", kv{1, "a"})
	req := loadReq(cfg, "late-b", "late", sdk.ModeFullRefresh)
	req.Load = hostOptions(fmt.Sprintf(lineageOpts, "late-b"))
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	rec := kvRecord(kv{5, "e"})
	defer rec.Release()
	if _, err := c.Write(ctx, req, &sliceReader{recs: []arrow.RecordBatch{rec}}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, "CREATE VIEW sinktest.late_view AS SELECT * FROM sinktest.late")
	oid := tableOID(t, conn, "sinktest.late")
	if _, err := c.CommitLoad(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	if got := tableOID(t, conn, "sinktest.late"); got != oid {
		t.Errorf("the target was swapped under a view")
	}
	var got []string
	if err := conn.QueryRow(ctx, "SELECT array_agg(id || ':' || name || ':' || _dpone_run_id) FROM sinktest.late_view").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := []string{"5:e:late-b"}; !cmp.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// Readers block on the target's lock during a swap and then see the new
// table: never an empty or partial one, never an error.
func TestFullRefreshReadersNeverSeeEmpty(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	const n = 2000
	rows := func(gen int) []kv {
		out := make([]kv, n)
		for i := range out {
			out[i] = kv{int64(i), fmt.Sprintf("gen-%d", gen)}
		}
		return out
	}
	refresh(t, c, cfg, "gen-0", "busy", rows(0)...)
	mustExec(t, conn, "CREATE INDEX busy_name ON sinktest.busy (name)")

	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	errs := make(chan error, 4)
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc, err := pgx.Connect(context.Background(), testDSN)
			if err != nil {
				errs <- err
				return
			}
			defer rc.Close(context.Background())
			for !stop.Load() {
				var count, gens int64
				err := rc.QueryRow(context.Background(), "SELECT count(*), count(DISTINCT name) FROM sinktest.busy").Scan(&count, &gens)
				if err == nil && (count != n || gens != 1) {
					err = fmt.Errorf("a reader saw %d rows of %d generations, want %d of 1", count, gens, n)
				}
				if err != nil {
					errs <- err
					return
				}
				reads.Add(1)
			}
		}()
	}
	for gen := 1; gen <= 8; gen++ {
		refresh(t, c, cfg, fmt.Sprintf("gen-%d", gen), "busy", rows(gen)...)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reads.Load() == 0 {
		t.Error("the readers read nothing")
	}
}
