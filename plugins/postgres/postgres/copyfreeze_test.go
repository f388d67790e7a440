package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// kvRows are the rows (i, "n<i>") for i in [lo, hi).
func kvRows(lo, hi int64) []kv {
	var rows []kv
	for i := lo; i < hi; i++ {
		rows = append(rows, kv{i, fmt.Sprint("n", i)})
	}
	return rows
}

// allVisible reports whether every page of table (after ANALYZE, which
// counts the visibility map into pg_class) is marked all-visible, and
// how many pages it has.
func allVisible(t *testing.T, conn *pgx.Conn, table string) (bool, int32) {
	t.Helper()
	ctx := context.Background()
	mustExec(t, conn, "ANALYZE "+table)
	var pages, visible int32
	if err := conn.QueryRow(ctx, "SELECT relpages, relallvisible FROM pg_class WHERE oid = $1::regclass", table).Scan(&pages, &visible); err != nil {
		t.Fatal(err)
	}
	return pages > 0 && visible == pages, pages
}

// TestSoleWriterCopiesFrozen: a load whose BeginLoad says one Write
// stream (protocol v1.5) lands frozen and all-visible — in staging and,
// through the swap, in the target — so nothing rewrites its pages later to
// set hint bits; a load with several streams, or whose host does not say,
// copies as before. Both keep every row once.
func TestSoleWriterCopiesFrozen(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()
	for _, tc := range []struct {
		mode    string
		writers int
		frozen  bool
	}{
		{sdk.ModeFullRefresh, 1, true},
		{sdk.ModeAppend, 1, true},
		{sdk.ModeFullRefresh, 0, false},
		{sdk.ModeFullRefresh, 2, false},
	} {
		name := fmt.Sprintf("%s_w%d", tc.mode, tc.writers)
		req := loadReq(cfg, "frz_"+name, "frz_"+name, tc.mode)
		req.Writers = tc.writers
		if _, err := c.BeginLoad(ctx, req); err != nil {
			t.Fatal(err)
		}
		rec := kvRecord(kvRows(0, 5000)...)
		res, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{rec}})
		rec.Release()
		if err != nil || res.Rows != 5000 {
			t.Fatalf("%s: write: %+v %v", name, res, err)
		}
		l, _ := resolveLoad(req, false)
		if got, pages := allVisible(t, conn, l.staging); got != tc.frozen {
			t.Errorf("%s: staging's %d pages all-visible: %v, want %v", name, pages, got, tc.frozen)
		}
		if _, err := c.CommitLoad(ctx, req, nil); err != nil {
			t.Fatalf("%s: commit: %v", name, err)
		}
		if tc.mode == sdk.ModeFullRefresh {
			if got, pages := allVisible(t, conn, "sinktest.frz_"+name); got != tc.frozen {
				t.Errorf("%s: target's %d pages all-visible: %v, want %v", name, pages, got, tc.frozen)
			}
		}
		if got := tableKV(t, cfg, "frz_"+name); len(got) != 5000 || got[0] != (kv{0, "n0"}) || got[4999] != (kv{4999, "n4999"}) {
			t.Errorf("%s: target holds %d rows, want 0..4999 once", name, len(got))
		}
	}
}

// TestSoleWriterKeepsStagedRows: the count is a hint. A second Write into
// a load that said one stream (a run resuming the load) finds rows staged
// and appends to them, never truncating; two Writes at once under the same
// hint both land (the second waits for the first).
func TestSoleWriterKeepsStagedRows(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()

	req := loadReq(cfg, "resumed", "resumed", sdk.ModeFullRefresh)
	req.Writers = 1
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int64{{0, 300}, {300, 700}} {
		rec := kvRecord(kvRows(r[0], r[1])...)
		_, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{rec}})
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if res, err := c.CommitLoad(ctx, req, nil); err != nil || res.RowsInserted != 700 {
		t.Fatalf("commit: %+v %v, want 700 rows", res, err)
	}
	if got := tableKV(t, cfg, "resumed"); len(got) != 700 || got[699].id != 699 {
		t.Errorf("two Writes of one load: target holds %d rows, want 700", len(got))
	}

	req = loadReq(cfg, "both", "both", sdk.ModeFullRefresh)
	req.Writers = 1
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	a, b := kvRecord(kvRows(0, 1000)...), kvRecord(kvRows(1000, 2000)...)
	defer a.Release()
	defer b.Release()
	writeAtOnce(t, c, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{a}},
		&sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{b}})
	if res, err := c.CommitLoad(ctx, req, nil); err != nil || res.RowsInserted != 2000 {
		t.Fatalf("commit: %+v %v, want 2000 rows", res, err)
	}
	expectRowsOnce(t, conn, "sinktest.both", 2000, "two Writes at once under a one-stream hint")
}

// failingReader yields recs, then fails.
type failingReader struct {
	sliceReader
}

func (r *failingReader) Next() (arrow.RecordBatch, error) {
	rec, err := r.sliceReader.Next()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the source broke")
	}
	return rec, err
}

// TestSoleWriterFailureLeavesStagingAsItWas: a sole Write that fails part
// way rolls back its truncate with its rows: staging keeps the rows an
// earlier Write staged, and the load still commits them with a retried
// Write's, each once.
func TestSoleWriterFailureLeavesStagingAsItWas(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()
	req := loadReq(cfg, "broken", "broken", sdk.ModeFullRefresh)
	req.Writers = 1
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	l, _ := resolveLoad(req, false)
	staged := func() int64 {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+l.staging).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a, b := kvRecord(kvRows(0, 100)...), kvRecord(kvRows(100, 200)...)
	defer a.Release()
	defer b.Release()
	if _, err := c.Write(ctx, req, &failingReader{sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{a}}}); err == nil {
		t.Fatal("a Write whose records fail succeeded")
	}
	if n := staged(); n != 0 {
		t.Fatalf("after a failed first Write staging holds %d rows, want 0", n)
	}
	if _, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{a}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(ctx, req, &failingReader{sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{b}}}); err == nil {
		t.Fatal("a Write whose records fail succeeded")
	}
	if n := staged(); n != 100 {
		t.Fatalf("after a failed second Write staging holds %d rows, want the first Write's 100", n)
	}
	if _, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{b}}); err != nil {
		t.Fatal(err)
	}
	if res, err := c.CommitLoad(ctx, req, nil); err != nil || res.RowsInserted != 200 {
		t.Fatalf("commit: %+v %v, want 200 rows", res, err)
	}
	if got := tableKV(t, cfg, "broken"); len(got) != 200 || got[199].id != 199 {
		t.Errorf("target holds %d rows, want 200", len(got))
	}
}

// kvPayload is a PayloadReader of (id, name) rows as binary COPY tuples
// (int8, text), in one payload.
type kvPayload struct {
	rows []kv
	done bool
}

func (p *kvPayload) Next() ([]byte, int64, error) {
	if p.done {
		return nil, 0, io.EOF
	}
	p.done = true
	var b []byte
	for _, r := range p.rows {
		b = binary.BigEndian.AppendUint16(b, 2)
		b = binary.BigEndian.AppendUint32(b, 8)
		b = binary.BigEndian.AppendUint64(b, uint64(r.id))
		b = binary.BigEndian.AppendUint32(b, uint32(len(r.name)))
		b = append(b, r.name...)
	}
	return b, int64(len(p.rows)), nil
}

// TestSolePayloadWriterCopiesFrozen: native passthrough's Write (binary
// COPY tuples as the source sent them) takes the same path.
func TestSolePayloadWriterCopiesFrozen(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Metadata: arrow.NewMetadata([]string{sdk.MetaNative}, []string{"bigint"})},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: arrow.NewMetadata([]string{sdk.MetaNative}, []string{"text"})},
	}, nil)
	for _, writers := range []int{1, 0} {
		name := fmt.Sprint("pay_w", writers)
		req := loadReq(cfg, name, name, sdk.ModeFullRefresh)
		req.Schema, req.Writers = schema, writers
		if _, err := c.BeginLoad(ctx, req); err != nil {
			t.Fatal(err)
		}
		if why, err := c.AcceptPayload(ctx, req, sdk.PayloadPGBinaryCopy); err != nil || why != "" {
			t.Fatalf("%s: payload refused: %q %v", name, why, err)
		}
		res, err := c.WritePayload(ctx, req, sdk.PayloadPGBinaryCopy, &kvPayload{rows: kvRows(0, 3000)})
		if err != nil || res.Rows != 3000 {
			t.Fatalf("%s: write: %+v %v", name, res, err)
		}
		if _, err := c.CommitLoad(ctx, req, nil); err != nil {
			t.Fatalf("%s: commit: %v", name, err)
		}
		if got, pages := allVisible(t, conn, "sinktest."+name); got != (writers == 1) {
			t.Errorf("%s: target's %d pages all-visible: %v, want %v", name, pages, got, writers == 1)
		}
		if got := tableKV(t, cfg, name); len(got) != 3000 || got[2999] != (kv{2999, "n2999"}) {
			t.Errorf("%s: target holds %d rows, want 3000", name, len(got))
		}
	}
}
