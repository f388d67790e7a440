package cursortest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Ties runs the fixed scenario: 600 rows in ties of 40 (batches of a few
// rows, so ties cut every batch and every checkpoint), ten NULL cursors;
// then six rounds of updates onto the checkpoint's cursor value with
// smaller keys, late inserts at that value with smaller keys, NULL to
// value, and some rows past it. After every read both targets must match.
func Ties(t *testing.T, f Fixture) {
	r := newRun(t, f, "cursor_ties", nil)
	var init []row
	for id := int64(1); id <= 600; id++ {
		x := row{ID: id, TS: at(int(id / 40)), V: fmt.Sprintf("v%d", id)}
		if id <= 10 {
			x.TS = nil
		}
		init = append(init, x)
	}
	r.write(init...)
	r.read(0)
	for round := 1; round <= 6; round++ {
		top := r.m.maxTS
		var ws []row
		// Updates onto the checkpoint's value, keys below the last one read.
		for id := int64(11 + round); id < 600; id += 37 {
			x := r.m.rows[id]
			if x.TS != nil && x.TS.Before(top) {
				x.TS, x.V, x.N = &top, fmt.Sprintf("u%d-%d", round, id), x.N+1
				ws = append(ws, x)
			}
		}
		// Late inserts at the checkpoint's value, with smaller keys.
		for i := range int64(5) {
			ws = append(ws, row{ID: -int64(round)*100 - i, TS: &top, V: fmt.Sprintf("late%d", round)})
		}
		// NULL to value: onto the checkpoint's value, or past it.
		x := r.m.rows[int64(round)]
		ts := top
		if round%2 == 0 {
			ts = top.Add(time.Second)
		}
		x.TS, x.V, x.N = &ts, fmt.Sprintf("null-to-value%d", round), x.N+1
		ws = append(ws, x)
		// Some rounds move the checkpoint past a new tie group.
		if round == 3 || round == 5 {
			next := top.Add(5 * time.Second)
			for i := range int64(50) {
				ws = append(ws, row{ID: 1000*int64(round) + i, TS: &next, V: "next"})
			}
		}
		r.write(ws...)
		r.read(round)
	}
	t.Logf("ties: %d reads, %d rows, %d row versions in the append target; %d version and %d merge-row comparisons in all", r.reads, len(r.m.rows), r.m.total(), r.versions, r.mergeRows)
}

// TieCap runs rounds with tie_cap below the size of the tie groups: the
// merge target must still equal the source and the append target lose
// nothing (duplicates allowed), and the read must say so in a WARN log.
func TieCap(t *testing.T, f Fixture) {
	r := newRun(t, f, "cursor_tiecap", map[string]any{"tie_cap": 5})
	var init []row
	for id := int64(1); id <= 200; id++ {
		init = append(init, row{ID: id, TS: at(int(id / 40)), V: "v"})
	}
	r.write(init...)
	r.read(0)
	for round := 1; round <= 3; round++ {
		top := r.m.maxTS
		var ws []row
		for id := int64(round); id < 150; id += 11 {
			x := r.m.rows[id]
			x.TS, x.V, x.N = &top, fmt.Sprintf("u%d", round), x.N+1
			ws = append(ws, x)
		}
		ws = append(ws, row{ID: -int64(round), TS: &top, V: "late"})
		r.write(ws...)
		r.read(round)
	}
	if !slices.ContainsFunc(r.logs, func(s string) bool { return strings.Contains(s, "tie_cap 5") }) {
		t.Errorf("no WARN log about tie_cap; logs: %q", r.logs)
	}
}

// Randomized runs rounds (Rounds, default 25) of random writes between
// reads, seeded by Seed: inserts and updates whose cursor lands on the
// checkpoint's value or just past it (many ties), new keys above and
// below the others, NULL cursors and NULL to value. It logs the seed and
// what it checked.
func Randomized(t *testing.T, f Fixture) {
	seed := Seed(t)
	rounds := Rounds(t, 25)
	t.Logf("randomized cursor test: seed %d (DPONE_CURSOR_SEED=%d reproduces it), %d rounds", seed, seed, rounds)
	rnd := newRand(seed)
	r := newRun(t, f, "cursor_random", nil)
	var init []row
	for id := int64(1); id <= 300; id++ {
		x := row{ID: id, TS: at(int(id / 25)), V: "v"}
		if rnd.IntN(20) == 0 {
			x.TS = nil
		}
		init = append(init, x)
	}
	r.write(init...)
	r.read(0)
	nextID, lowID := int64(300), int64(0)
	for round := 1; round <= rounds; round++ {
		top := r.m.maxTS
		cursor := func() *time.Time { // on the checkpoint's value, or just past it
			ts := top.Add(time.Duration(max(0, rnd.IntN(5)-2)) * time.Second)
			return &ts
		}
		touched := map[int64]bool{}
		var ws []row
		put := func(x row) {
			touched[x.ID] = true
			ws = append(ws, x)
		}
		ids := r.m.ids()
		for op := rnd.IntN(40) + 1; op > 0; op-- {
			switch k := rnd.IntN(20); {
			case k < 7: // update a row with a cursor onto the value or past it
				id := ids[rnd.IntN(len(ids))]
				x := r.m.rows[id]
				if touched[id] || x.TS == nil {
					continue
				}
				x.TS, x.V, x.N = cursor(), fmt.Sprintf("u%d", round), x.N+1
				put(x)
			case k < 12: // insert, key above or below every other
				lowID--
				id := lowID
				if rnd.IntN(2) == 0 {
					nextID++
					id = nextID
				}
				x := row{ID: id, TS: cursor(), V: fmt.Sprintf("i%d", round)}
				if rnd.IntN(10) == 0 {
					x.TS = nil
				}
				put(x)
			case k < 15: // NULL to value
				for _, id := range ids {
					if x := r.m.rows[id]; x.TS == nil && !touched[id] {
						x.TS, x.V, x.N = cursor(), fmt.Sprintf("n%d", round), x.N+1
						put(x)
						break
					}
				}
			default: // a burst of ties at one value
				ts := cursor()
				for range rnd.IntN(60) + 5 {
					nextID++
					put(row{ID: nextID, TS: ts, V: fmt.Sprintf("t%d", round)})
				}
			}
		}
		r.write(ws...)
		r.read(round)
	}
	t.Logf("randomized cursor test: seed %d, %d rounds, %d reads, %d rows in the source, %d row versions in the append target; %d version and %d merge-row comparisons in all",
		seed, rounds, r.reads, len(r.m.rows), r.m.total(), r.versions, r.mergeRows)
}
