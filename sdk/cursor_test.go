package sdk

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// cursorSink is a RecordWriter that keeps (cursor, v) rows, checkpoints
// and logs.
type cursorSink struct {
	rows        []string
	checkpoints [][]byte
	logs        []string
}

func (s *cursorSink) Schema(*arrow.Schema) error { return nil }
func (s *cursorSink) Write(rec arrow.RecordBatch) error {
	for i := 0; i < int(rec.NumRows()); i++ {
		s.rows = append(s.rows, rec.Column(0).ValueStr(i)+"/"+rec.Column(1).ValueStr(i))
	}
	return nil
}
func (s *cursorSink) Checkpoint(b []byte) error {
	s.checkpoints = append(s.checkpoints, b)
	return nil
}
func (s *cursorSink) Progress(int64, int64) error { return nil }
func (s *cursorSink) Log(_ LogLevel, msg string) error {
	s.logs = append(s.logs, msg)
	return nil
}
func (s *cursorSink) BatchBytes() int { return 1 << 20 }

var cursorSchema = arrow.NewSchema([]arrow.Field{
	{Name: "c", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "v", Type: arrow.BinaryTypes.String},
}, nil)

// batch builds a record of "cursor/v" rows ("NULL" cursor is NULL).
func batch(t *testing.T, rows ...string) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, cursorSchema)
	defer b.Release()
	for _, r := range rows {
		c, v, _ := strings.Cut(r, "/")
		if c == "NULL" {
			b.Field(0).AppendNull()
		} else {
			var n int64
			if err := json.Unmarshal([]byte(c), &n); err != nil {
				t.Fatal(err)
			}
			b.Field(0).(*array.Int64Builder).Append(n)
		}
		b.Field(1).(*array.StringBuilder).Append(v)
	}
	return b.NewRecordBatch()
}

// readBatches runs one read of batches (each a list of rows) from prior,
// and returns what passed and the final checkpoint.
func readBatches(t *testing.T, opts string, prior []byte, batches ...[]string) (*cursorSink, CursorState) {
	t.Helper()
	var o CursorOptions
	if err := json.Unmarshal([]byte(opts), &o); err != nil {
		t.Fatal(err)
	}
	c, err := NewCursor(o, ReadRequest{Mode: ReadIncremental, PriorState: prior}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &cursorSink{}
	w := c.Writer(s, 0)
	for _, rows := range batches {
		rec := batch(t, rows...)
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	var st CursorState
	if err := json.Unmarshal(s.checkpoints[len(s.checkpoints)-1], &st); err != nil {
		t.Fatal(err)
	}
	return s, st
}

func TestCursorWriter(t *testing.T) {
	const opts = `{"incremental_column": "c"}`
	// A tie group spanning batches, identical rows among it (no key).
	s, st := readBatches(t, opts, nil, []string{"NULL/n", "1/a", "2/b"}, []string{"2/c", "2/c"}, []string{"2/d"})
	if diff := cmp.Diff([]string{"(null)/n", "1/a", "2/b", "2/c", "2/c", "2/d"}, s.rows); diff != "" {
		t.Errorf("first read (-want +got):\n%s", diff)
	}
	if *st.Cursor != "2" || len(st.Seen) != 4 || st.V != 2 || st.Strategy != "column" {
		t.Fatalf("checkpoint: got %+v, want v2 at 2 with 4 rows seen", st)
	}
	prior, _ := json.Marshal(st)

	// The next read takes cursor >= 2: the rows seen are dropped, once
	// each; a third identical row, a changed row and a later one pass.
	s, st = readBatches(t, opts, prior, []string{"2/b", "2/c", "2/c", "2/c"}, []string{"2/d2", "3/e"})
	if diff := cmp.Diff([]string{"2/c", "2/d2", "3/e"}, s.rows); diff != "" {
		t.Errorf("second read (-want +got):\n%s", diff)
	}
	if *st.Cursor != "3" || len(st.Seen) != 1 {
		t.Errorf("checkpoint: got %+v, want at 3 with 1 row seen", st)
	}

	// Nothing at or past the prior value: it stays, with nothing seen.
	_, st = readBatches(t, opts, prior)
	if *st.Cursor != "2" || len(st.Seen) != 0 {
		t.Errorf("empty read: got %+v, want the prior cursor 2, nothing seen", st)
	}
}

func TestCursorWriterTieCap(t *testing.T) {
	s, st := readBatches(t, `{"incremental_column": "c", "tie_cap": 2}`, nil, []string{"1/a", "2/a", "2/b"}, []string{"2/c"})
	if st.Overflow != 3 || len(st.Seen) != 0 || *st.Cursor != "2" {
		t.Fatalf("checkpoint: got %+v, want overflow 3 at 2", st)
	}
	if len(s.logs) != 1 || !strings.Contains(s.logs[0], "3 rows share c = 2, more than tie_cap 2") {
		t.Errorf("logs: got %q", s.logs)
	}
	prior, _ := json.Marshal(st)
	s, _ = readBatches(t, `{"incremental_column": "c", "tie_cap": 2}`, prior, []string{"2/a", "2/b", "2/c"})
	if len(s.rows) != 3 || len(s.logs) != 2 || !strings.Contains(s.logs[0], "this read took them again") {
		t.Errorf("read after an overflow: got rows %q logs %q, want the 3 rows again and a WARN", s.rows, s.logs)
	}
}

func TestCursorLegacyCheckpoint(t *testing.T) {
	s, st := readBatches(t, `{"incremental_column": "c"}`, []byte(`{"v":1,"cursor":"2","key":["x"]}`), []string{"2/a", "3/b"})
	if len(s.rows) != 2 || st.V != 2 || *st.Cursor != "3" {
		t.Errorf("got rows %q checkpoint %+v, want both rows and a v2 checkpoint at 3", s.rows, st)
	}
	if len(s.logs) != 1 || !strings.Contains(s.logs[0], "version 1") {
		t.Errorf("logs: got %q, want the migration WARN", s.logs)
	}
}

func TestNewCursorErrors(t *testing.T) {
	for _, tc := range []struct{ name, opts, prior, want string }{
		{"no column", `{}`, "", "needs incremental_column"},
		{"bad null_policy", `{"incremental_column": "c", "null_policy": "sometimes"}`, "", "null_policy"},
		{"negative tie_cap", `{"incremental_column": "c", "tie_cap": -1}`, "", "tie_cap -1 is negative"},
		{"numeric safety_lag", `{"incremental_column": "c", "safety_lag": 5}`, "", "safety_lag is an interval"},
		{"xmin checkpoint", `{"incremental_column": "c"}`, `{"v":1,"strategy":"xmin"}`, "is a xmin checkpoint"},
		{"future version", `{"incremental_column": "c"}`, `{"v":9}`, "version 9 is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o CursorOptions
			if err := json.Unmarshal([]byte(tc.opts), &o); err != nil {
				t.Fatal(err)
			}
			var prior []byte
			if tc.prior != "" {
				prior = []byte(tc.prior)
			}
			_, err := NewCursor(o, ReadRequest{Mode: ReadIncremental, PriorState: prior}, nil)
			if CodeOf(err) != CodeConfig || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a CONFIG error containing %q", err, tc.want)
			}
		})
	}
}

// TestCursorBounds: what each read selects.
func TestCursorBounds(t *testing.T) {
	lag := json.RawMessage(`"5 minutes"`)
	two := "2"
	for _, tc := range []struct {
		name  string
		opts  CursorOptions
		mode  ReadMode
		prior string
		want  CursorBounds
	}{
		{"first read, include_once", CursorOptions{IncrementalColumn: "c"}, ReadIncremental, "", CursorBounds{IncludeNulls: true}},
		{"first read, skip", CursorOptions{IncrementalColumn: "c", NullPolicy: NullSkip}, ReadIncremental, "", CursorBounds{}},
		{"after a checkpoint", CursorOptions{IncrementalColumn: "c"}, ReadIncremental, `{"v":2,"cursor":"2"}`, CursorBounds{From: &two}},
		{"a checkpoint without a cursor", CursorOptions{IncrementalColumn: "c"}, ReadIncremental, `{"v":2}`, CursorBounds{}},
		{"safety_lag", CursorOptions{IncrementalColumn: "c", SafetyLag: lag}, ReadIncremental, `{"v":2,"cursor":"2"}`,
			CursorBounds{From: &two, SafetyLag: &Scalar{Text: "5 minutes"}}},
		{"a full read ignores safety_lag and initial_value", CursorOptions{IncrementalColumn: "c", SafetyLag: lag, InitialValue: json.RawMessage(`2`)}, ReadFull, "",
			CursorBounds{IncludeNulls: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var prior []byte
			if tc.prior != "" {
				prior = []byte(tc.prior)
			}
			c, err := NewCursor(tc.opts, ReadRequest{Mode: tc.mode, PriorState: prior}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, c.Bounds()); diff != "" {
				t.Errorf("bounds (-want +got):\n%s", diff)
			}
		})
	}
}
