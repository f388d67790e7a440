// Package cursortest proves a source's column incremental strategy against
// a real database: rounds of inserts and updates between incremental
// reads (ties cutting every batch, updates onto the checkpoint's cursor
// value with smaller keys, late inserts at that value, NULL to value),
// after each of which a merge target (rows by key) must equal the source
// and an append target (every row read) must hold every row version
// exactly once. The statements are plain SQL that PostgreSQL and DuckDB
// both run; a source's test supplies the connection.
package cursortest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// row is one version of a row of the test table
// (id BIGINT PRIMARY KEY, ts TIMESTAMP, v VARCHAR, n BIGINT).
type row struct {
	ID int64
	TS *time.Time // the cursor; nil is NULL
	V  string
	N  int64
}

func (r row) String() string {
	ts := "NULL"
	if r.TS != nil {
		ts = r.TS.UTC().Format("2006-01-02 15:04:05.999999")
	}
	return fmt.Sprintf("(%d, %s, %q, %d)", r.ID, ts, r.V, r.N)
}

func (r row) literal() string {
	ts := "NULL"
	if r.TS != nil {
		ts = "TIMESTAMP '" + r.TS.UTC().Format("2006-01-02 15:04:05.999999") + "'"
	}
	return fmt.Sprintf("(%d, %s, '%s', %d)", r.ID, ts, strings.ReplaceAll(r.V, "'", "''"), r.N)
}

// model is what the source holds, as the test wrote it, and what each
// target must hold.
type model struct {
	rows map[int64]row
	// changed are the rows written since the last read, by id: the
	// versions the next read must deliver (those with a cursor).
	changed map[int64]bool
	// nullOnly are rows inserted after the first read that never had a
	// cursor: include_once never reads them.
	nullOnly  map[int64]bool
	firstRead bool
	// maxTS is the largest cursor the last read could see: the
	// checkpoint's value. Writes never move a cursor below it.
	maxTS time.Time
	// want is the multiset of versions an append target must hold.
	want map[string]int
}

func newModel() *model {
	return &model{rows: map[int64]row{}, changed: map[int64]bool{}, nullOnly: map[int64]bool{}, want: map[string]int{}}
}

// write records an insert or update of r (it must not move a cursor
// backwards, nor from a value to NULL, nor change a row whose cursor stays
// NULL after the first read: no cursor can see those).
func (m *model) write(r row) {
	_, existed := m.rows[r.ID]
	if r.TS == nil {
		if m.firstRead && (!existed || m.nullOnly[r.ID]) {
			m.nullOnly[r.ID] = true
		}
	} else {
		delete(m.nullOnly, r.ID)
	}
	m.rows[r.ID] = r
	m.changed[r.ID] = true
}

// readDone records that a read happened: the changed versions it had to
// deliver join the append target's expected multiset.
func (m *model) readDone() {
	for id := range m.changed {
		r := m.rows[id]
		if r.TS == nil && m.firstRead {
			continue // include_once: NULL cursors only on the first read
		}
		m.want[r.String()]++
	}
	m.changed = map[int64]bool{}
	m.firstRead = true
	for _, r := range m.rows {
		if r.TS != nil && r.TS.After(m.maxTS) {
			m.maxTS = *r.TS
		}
	}
}

// mergeWant is what a merge target must hold: every row except those that
// never had a cursor since the first read.
func (m *model) mergeWant() map[int64]string {
	out := map[int64]string{}
	for id, r := range m.rows {
		if !m.nullOnly[id] {
			out[id] = r.String()
		}
	}
	return out
}

// ids returns the model's ids in order.
func (m *model) ids() []int64 {
	return slices.Sorted(maps.Keys(m.rows))
}

// diffMultiset describes what want has that got lacks and the other way.
func diffMultiset(want, got map[string]int) (missing, extra []string) {
	for k, n := range want {
		for i := got[k]; i < n; i++ {
			missing = append(missing, k)
		}
	}
	for k, n := range got {
		for i := want[k]; i < n; i++ {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return missing, extra
}

func head(xs []string, n int) string {
	if len(xs) > n {
		return strings.Join(xs[:n], ", ") + fmt.Sprintf(", ... (%d in all)", len(xs))
	}
	return strings.Join(xs, ", ")
}

// total is how many versions the append target must hold.
func (m *model) total() int {
	n := 0
	for _, c := range m.want {
		n += c
	}
	return n
}
