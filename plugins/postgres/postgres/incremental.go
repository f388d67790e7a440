package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// checkpoint is the state of the column strategy: the (cursor, key...) of
// the last row delivered, as PostgreSQL text literals. A checkpoint without
// a cursor records that a first read happened on a stream that had no
// non-NULL cursor yet.
type checkpoint struct {
	V      int       `json:"v"`
	Cursor *string   `json:"cursor,omitempty"`
	Key    []*string `json:"key,omitempty"`
	// Strategy is absent in column checkpoints; another strategy's
	// checkpoint (xmin) names itself and is refused here.
	Strategy string `json:"strategy,omitempty"`
}

// checkpointEvery is how many batches pass between checkpoints sent along
// the way (only with a tie-breaking key: rows are ordered by cursor, key).
const checkpointEvery = 16

// incremental is the column strategy of one Read.
type incremental struct {
	cursor string
	keys   []string
	policy string
	prior  *checkpoint // nil on a first (full) read
	on     bool
	// lookback, when set, widens every read after the first: cursor >=
	// prior cursor - lookback (see window.go).
	lookback *sdk.Scalar
	// initial, when set, bounds the first incremental read: cursor >= it.
	initial *sdk.Scalar
}

func newIncremental(opts readOptions, req sdk.ReadRequest, pk []string) (*incremental, error) {
	inc := &incremental{on: opts.IncrementalStrategy == "column", cursor: opts.IncrementalColumn, policy: opts.NullPolicy}
	if !inc.on {
		return inc, nil
	}
	keys := opts.IncrementalKey
	if len(keys) == 0 {
		keys = pk
	}
	for _, k := range keys {
		if k != inc.cursor {
			inc.keys = append(inc.keys, k)
		}
	}
	var err error
	if inc.lookback, err = sdk.ParseScalar(opts.Lookback, "lookback"); err != nil {
		return nil, err
	}
	if req.Mode == sdk.ReadIncremental {
		// A full read is the whole stream: initial_value does not apply.
		if inc.initial, err = sdk.ParseScalar(opts.InitialValue, "initial_value"); err != nil {
			return nil, err
		}
	}
	if req.Mode != sdk.ReadIncremental || len(req.PriorState) == 0 {
		return inc, nil
	}
	var cp checkpoint
	if err := json.Unmarshal(req.PriorState, &cp); err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: prior state is not a postgres column checkpoint: %w", err)
	}
	if cp.Strategy != "" && cp.Strategy != "column" {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: the prior state is a %s checkpoint, not a column one (the incremental_strategy changed?): reset the stream's state", cp.Strategy)
	}
	if cp.V != 1 {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: checkpoint version %d is not supported (want 1): reset the stream's state", cp.V)
	}
	if cp.Cursor != nil && len(cp.Key) != len(inc.keys) {
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: checkpoint has %d key values but the incremental key %v has %d columns: reset the stream's state", len(cp.Key), inc.keys, len(inc.keys))
	}
	inc.prior = &cp
	return inc, nil
}

func (inc *incremental) enabled() bool { return inc.on }

// columns are those the checkpoint needs in every record.
func (inc *incremental) columns() []string {
	if !inc.on {
		return nil
	}
	return append([]string{inc.cursor}, inc.keys...)
}

// clauses renders the WHERE and ORDER BY of the COPY query. On a first read
// with include_once, NULL cursors sort first so the last row carries the
// largest cursor; every later read skips NULL cursors.
func (inc *incremental) clauses(natives map[string]string) (where, order string, err error) {
	if !inc.on {
		return "", "", nil
	}
	var conds []string
	cur := ident(inc.cursor)
	nulls := ""
	switch {
	case inc.prior == nil && inc.policy == NullIncludeOnce:
		nulls = " NULLS FIRST"
	case inc.prior != nil || inc.policy == NullSkip:
		conds = append(conds, cur+" IS NOT NULL")
	}
	switch {
	case inc.prior != nil && inc.prior.Cursor != nil && inc.lookback != nil:
		start, err := inc.windowStart(*inc.prior.Cursor, natives[inc.cursor])
		if err != nil {
			return "", "", err
		}
		conds = append(conds, cur+" >= "+start)
	case inc.prior != nil && inc.prior.Cursor != nil:
		lhs := []string{cur}
		rhs := []string{literal(*inc.prior.Cursor) + "::" + natives[inc.cursor]}
		for i, k := range inc.keys {
			lhs = append(lhs, ident(k))
			if inc.prior.Key[i] == nil {
				rhs = append(rhs, "NULL::"+natives[k])
			} else {
				rhs = append(rhs, literal(*inc.prior.Key[i])+"::"+natives[k])
			}
		}
		if len(lhs) == 1 {
			conds = append(conds, lhs[0]+" > "+rhs[0])
		} else {
			conds = append(conds, "("+strings.Join(lhs, ", ")+") > ("+strings.Join(rhs, ", ")+")")
		}
	case inc.initial != nil:
		// No cursor read yet: start at initial_value. NULL cursors follow
		// null_policy (include_once keeps them on the first read).
		cond := cur + " >= " + literal(inc.initial.Text) + "::" + natives[inc.cursor]
		if inc.prior == nil && inc.policy == NullIncludeOnce {
			cond = "(" + cur + " IS NULL OR " + cond + ")"
		}
		conds = append(conds, cond)
	}
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	order = " ORDER BY " + cur + nulls
	for _, k := range inc.keys {
		order += ", " + ident(k)
	}
	return where, order, nil
}

// failOnNulls is null_policy fail: a DATA error when any cursor is NULL.
func (inc *incremental) failOnNulls(ctx context.Context, conn *pgx.Conn, from string) error {
	var found bool
	q := "SELECT EXISTS (SELECT 1 FROM " + from + " WHERE " + ident(inc.cursor) + " IS NULL)"
	if err := conn.QueryRow(ctx, q).Scan(&found); err != nil {
		return classify(fmt.Errorf("check NULL cursors: %w", err))
	}
	if found {
		return sdk.Errorf(sdk.CodeData, "postgres source: incremental_column %q has NULL values and null_policy is fail", inc.cursor)
	}
	return nil
}

// indexes locates the cursor and key columns in the schema.
func (inc *incremental) indexes(s *arrow.Schema) (int, []int, error) {
	idx := func(n string) (int, error) {
		is := s.FieldIndices(n)
		if len(is) == 0 {
			return 0, sdk.Errorf(sdk.CodeSchema, "postgres source: column %q does not exist", n)
		}
		if _, ok := s.Field(is[0]).Type.(*arrow.ListType); ok {
			return 0, sdk.Errorf(sdk.CodeConfig, "postgres source: column %q is an array and cannot be an incremental cursor or key", n)
		}
		return is[0], nil
	}
	c, err := idx(inc.cursor)
	if err != nil {
		return 0, nil, err
	}
	keys := make([]int, len(inc.keys))
	for i, k := range inc.keys {
		if keys[i], err = idx(k); err != nil {
			return 0, nil, err
		}
	}
	return c, keys, nil
}

// checkpointWriter passes records on and remembers the cursor and key of
// the last row, which (rows being ordered) is the resume point.
type checkpointWriter struct {
	sdk.RecordWriter
	inc       *incremental
	cursorIdx int
	keyIdx    []int
	cursor    *string
	key       []*string
	rows      int64
	batches   int
	estimate  int64
}

func (w *checkpointWriter) Write(rec arrow.RecordBatch) error {
	if err := w.RecordWriter.Write(rec); err != nil {
		return err
	}
	n := int(rec.NumRows())
	w.rows += int64(n)
	w.batches++
	if w.inc.on && n > 0 {
		c, err := valueText(rec.Column(w.cursorIdx), n-1)
		if err != nil {
			return err
		}
		if c != nil { // NULL cursors sort first: nothing to remember yet
			key := make([]*string, len(w.keyIdx))
			for i, k := range w.keyIdx {
				if key[i], err = valueText(rec.Column(k), n-1); err != nil {
					return err
				}
			}
			w.cursor, w.key = c, key
			if len(w.keyIdx) > 0 && w.batches%checkpointEvery == 0 {
				if err := w.emit(); err != nil {
					return err
				}
			}
		}
	}
	return w.Progress(w.rows, w.estimate)
}

func (w *checkpointWriter) emit() error {
	cp := checkpoint{V: 1, Cursor: w.cursor, Key: w.key}
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	return w.Checkpoint(b)
}

// final sends the checkpoint after the last record; a read that found no
// new rows keeps the prior resume point.
func (w *checkpointWriter) final() error {
	if w.cursor == nil && w.inc.prior != nil {
		w.cursor, w.key = w.inc.prior.Cursor, slices.Clone(w.inc.prior.Key)
	}
	return w.emit()
}

// valueText renders value i of arr as PostgreSQL input text (nil for NULL).
func valueText(arr arrow.Array, i int) (*string, error) {
	if arr.IsNull(i) {
		return nil, nil
	}
	var s string
	switch a := arr.(type) {
	case *array.Boolean:
		s = strconv.FormatBool(a.Value(i))
	case *array.Int16:
		s = strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int32:
		s = strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int64:
		s = strconv.FormatInt(a.Value(i), 10)
	case *array.Float32:
		s = floatText(float64(a.Value(i)), 32)
	case *array.Float64:
		s = floatText(a.Value(i), 64)
	case *array.Decimal128:
		s = a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.String:
		s = a.Value(i)
	case *array.Date32:
		s = pgTimeText(time.Unix(int64(a.Value(i))*86400, 0).UTC(), "2006-01-02")
	case *array.Time64:
		us := int64(a.Value(i))
		s = fmt.Sprintf("%02d:%02d:%02d.%06d", us/3600e6, us/60e6%60, us/1e6%60, us%1e6)
	case *array.Timestamp:
		t := time.UnixMicro(int64(a.Value(i))).UTC()
		s = pgTimeText(t, "2006-01-02 15:04:05.999999")
		if a.DataType().(*arrow.TimestampType).TimeZone != "" {
			s = strings.Replace(s, " BC", "", 1) + "+00"
			if t.Year() <= 0 {
				s += " BC"
			}
		}
	default:
		return nil, sdk.Errorf(sdk.CodeConfig, "postgres source: a %s column cannot be an incremental cursor or key", arr.DataType())
	}
	return &s, nil
}

// pgTimeText formats t, writing years before 1 AD the PostgreSQL way (BC).
func pgTimeText(t time.Time, layout string) string {
	if t.Year() > 0 {
		return t.Format(layout)
	}
	bc := t.AddDate(1-2*t.Year(), 0, 0) // year y (<= 0) is (1-y) BC
	return bc.Format(layout) + " BC"
}

func floatText(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}
