package schema

import (
	"fmt"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// Checker checks the batches of one load against a contract. It is
// stateful: unique columns remember their values across batches, and
// Totals adds up every batch. Create one per load (per target table and
// run) with NewChecker; do not reuse it for another load.
//
// Check may be called from several goroutines (parallel partitions); calls
// are serialized internally, so which of two equal values arriving
// concurrently counts as the duplicate is not defined.
type Checker struct {
	contract *Contract
	schema   *arrow.Schema
	cols     []*column // record columns in schema order, then absent ones
	warnings []string

	mu      sync.Mutex
	b       batch
	totals  [][numReasons]int64
	rows    int64
	badRows int64
}

// batch is the scratch state of one Check: per row the first reason and
// its column, and per column the violations of each rule.
type batch struct {
	bad    int // rows with a reason
	code   []Reason
	col    []int32
	counts [][numReasons]int64
}

// mark records that row i broke rule r of column ci.
func (b *batch) mark(i int, ci int32, r Reason) {
	if b.code[i] == ReasonNone {
		b.code[i], b.col[i] = r, ci
		b.bad++
	}
	b.counts[ci][r]++
}

// markAll records that every row broke rule r of column ci.
func (b *batch) markAll(ci int32, r Reason) {
	for i := range b.code {
		b.mark(i, ci, r)
	}
}

// NewChecker compiles contract c against the schema of the batches the
// load will check (the source's Arrow schema, before evolution renames).
// It reports rules that cannot apply to a column's actual type as
// *ConfigError. With freeze: true, a source whose columns are not exactly
// the contracted ones is a *FreezeError — except under enforcement warn,
// where it is a Warnings entry and the Checker is returned.
//
// A contracted column the source lacks is all NULL: it breaks
// nullable: false on every row and nothing else.
func NewChecker(c *Contract, s *arrow.Schema) (*Checker, error) {
	ch := &Checker{contract: c, schema: s}
	if c.Freeze {
		if err := freezeCheck(c, s); err != nil {
			if c.Enforcement != EnforceWarn {
				return nil, err
			}
			ch.warnings = append(ch.warnings, err.Error())
		}
	}
	var absent []*column
	for _, r := range c.Columns {
		idx := s.FieldIndices(r.Name)
		if len(idx) == 0 {
			absent = append(absent, &column{name: r.Name, rule: r, idx: -1, notNull: r.Nullable != nil && !*r.Nullable})
			continue
		}
		col, err := compileColumn(r, s.Field(idx[0]))
		if err != nil {
			return nil, err
		}
		col.idx = idx[0]
		ch.cols = append(ch.cols, col)
	}
	slices.SortFunc(ch.cols, func(a, b *column) int { return a.idx - b.idx })
	ch.cols = append(ch.cols, absent...)
	ch.totals = make([][numReasons]int64, len(ch.cols))
	return ch, nil
}

func freezeCheck(c *Contract, s *arrow.Schema) error {
	var fe FreezeError
	for _, f := range s.Fields() {
		if c.Column(f.Name) == nil {
			fe.Extra = append(fe.Extra, f.Name)
		}
	}
	for _, r := range c.Columns {
		if len(s.FieldIndices(r.Name)) == 0 {
			fe.Missing = append(fe.Missing, r.Name)
		}
	}
	if len(fe.Extra) == 0 && len(fe.Missing) == 0 {
		return nil
	}
	return &fe
}

// Contract returns the contract the Checker enforces.
func (ch *Checker) Contract() *Contract { return ch.contract }

// Warnings lists schema-level findings that did not fail NewChecker
// (a freeze mismatch under enforcement warn).
func (ch *Checker) Warnings() []string { return slices.Clone(ch.warnings) }

// Check checks one batch, whose schema must be the one given to
// NewChecker (same names and types). Each rule runs as a loop over the
// column's typed values; see the package doc for rule order. Check does
// not retain rec.
func (ch *Checker) Check(rec arrow.RecordBatch) (*Violations, error) {
	if err := ch.sameSchema(rec.Schema()); err != nil {
		return nil, err
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	n := int(rec.NumRows())
	b := &ch.b
	b.bad = 0
	b.code = resize(b.code, n)
	b.col = resize(b.col, n)
	b.counts = resize(b.counts, len(ch.cols))
	for ci, c := range ch.cols {
		ci := int32(ci)
		if c.idx < 0 {
			if c.notNull {
				b.markAll(ci, ReasonNotNull)
			}
			continue
		}
		arr := rec.Column(c.idx)
		if c.typeErr != "" {
			b.markAll(ci, ReasonType)
		}
		if c.notNull && arr.NullN() > 0 {
			v := validityOf(arr)
			for i := range n {
				if v.null(i) {
					b.mark(i, ci, ReasonNotNull)
				}
			}
		}
		if c.typeErr != "" {
			continue
		}
		for _, r := range c.rules {
			r.check(arr, b, ci)
		}
	}
	ch.checkUnique(rec, b, n)
	return ch.result(rec, b, n), nil
}

// checkUnique runs last and row by row over the rows that broke nothing
// else: a row is a duplicate if any unique column's value was seen; if
// not, all its unique values are remembered.
func (ch *Checker) checkUnique(rec arrow.RecordBatch, b *batch, n int) {
	var us []int32
	for ci, c := range ch.cols {
		if c.unique != nil && c.idx >= 0 && c.typeErr == "" {
			c.unique.bind(rec.Column(c.idx))
			us = append(us, int32(ci))
		}
	}
	if len(us) == 0 {
		return
	}
	if len(us) == 1 {
		// One unique column: a single set operation per row.
		ci := us[0]
		u := ch.cols[ci].unique
		for i := range n {
			if b.code[i] == ReasonNone && !u.tryAdd(i) {
				b.mark(i, ci, ReasonUnique)
			}
		}
		return
	}
	for i := range n {
		if b.code[i] != ReasonNone {
			continue
		}
		dup := false
		for _, ci := range us {
			if ch.cols[ci].unique.seen(i) {
				b.mark(i, ci, ReasonUnique)
				dup = true
			}
		}
		if !dup {
			for _, ci := range us {
				ch.cols[ci].unique.add(i)
			}
		}
	}
}

// result copies the scratch state into a Violations the caller owns.
func (ch *Checker) result(rec arrow.RecordBatch, b *batch, n int) *Violations {
	v := &Violations{Rows: n, BadRows: b.bad}
	for ci, c := range ch.cols {
		for r := Reason(1); r < numReasons; r++ {
			if k := b.counts[ci][r]; k > 0 {
				v.Counts = append(v.Counts, Count{Column: c.name, Reason: r, Rows: k})
				ch.totals[ci][r] += k
			}
		}
	}
	sortCounts(v.Counts)
	ch.rows += int64(n)
	ch.badRows += int64(v.BadRows)
	if v.BadRows == 0 {
		return v
	}
	v.Bad = make([]bool, n)
	v.Codes = slices.Clone(b.code)
	v.BadIndex = make([]int, 0, v.BadRows)
	v.Messages = make([]string, 0, v.BadRows)
	for i, code := range b.code {
		if code == ReasonNone {
			continue
		}
		v.Bad[i] = true
		c := ch.cols[b.col[i]]
		var arr arrow.Array
		if c.idx >= 0 {
			arr = rec.Column(c.idx)
		}
		v.BadIndex = append(v.BadIndex, i)
		v.Messages = append(v.Messages, c.message(code, arr, i))
	}
	return v
}

// Totals returns the counts of every batch checked so far, sorted by
// column then reason, with the rows checked and the rows that broke a
// rule: what the run report shows.
func (ch *Checker) Totals() (counts []Count, rows, badRows int64) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	for ci, c := range ch.cols {
		for r := Reason(1); r < numReasons; r++ {
			if k := ch.totals[ci][r]; k > 0 {
				counts = append(counts, Count{Column: c.name, Reason: r, Rows: k})
			}
		}
	}
	sortCounts(counts)
	return counts, ch.rows, ch.badRows
}

func (ch *Checker) sameSchema(s *arrow.Schema) error {
	if s.NumFields() != ch.schema.NumFields() {
		return fmt.Errorf("check batch: %d columns, the checker was built for %d: build a Checker per schema", s.NumFields(), ch.schema.NumFields())
	}
	for i, f := range s.Fields() {
		w := ch.schema.Field(i)
		if f.Name != w.Name || !arrow.TypeEqual(f.Type, w.Type) {
			return fmt.Errorf("check batch: column %d is %s %s, the checker was built for %s %s", i, f.Name, f.Type, w.Name, w.Type)
		}
	}
	return nil
}

// resize returns s with length n and zeroed contents, reusing its memory.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}
