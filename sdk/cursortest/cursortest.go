package cursortest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/sdk"
)

// Fixture is a source and a database it reads.
type Fixture struct {
	Source sdk.Source
	Config json.RawMessage
	// Namespace is the schema the test creates its tables in (it exists).
	Namespace string
	// Exec runs SQL statements (one call may hold several, ';'-separated,
	// in one transaction) on the source's database.
	Exec func(ctx context.Context, sql string) error
	// Options are extra source options merged into the column strategy's.
	Options map[string]any
}

// base is the cursor value of the first rows.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// batchBytes makes batches of a few rows, so ties cut every batch.
const batchBytes = 256

// run is one test table under rounds of writes and reads.
type run struct {
	t      testing.TB
	f      Fixture
	table  string
	m      *model
	state  []byte
	merge  map[int64]string
	append map[string]int
	// counts for the report
	reads, versions, mergeRows, dropped int
	logs                                []string
	opts                                map[string]any
}

func newRun(t testing.TB, f Fixture, table string, opts map[string]any) *run {
	r := &run{t: t, f: f, table: f.Namespace + "." + table, m: newModel(), merge: map[int64]string{}, append: map[string]int{}}
	r.opts = map[string]any{"incremental_strategy": "column", "incremental_column": "ts"}
	for k, v := range f.Options {
		r.opts[k] = v
	}
	for k, v := range opts {
		r.opts[k] = v
	}
	r.exec("DROP TABLE IF EXISTS " + r.table)
	r.exec("CREATE TABLE " + r.table + " (id BIGINT PRIMARY KEY, ts TIMESTAMP, v VARCHAR, n BIGINT)")
	t.Cleanup(func() { _ = f.Exec(context.Background(), "DROP TABLE IF EXISTS "+r.table) })
	return r
}

func (r *run) exec(sql string) {
	r.t.Helper()
	if err := r.f.Exec(context.Background(), sql); err != nil {
		r.t.Fatalf("%s: %v", sql, err)
	}
}

// write applies rows (inserts or updates, one statement each, one
// transaction) to the source and the model.
func (r *run) write(rows ...row) {
	r.t.Helper()
	if len(rows) == 0 {
		return
	}
	var stmts []string
	for _, w := range rows {
		if _, ok := r.m.rows[w.ID]; ok {
			lit := w.literal()
			vals := strings.Split(strings.Trim(lit, "()"), ", ")
			stmts = append(stmts, fmt.Sprintf("UPDATE %s SET ts = %s, v = %s, n = %s WHERE id = %d", r.table, vals[1], vals[2], vals[3], w.ID))
		} else {
			stmts = append(stmts, "INSERT INTO "+r.table+" VALUES "+w.literal())
		}
		r.m.write(w)
	}
	r.exec("BEGIN; " + strings.Join(stmts, "; ") + "; COMMIT")
}

// read runs one incremental read from the last checkpoint, loads what it
// delivered into both targets, and checks them against the model.
func (r *run) read(round int) {
	r.t.Helper()
	opts, _ := json.Marshal(r.opts)
	w := &collector{batchBytes: batchBytes}
	req := sdk.ReadRequest{Config: r.f.Config, Namespace: r.f.Namespace, Stream: r.table[len(r.f.Namespace)+1:],
		Mode: sdk.ReadIncremental, Options: opts, PriorState: r.state}
	if err := r.f.Source.Read(context.Background(), req, w); err != nil {
		r.t.Fatalf("round %d: read: %v", round, err)
	}
	if w.err != nil {
		r.t.Fatalf("round %d: decode: %v", round, w.err)
	}
	if w.checkpoint == nil {
		r.t.Fatalf("round %d: the read sent no checkpoint", round)
	}
	r.state = w.checkpoint
	r.logs = append(r.logs, w.logs...)
	r.reads++
	for _, x := range w.rows {
		r.merge[x.ID] = x.String()
		r.append[x.String()]++
	}
	r.m.readDone()
	r.check(round)
}

// check compares both targets with the model.
func (r *run) check(round int) {
	r.t.Helper()
	want := r.m.mergeWant()
	var missing, wrong []string
	for id, v := range want {
		got, ok := r.merge[id]
		switch {
		case !ok:
			missing = append(missing, v)
		case got != v:
			wrong = append(wrong, "got "+got+", want "+v)
		}
	}
	for id, got := range r.merge {
		if _, ok := want[id]; !ok {
			wrong = append(wrong, "got "+got+", want no row")
		}
	}
	if len(missing)+len(wrong) > 0 {
		r.t.Fatalf("round %d: merge target differs from the source: %d rows missing [%s]; %d rows differ [%s]; checkpoint %s",
			round, len(missing), head(missing, 5), len(wrong), head(wrong, 5), r.state)
	}
	r.mergeRows += len(want)
	lost, dup := diffMultiset(r.m.want, r.append)
	if len(lost)+len(dup) > 0 && !r.overflowAllowed(lost) {
		r.t.Fatalf("round %d: append target: %d row versions lost [%s]; %d read twice [%s]; checkpoint %s",
			round, len(lost), head(lost, 5), len(dup), head(dup, 5), r.state)
	}
	for _, n := range r.m.want {
		r.versions += n
	}
}

// overflowAllowed: past tie_cap, versions may be read twice, never lost.
func (r *run) overflowAllowed(lost []string) bool {
	_, capped := r.opts["tie_cap"]
	return capped && len(lost) == 0
}

// collector is a RecordWriter that decodes the test table's rows.
type collector struct {
	batchBytes int
	rows       []row
	checkpoint []byte
	logs       []string
	err        error
}

func (c *collector) Schema(*arrow.Schema) error { return nil }
func (c *collector) BatchBytes() int            { return c.batchBytes }
func (c *collector) Progress(int64, int64) error {
	return nil
}
func (c *collector) Checkpoint(s []byte) error {
	c.checkpoint = append([]byte(nil), s...)
	return nil
}
func (c *collector) Log(level sdk.LogLevel, msg string) error {
	c.logs = append(c.logs, msg)
	return nil
}

func (c *collector) Write(rec arrow.RecordBatch) error {
	idx := func(name string) arrow.Array {
		is := rec.Schema().FieldIndices(name)
		if len(is) == 0 {
			c.err = fmt.Errorf("no column %q in %s", name, rec.Schema())
			return nil
		}
		return rec.Column(is[0])
	}
	id, ts, v, n := idx("id"), idx("ts"), idx("v"), idx("n")
	if c.err != nil {
		return c.err
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		var x row
		x.ID = int64Value(id, i)
		x.N = int64Value(n, i)
		x.V = v.ValueStr(i)
		if s, ok := v.(*array.String); ok {
			x.V = s.Value(i)
		}
		if !ts.IsNull(i) {
			a := ts.(*array.Timestamp)
			t := a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC()
			x.TS = &t
		}
		c.rows = append(c.rows, x)
	}
	return nil
}

func int64Value(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	}
	n, _ := strconv.ParseInt(a.ValueStr(i), 10, 64)
	return n
}

// Seed is the randomized test's seed: DPONE_CURSOR_SEED when set, else
// the clock. The test logs it, so a failure reproduces with
// DPONE_CURSOR_SEED=<seed>.
func Seed(t testing.TB) uint64 {
	if s := os.Getenv("DPONE_CURSOR_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("DPONE_CURSOR_SEED=%q: want a number", s)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// Rounds is the randomized test's rounds: DPONE_CURSOR_ROUNDS, else def.
func Rounds(t testing.TB, def int) int {
	if s := os.Getenv("DPONE_CURSOR_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("DPONE_CURSOR_ROUNDS=%q: want a positive number", s)
		}
		return n
	}
	return def
}

func at(sec int) *time.Time {
	t := base.Add(time.Duration(sec) * time.Second)
	return &t
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
