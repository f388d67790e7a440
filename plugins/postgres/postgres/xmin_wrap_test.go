package postgres

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
)

// TestXminAcrossEpoch reads across a real 32-bit xid wraparound (epoch 0 to
// 1). It needs a throwaway server whose next xid sits just below 2^32, so
// it runs only when DPONE_TEST_PG_WRAP_DSN names one. To make one:
//
//	eval "$(scripts/pg.sh start /tmp/pg-wrap)"
//	# VACUUM FREEZE every database (allow connections to template0 first),
//	# then stop the server and, as the postgres user:
//	dd if=/dev/zero of=/tmp/pg-wrap/data/pg_xact/0FFF bs=8192 count=32
//	pg_resetwal -x 4294966000 -D /tmp/pg-wrap/data
//	eval "$(scripts/pg.sh start /tmp/pg-wrap)"
//	DPONE_TEST_PG_WRAP_DSN=$DPONE_TEST_PG_DSN go test -run TestXminAcrossEpoch
//
// Each run uses about 2000 xids, so a prepared server serves one run.
func TestXminAcrossEpoch(t *testing.T) {
	base := os.Getenv("DPONE_TEST_PG_WRAP_DSN")
	if base == "" {
		t.Skip("DPONE_TEST_PG_WRAP_DSN not set: see the comment for preparing a server near xid 2^32")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	var next uint64
	if err := conn.QueryRow(ctx, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint").Scan(&next); err != nil {
		t.Fatal(err)
	}
	if next>>32 != 0 || next&0xffffffff < 1<<32-100000 {
		t.Skipf("next xid %d is not just below 2^32: prepare the server again", next)
	}
	u, _ := url.Parse(base)
	cfg, _ := json.Marshal(Config{DSN: u.String()})
	mustExec(t, conn, `CREATE TABLE public.xw (id int PRIMARY KEY, v text); INSERT INTO public.xw VALUES (1, 'a')`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.xw") })

	_, cp1, _ := xminReadIDs(t, cfg, "xw", nil)
	mustExec(t, conn, "INSERT INTO public.xw VALUES (3, 'epoch 0, after the first read')")
	for range 2000 {
		mustExec(t, conn, "SELECT pg_current_xact_id()")
	}
	mustExec(t, conn, "INSERT INTO public.xw VALUES (2, 'epoch 1')")
	mustExec(t, conn, "UPDATE public.xw SET v = 'b' WHERE id = 1")

	got, cp2, _ := xminReadIDs(t, cfg, "xw", marshalCP(t, cp1))
	if cp1.Xmin>>32 != 0 || cp2.Xmin>>32 != 1 {
		t.Fatalf("got checkpoints %+v and %+v, want epochs 0 and 1", cp1, cp2)
	}
	if diff := cmp.Diff([]int32{1, 2, 3}, got); diff != "" {
		t.Errorf("read across the epoch boundary (-want +got):\n%s", diff)
	}
	if got, _, _ = xminReadIDs(t, cfg, "xw", marshalCP(t, cp2)); len(got) != 0 {
		t.Errorf("read after it: got %v, want nothing", got)
	}
	far := cp2
	far.Xmin = cp2.SnapshotXmax - 1<<31 - 10
	got, _, logs := xminReadIDs(t, cfg, "xw", marshalCP(t, far))
	if len(got) != 3 || !slices.ContainsFunc(logs, func(l string) bool { return strings.Contains(l, "beyond the wraparound horizon") }) {
		t.Errorf("checkpoint 2^31+10 behind: got %v, logs %q; want the whole table and the wraparound warning", got, logs)
	}
}
